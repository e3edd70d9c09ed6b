// Unit tests for pattern::subscription_trie: prefix matching, set semantics, edge splits and
// merges, a randomized comparison with a std::map model, deep tries on a small stack, and
// allocation-free matching.
#include "pattern/subscription_trie.hpp"

#include <doctest/doctest.h>

// The tracking operator new is defined once in this executable (memory_bound_test.cpp);
// here only its counters are read.
#include "support/tracked_heap.hpp"
#include "test_bytes.hpp"

#include <pthread.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using zmtp::pattern::subscription_trie;
using zmtp_test::as_bytes;

namespace {

struct trie_peer {
    int id;
};

using trie = subscription_trie<trie_peer>;

/// Peers 0..15, so tests can name them by number.
struct peer_set {
    std::array<trie_peer, 16> peers{};
    peer_set()
    {
        for (int i = 0; i < 16; ++i)
            peers[static_cast<std::size_t>(i)].id = i;
    }
    trie_peer* operator[](int i) { return &peers[static_cast<std::size_t>(i)]; }
};

std::string text(std::span<const std::byte> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

/// The ids of the peers match() returns for `data`, in match()'s order converted to ids
/// (checked to be distinct and in address order, which for peer_set is id order).
std::vector<int> matched(const trie& t, std::string_view data)
{
    std::vector<trie_peer*> out;
    t.match(as_bytes(data), out);
    CHECK(std::is_sorted(out.begin(), out.end(), std::less<trie_peer*>{}));
    CHECK(std::adjacent_find(out.begin(), out.end()) == out.end());
    std::vector<int> ids;
    for (const trie_peer* p : out)
        ids.push_back(p->id);
    return ids;
}

std::vector<std::string> topics(const trie& t)
{
    std::vector<std::string> out;
    t.for_each_topic([&](std::span<const std::byte> topic) { out.push_back(text(topic)); });
    return out;
}

/// The model: topic -> ids of its subscribers.
using model = std::map<std::string, std::set<int>>;

std::vector<int> model_match(const model& m, std::string_view data)
{
    std::set<int> ids;
    for (std::size_t len = 0; len <= data.size(); ++len)
        if (const auto it = m.find(std::string(data.substr(0, len))); it != m.end())
            ids.insert(it->second.begin(), it->second.end());
    return {ids.begin(), ids.end()};
}

/// Node count of a trie built from scratch with the same subscriptions: what a trie that
/// went through removals must have come back to.
std::size_t fresh_node_count(const model& m, peer_set& peers)
{
    trie fresh;
    for (const auto& [topic, ids] : m)
        for (int id : ids)
            fresh.add(as_bytes(topic), peers[id]);
    return fresh.node_count();
}

/// Runs `f` on a thread with a 256 KiB stack: a recursion as deep as a 100,000-node trie
/// would overflow it.
void run_on_small_stack(std::function<void()> f)
{
    pthread_attr_t attr;
    REQUIRE(pthread_attr_init(&attr) == 0);
    REQUIRE(pthread_attr_setstacksize(&attr, 256 * 1024) == 0);
    pthread_t thread;
    auto body = [](void* arg) -> void* {
        (*static_cast<std::function<void()>*>(arg))();
        return nullptr;
    };
    REQUIRE(pthread_create(&thread, &attr, body, &f) == 0);
    REQUIRE(pthread_join(thread, nullptr) == 0);
    pthread_attr_destroy(&attr);
}

} // namespace

TEST_CASE("subscription_trie: a topic matches the data it is a prefix of")
{
    peer_set p;
    trie t;
    CHECK(t.empty());
    CHECK(t.add(as_bytes("news"), p[1]));
    CHECK(t.add(as_bytes("news.sport"), p[2]));
    CHECK(t.add(as_bytes("weather"), p[3]));
    CHECK(t.topic_count() == 3);
    CHECK_FALSE(t.empty());

    CHECK(matched(t, "news") == std::vector<int>{1});
    CHECK(matched(t, "news.sport.football") == std::vector<int>{1, 2});
    CHECK(matched(t, "news.spor") == std::vector<int>{1});
    CHECK(matched(t, "new").empty());
    CHECK(matched(t, "weather today") == std::vector<int>{3});
    CHECK(matched(t, "").empty());
    CHECK(matched(t, "x").empty());

    CHECK(t.has_subscribers(as_bytes("news")));
    CHECK_FALSE(t.has_subscribers(as_bytes("new")));
    CHECK_FALSE(t.has_subscribers(as_bytes("news.")));
    CHECK_FALSE(t.has_subscribers(as_bytes("")));
    CHECK(t.invariants_hold());
}

TEST_CASE("subscription_trie: the empty topic matches everything, the empty message too")
{
    peer_set p;
    trie t;
    CHECK(t.add(as_bytes(""), p[4]));
    CHECK(t.add(as_bytes("a"), p[5]));
    CHECK(t.topic_count() == 2);
    CHECK(t.has_subscribers(as_bytes("")));
    CHECK(matched(t, "") == std::vector<int>{4});
    CHECK(matched(t, "b") == std::vector<int>{4});
    CHECK(matched(t, "abc") == std::vector<int>{4, 5});
    CHECK(topics(t) == std::vector<std::string>{"", "a"});
    CHECK(t.node_count() == 2); // the root holds the empty topic
    CHECK(t.remove(as_bytes(""), p[4]));
    CHECK(matched(t, "b").empty());
    CHECK(t.topic_count() == 1);
    CHECK(t.invariants_hold());
}

TEST_CASE("subscription_trie: topics are bytes, 0x00 and 0xFF included")
{
    using namespace std::string_literals;
    peer_set p;
    trie t;
    const std::string zero = "\0"s;
    const std::string zero_zero = "\0\0"s;
    const std::string ff = "\xff"s;
    const std::string mixed = "\0\xff\0"s;
    CHECK(t.add(as_bytes(zero), p[1]));
    CHECK(t.add(as_bytes(zero_zero), p[2]));
    CHECK(t.add(as_bytes(ff), p[3]));
    CHECK(t.add(as_bytes(mixed), p[4]));

    CHECK(matched(t, "\0\0\0"s) == std::vector<int>{1, 2});
    CHECK(matched(t, "\0\xff\0\x01"s) == std::vector<int>{1, 4});
    CHECK(matched(t, "\0\xff"s) == std::vector<int>{1});
    CHECK(matched(t, "\xff\0"s) == std::vector<int>{3});
    CHECK(matched(t, "\xfe"s).empty());
    CHECK(matched(t, "").empty());
    CHECK_FALSE(t.has_subscribers(as_bytes("\0\xff"s)));
    // Unsigned byte order: 0x00 before 0xFF.
    CHECK(topics(t) == std::vector<std::string>{zero, zero_zero, mixed, ff});
    CHECK(t.invariants_hold());
}

TEST_CASE("subscription_trie: a subscription is a set membership")
{
    peer_set p;
    trie t;
    CHECK(t.add(as_bytes("abc"), p[1]));
    CHECK_FALSE(t.add(as_bytes("abc"), p[1]));
    CHECK(t.topic_count() == 1);
    CHECK(matched(t, "abcd") == std::vector<int>{1});
    CHECK(t.remove(as_bytes("abc"), p[1]));
    CHECK_FALSE(t.remove(as_bytes("abc"), p[1]));
    CHECK(matched(t, "abcd").empty());
    CHECK(t.empty());
    CHECK(t.node_count() == 1);

    // Another peer on the same topic keeps it alive.
    CHECK(t.add(as_bytes("abc"), p[1]));
    CHECK(t.add(as_bytes("abc"), p[2]));
    CHECK(t.remove(as_bytes("abc"), p[1]));
    CHECK(t.has_subscribers(as_bytes("abc")));
    CHECK(matched(t, "abc") == std::vector<int>{2});
    CHECK(t.topic_count() == 1);
}

TEST_CASE("subscription_trie: a peer matching several prefixes comes out once")
{
    peer_set p;
    trie t;
    for (std::string_view topic : {"", "a", "ab", "abc", "abcd"})
        CHECK(t.add(as_bytes(topic), p[7]));
    CHECK(t.add(as_bytes("ab"), p[3]));
    CHECK(t.add(as_bytes("abcd"), p[9]));
    CHECK(matched(t, "abcdef") == std::vector<int>{3, 7, 9});
    CHECK(matched(t, "abx") == std::vector<int>{3, 7});
    CHECK(matched(t, "q") == std::vector<int>{7});
}

TEST_CASE("subscription_trie: removing an unknown topic or peer changes nothing")
{
    peer_set p;
    trie t;
    CHECK_FALSE(t.remove(as_bytes("abc"), p[1])); // empty trie
    CHECK_FALSE(t.remove(as_bytes(""), p[1]));
    t.add(as_bytes("abc"), p[1]);
    t.add(as_bytes("abd"), p[2]);
    const std::size_t nodes = t.node_count();
    CHECK(nodes == 4); // root, "ab", "c", "d"
    CHECK_FALSE(t.remove(as_bytes("ab"), p[1]));   // a branch point, not a topic
    CHECK_FALSE(t.remove(as_bytes("a"), p[1]));    // inside an edge
    CHECK_FALSE(t.remove(as_bytes("abcd"), p[1])); // past a leaf
    CHECK_FALSE(t.remove(as_bytes("abx"), p[1]));
    CHECK_FALSE(t.remove(as_bytes("abc"), p[2])); // topic known, peer not on it
    CHECK_FALSE(t.remove(as_bytes("abc"), p[3])); // peer unknown
    CHECK_FALSE(t.remove(as_bytes(""), p[1]));
    CHECK(t.node_count() == nodes);
    CHECK(t.topic_count() == 2);
    CHECK(topics(t) == std::vector<std::string>{"abc", "abd"});
    CHECK(t.invariants_hold());

    int calls = 0;
    t.remove_peer(p[5], [&](std::span<const std::byte>) { ++calls; });
    CHECK(calls == 0);
    CHECK(t.node_count() == nodes);
    CHECK(t.topic_count() == 2);
}

TEST_CASE("subscription_trie: edges split on add and merge back on remove, in any order")
{
    // Every order of adding "abc", "abd", "ab" and every order of removing them: after each
    // step the trie has the nodes a fresh trie with the same topics has.
    peer_set p;
    std::vector<std::string> words = {"ab", "abc", "abd"};
    std::sort(words.begin(), words.end());
    do {
        std::vector<std::string> removal = words;
        do {
            trie t;
            model m;
            for (const std::string& w : words) {
                CHECK(t.add(as_bytes(w), p[1]));
                m[w].insert(1);
                CHECK(t.node_count() == fresh_node_count(m, p));
                CHECK(t.invariants_hold());
            }
            CHECK(t.node_count() == 4); // root, "ab", "c", "d"
            CHECK(matched(t, "abd!") == std::vector<int>{1});
            for (const std::string& w : removal) {
                CHECK(t.remove(as_bytes(w), p[1]));
                m.erase(w);
                CHECK(t.node_count() == fresh_node_count(m, p));
                CHECK(t.invariants_hold());
                for (std::string_view probe : {"a", "ab", "abc", "abd", "abcd", "abx"})
                    CHECK(matched(t, probe) == model_match(m, probe));
            }
            CHECK(t.empty());
            CHECK(t.node_count() == 1);
        } while (std::next_permutation(removal.begin(), removal.end()));
    } while (std::next_permutation(words.begin(), words.end()));

    // A split in the middle of a long edge, then the merge that undoes it.
    trie t;
    t.add(as_bytes("topic/long/edge"), p[1]);
    CHECK(t.node_count() == 2);
    t.add(as_bytes("topic/other"), p[2]);
    CHECK(t.node_count() == 4); // root, "topic/", "long/edge", "other"
    CHECK(matched(t, "topic/long/edge/x") == std::vector<int>{1});
    CHECK(matched(t, "topic/other") == std::vector<int>{2});
    CHECK(matched(t, "topic/").empty());
    t.remove(as_bytes("topic/other"), p[2]);
    CHECK(t.node_count() == 2);
    CHECK(matched(t, "topic/long/edge") == std::vector<int>{1});
    CHECK(topics(t) == std::vector<std::string>{"topic/long/edge"});

    // A long edge cut short: what is left holds no buffer of the old length (checked by
    // invariants_hold: an edge's buffer is at most twice the edge).
    const std::string long_topic = "a" + std::string(1000, 'x');
    trie u;
    u.add(as_bytes(long_topic), p[1]);
    u.add(as_bytes("a"), p[2]);
    CHECK(u.invariants_hold());
    u.remove(as_bytes(long_topic), p[1]);
    CHECK(u.invariants_hold());
    CHECK(u.node_count() == 2);
    CHECK(matched(u, long_topic) == std::vector<int>{2});
}

TEST_CASE("subscription_trie: randomized against a std::map model")
{
    using namespace std::string_literals;
    peer_set p;
    std::mt19937 rng(20240611);
    // Few letters and short topics, so topics are often prefixes of one another.
    const std::string alphabet = "ab\0\xff"s;
    auto random_string = [&](std::size_t max_len) {
        std::string s(std::uniform_int_distribution<std::size_t>(0, max_len)(rng), 'a');
        for (char& c : s)
            c = alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
        return s;
    };
    auto random_peer = [&] { return std::uniform_int_distribution<int>(0, 5)(rng); };

    trie t;
    model m;
    int removed = 0;
    int emptied_total = 0;
    int times_empty = 0;
    std::size_t largest = 0;
    for (int step = 0; step < 5000; ++step) {
        CAPTURE(step);
        // Phases of 500 steps that mostly add, then mostly remove, so the trie fills up and
        // drains again.
        const bool growing = (step / 500) % 2 == 0;
        const int op = std::uniform_int_distribution<int>(0, 99)(rng);
        if (op < (growing ? 80 : 30)) {
            const std::string topic = random_string(6);
            const int id = random_peer();
            CHECK(t.add(as_bytes(topic), p[id]) == m[topic].insert(id).second);
        } else if (op < 99) {
            // Mostly an existing subscription, sometimes a random (likely unknown) one.
            std::string topic = random_string(6);
            int id = random_peer();
            if (!m.empty() && op % 4 != 0) {
                auto it = m.begin();
                std::advance(it, std::uniform_int_distribution<std::size_t>(0, m.size() - 1)(rng));
                topic = it->first;
                auto peer_it = it->second.begin();
                std::advance(peer_it, std::uniform_int_distribution<std::size_t>(0, it->second.size() - 1)(rng));
                id = *peer_it;
            }
            bool expected = false;
            if (const auto it = m.find(topic); it != m.end()) {
                expected = it->second.erase(id) == 1;
                if (it->second.empty())
                    m.erase(it);
            }
            CHECK(t.remove(as_bytes(topic), p[id]) == expected);
            removed += expected ? 1 : 0;
        } else {
            const int id = random_peer();
            std::vector<std::string> emptied;
            t.remove_peer(p[id], [&](std::span<const std::byte> topic) { emptied.push_back(text(topic)); });
            std::vector<std::string> expected;
            for (auto it = m.begin(); it != m.end();) {
                if (it->second.erase(id) == 1 && it->second.empty()) {
                    expected.push_back(it->first);
                    it = m.erase(it);
                } else {
                    ++it;
                }
            }
            CHECK(emptied == expected);
            emptied_total += static_cast<int>(emptied.size());
        }

        CHECK(t.topic_count() == m.size());
        CHECK(t.empty() == m.empty());
        times_empty += m.empty() ? 1 : 0;
        largest = std::max(largest, m.size());
        std::vector<std::string> keys;
        for (const auto& entry : m)
            keys.push_back(entry.first);
        CHECK(topics(t) == keys);
        CHECK(t.invariants_hold());
        CHECK(t.node_count() == fresh_node_count(m, p));
        for (int probe = 0; probe < 8; ++probe) {
            const std::string data = random_string(9);
            CHECK(matched(t, data) == model_match(m, data));
        }
        for (const std::string& key : keys) {
            CHECK(t.has_subscribers(as_bytes(key)));
            CHECK(matched(t, key) == model_match(m, key));
        }
    }
    // The run did what it is for: many removals, peers dropped, a full trie and an empty one.
    MESSAGE("removed ", removed, ", emptied by remove_peer ", emptied_total, ", largest ", largest,
            " topics, empty after ", times_empty, " steps");
    CHECK(removed > 1000);
    CHECK(emptied_total > 50);
    CHECK(largest > 100);
    CHECK(times_empty > 0);
}

TEST_CASE("subscription_trie: remove_peer reports exactly the topics it empties")
{
    using namespace std::string_literals;
    peer_set p;
    trie t;
    t.add(as_bytes(""), p[1]);
    t.add(as_bytes("a"), p[1]);
    t.add(as_bytes("ab"), p[1]);
    t.add(as_bytes("ab"), p[2]);
    t.add(as_bytes("abc"), p[1]);
    t.add(as_bytes("x"), p[2]);
    t.add(as_bytes("\0"s), p[1]);

    std::vector<std::string> emptied;
    t.remove_peer(p[1], [&](std::span<const std::byte> topic) { emptied.push_back(text(topic)); });
    CHECK(emptied == std::vector<std::string>{"", "\0"s, "a", "abc"});
    CHECK(topics(t) == std::vector<std::string>{"ab", "x"});
    CHECK(t.topic_count() == 2);
    CHECK(matched(t, "abc") == std::vector<int>{2});
    CHECK(matched(t, "zzz").empty());
    CHECK(t.invariants_hold());
    model m{{"ab", {2}}, {"x", {2}}};
    CHECK(t.node_count() == fresh_node_count(m, p));

    emptied.clear();
    t.remove_peer(p[2], [&](std::span<const std::byte> topic) { emptied.push_back(text(topic)); });
    CHECK(emptied == std::vector<std::string>{"ab", "x"});
    CHECK(t.empty());
    CHECK(t.node_count() == 1);
}

TEST_CASE("subscription_trie: a 100,000-deep trie builds, matches and goes away on a small stack")
{
    // Topics "a", "aa", ..., 100,000 a's: a chain of 100,000 nodes. Added longest first, so
    // each add splits the top edge instead of walking the whole chain.
    constexpr std::size_t depth = 100'000;
    const std::string as(depth, 'a');
    const std::span<const std::byte> all = as_bytes(as);
    peer_set p;

    bool built = false;
    std::size_t nodes = 0;
    std::vector<int> full;
    std::vector<int> half;
    std::size_t listed = 0;
    bool in_order = true;
    std::size_t emptied = 0;
    bool emptied_in_order = true;
    std::size_t nodes_after_removals = 0;
    std::size_t nodes_after_remove_peer = 0;
    run_on_small_stack([&] {
        {
            trie t;
            for (std::size_t len = depth; len >= 1; --len)
                t.add(all.first(len), p[0]);
            t.add(all, p[1]);
            built = t.topic_count() == depth && t.invariants_hold();
            nodes = t.node_count();
            std::vector<trie_peer*> out;
            t.match(all, out);
            for (const trie_peer* x : out)
                full.push_back(x->id);
            t.match(all.first(depth / 2), out);
            for (const trie_peer* x : out)
                half.push_back(x->id);
            t.for_each_topic([&](std::span<const std::byte> topic) {
                ++listed;
                in_order = in_order && topic.size() == listed;
            });
        } // destroyed here: 100,000 nested nodes (the destructor is clear())

        trie t;
        for (std::size_t len = depth; len >= 1; --len)
            t.add(all.first(len), p[0]);
        t.add(all, p[1]);
        // Shortest first: each remove merges the top node into the next one.
        for (std::size_t len = 1; len <= depth / 2; ++len)
            t.remove(all.first(len), p[0]);
        nodes_after_removals = t.invariants_hold() ? t.node_count() : 0;
        t.remove_peer(p[0], [&](std::span<const std::byte> topic) {
            ++emptied;
            emptied_in_order = emptied_in_order && topic.size() == depth / 2 + emptied;
        });
        nodes_after_remove_peer = t.invariants_hold() ? t.node_count() : 0;
    });

    CHECK(built);
    CHECK(nodes == depth + 1);
    CHECK(full == std::vector<int>{0, 1});
    CHECK(half == std::vector<int>{0});
    CHECK(listed == depth);
    CHECK(in_order);
    CHECK(nodes_after_removals == depth / 2 + 1);
    CHECK(emptied == depth / 2 - 1); // the longest topic keeps peer 1
    CHECK(emptied_in_order);
    CHECK(nodes_after_remove_peer == 2);
}

TEST_CASE("subscription_trie: match allocates nothing once the output has room")
{
    peer_set p;
    trie t;
    for (std::string_view topic : {"", "a", "ab", "abc", "abcd", "b", "ba"})
        for (int id = 0; id < 16; id += 3)
            t.add(as_bytes(topic), p[id]);
    t.add(as_bytes("abc"), p[1]);

    std::vector<trie_peer*> out;
    t.match(as_bytes("abcdef"), out); // warms `out` up
    const std::size_t found = out.size();
    CHECK(found == 7); // 0, 3, 6, 9, 12, 15, 1
    const trie_peer* const* buffer = out.data();
    const std::size_t capacity = out.capacity();

    namespace tracked = zmtp_test::tracked;
    // Is the tracking operator new in this executable (not under TSan)? A probe says.
    tracked::reset_peak();
    const std::size_t before_probe = tracked::peak_bytes.load();
    { std::vector<char> probe(1000); CHECK(probe.size() == 1000); }
    const bool tracking = tracked::peak_bytes.load() > before_probe;

    tracked::reset_peak();
    const std::size_t baseline = tracked::peak_bytes.load();
    for (int round = 0; round < 100; ++round) {
        t.match(as_bytes("abcdef"), out);
        t.match(as_bytes("bab"), out);
        t.match(as_bytes(""), out);
        t.match(as_bytes("zzz"), out);
    }
    const std::size_t peak = tracked::peak_bytes.load();
    if (tracking)
        CHECK(peak == baseline); // not one byte allocated, even briefly
    else
        MESSAGE("no tracking operator new in this build; checked buffer reuse only");
    CHECK(out.data() == buffer);
    CHECK(out.capacity() == capacity);
    t.match(as_bytes("abcdef"), out);
    CHECK(out.size() == found);
}

TEST_CASE("subscription_trie: a moved trie keeps its subscriptions, the source is empty")
{
    peer_set p;
    trie a;
    a.add(as_bytes(""), p[1]);
    a.add(as_bytes("ab"), p[2]);
    a.add(as_bytes("ac"), p[3]);
    trie b(std::move(a));
    CHECK(b.invariants_hold());
    CHECK(matched(b, "abz") == std::vector<int>{1, 2});
    CHECK(b.topic_count() == 3);
    CHECK(a.empty()); // a moved-from trie is empty and usable
    CHECK(a.node_count() == 1);
    CHECK(a.invariants_hold());
    CHECK(matched(a, "abz").empty());

    trie c;
    c.add(as_bytes("zz"), p[4]);
    c = std::move(b);
    CHECK(c.invariants_hold());
    CHECK(topics(c) == std::vector<std::string>{"", "ab", "ac"});
    CHECK(c.remove(as_bytes("ab"), p[2]));
    CHECK(c.node_count() == 2); // root and "ac"
    CHECK(c.invariants_hold());
    a.add(as_bytes("x"), p[5]); // a moved-from trie is usable
    CHECK(matched(a, "xy") == std::vector<int>{5});
}

TEST_CASE("subscription_trie: 256 first bytes under one node")
{
    peer_set p;
    trie t;
    for (int b = 255; b >= 0; --b) {
        const std::string topic(1, static_cast<char>(b));
        CHECK(t.add(as_bytes(topic), p[b % 16]));
    }
    CHECK(t.node_count() == 257);
    for (int b = 0; b < 256; ++b) {
        const std::string data = std::string(1, static_cast<char>(b)) + "tail";
        CHECK(matched(t, data) == std::vector<int>{b % 16});
    }
    const std::vector<std::string> listed = topics(t);
    REQUIRE(listed.size() == 256);
    for (std::size_t b = 0; b < 256; ++b)
        CHECK(static_cast<unsigned char>(listed[b][0]) == b);
    CHECK(t.invariants_hold());
}
