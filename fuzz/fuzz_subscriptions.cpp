// libFuzzer target: pattern::subscription_trie (PUB/SUB subscriptions) against a model,
// a std::map from topic to the set of subscribed peers.
//
// Input: a script of operations until the input runs out. Each starts with an op byte:
//   bits 0-2  0, 1 add    2 remove    3 remove_peer    4 match    5 has_subscribers
//             6 move the trie away and back    7 full check (below)
//   bits 3-5  the peer, one of 8
//   bit 6     topic bytes come from the alphabet {'a', 'b', 00, FF} (input byte & 3), so
//             topics are often prefixes of one another
//   bit 7     the topic starts with a topic already subscribed (next byte picks which; for
//             add and remove it is that topic, for match the bytes below are appended)
// then a topic: a length byte and that many bytes (fewer at the end of the input).
//
// Invariants (trap on violation): add, remove and has_subscribers answer what the model
// says; match returns exactly the peers subscribed to a prefix of the data, each once and
// in address order, without allocating when its output vector has room; remove_peer
// reports exactly the topics it empties, in order; after every operation topic_count()
// equals the model's and invariants_hold(); at a full check and at the end, for_each_topic
// lists the model's topics in order and node_count() equals that of a trie built afresh
// from the model (removal restored the canonical shape); finally removing every peer
// empties the trie down to its root.
#include "pattern/subscription_trie.hpp"

#include "fuzz_util.hpp"
#include "support/tracking_allocator.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

struct fake_peer {
    int id;
};

using trie = zmtp::pattern::subscription_trie<fake_peer>;
using model = std::map<std::string, std::set<int>, std::less<>>;

constexpr int peer_count = 8;

std::span<const std::byte> bytes_of(std::string_view s) noexcept
{
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

/// Reads the script.
class reader {
public:
    explicit reader(std::span<const std::uint8_t> in) noexcept : in_(in) {}
    bool done() const noexcept { return in_.empty(); }
    std::uint8_t byte() noexcept
    {
        if (in_.empty())
            return 0;
        const std::uint8_t b = in_.front();
        in_ = in_.subspan(1);
        return b;
    }
    /// A length byte, then up to that many bytes, mapped to a 4-letter alphabet if `small`.
    std::string topic(bool small)
    {
        const std::size_t len = std::min<std::size_t>(byte(), in_.size());
        std::string s(reinterpret_cast<const char*>(in_.data()), len);
        in_ = in_.subspan(len);
        if (small) {
            static constexpr char letters[] = {'a', 'b', '\0', '\xff'};
            for (char& c : s)
                c = letters[static_cast<unsigned char>(c) & 3];
        }
        return s;
    }

private:
    std::span<const std::uint8_t> in_;
};

struct harness {
    std::array<fake_peer, peer_count> peers{};
    trie t;
    model m;
    std::vector<fake_peer*> out;

    harness()
    {
        for (int i = 0; i < peer_count; ++i)
            peers[static_cast<std::size_t>(i)].id = i;
        // Room for any match: every peer on every node of the longest possible path, the
        // root and one node per byte of a known topic (up to 255 bytes) plus 255 more.
        out.reserve(static_cast<std::size_t>(peer_count) * (2 * 255 + 1));
    }

    fake_peer* peer(int id) { return &peers[static_cast<std::size_t>(id)]; }

    bool model_add(const std::string& topic, int id) { return m[topic].insert(id).second; }

    bool model_remove(const std::string& topic, int id)
    {
        const auto it = m.find(topic);
        if (it == m.end() || it->second.erase(id) == 0)
            return false;
        if (it->second.empty())
            m.erase(it);
        return true;
    }

    void check_match(std::string_view data)
    {
        std::set<int> expected;
        for (std::size_t len = 0; len <= data.size(); ++len)
            if (const auto it = m.find(data.substr(0, len)); it != m.end())
                expected.insert(it->second.begin(), it->second.end());

        const std::size_t live = zmtp_test::tracked::live_bytes;
        zmtp_test::tracked::reset_peak();
        t.match(bytes_of(data), out);
        ZMTP_FUZZ_CHECK(zmtp_test::tracked::peak_bytes == live); // no allocation at all

        ZMTP_FUZZ_CHECK(out.size() == expected.size());
        auto want = expected.begin();
        for (std::size_t i = 0; i < out.size(); ++i, ++want) {
            ZMTP_FUZZ_CHECK(out[i]->id == *want); // peers[] is in address order
            ZMTP_FUZZ_CHECK(out[i] == peer(*want));
        }
    }

    void check_remove_peer(int id)
    {
        std::vector<std::string> emptied;
        t.remove_peer(peer(id), [&](std::span<const std::byte> topic) { emptied.push_back(zmtp_fuzz::to_string(topic)); });
        std::vector<std::string> expected;
        for (auto it = m.begin(); it != m.end();) {
            if (it->second.erase(id) == 1 && it->second.empty()) {
                expected.push_back(it->first);
                it = m.erase(it);
            } else {
                ++it;
            }
        }
        ZMTP_FUZZ_CHECK(emptied == expected);
    }

    void check_cheap()
    {
        ZMTP_FUZZ_CHECK(t.topic_count() == m.size());
        ZMTP_FUZZ_CHECK(t.empty() == m.empty());
        ZMTP_FUZZ_CHECK(t.invariants_hold());
    }

    void check_full()
    {
        check_cheap();
        std::vector<std::string> listed;
        t.for_each_topic([&](std::span<const std::byte> topic) { listed.push_back(zmtp_fuzz::to_string(topic)); });
        ZMTP_FUZZ_CHECK(listed.size() == m.size());
        auto it = m.begin();
        for (const std::string& topic : listed) {
            ZMTP_FUZZ_CHECK(topic == it->first);
            ZMTP_FUZZ_CHECK(t.has_subscribers(bytes_of(topic)));
            ++it;
        }
        trie fresh;
        for (const auto& [topic, ids] : m)
            for (int id : ids)
                fresh.add(bytes_of(topic), peer(id));
        ZMTP_FUZZ_CHECK(fresh.node_count() == t.node_count());
    }

    /// The topic the next byte picks among the subscribed ones ("" if none).
    std::string known_topic(reader& r) const
    {
        const std::uint8_t pick = r.byte();
        if (m.empty())
            return {};
        auto it = m.begin();
        std::advance(it, pick % m.size());
        return it->first;
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    harness h;
    reader r({data, size});
    while (!r.done()) {
        const std::uint8_t op = r.byte();
        const int id = (op >> 3) & 7;
        const bool small = (op & 0x40) != 0;
        const bool known = (op & 0x80) != 0;
        switch (op & 7) {
        case 0:
        case 1:
        case 2: {
            std::string topic = known ? h.known_topic(r) : r.topic(small);
            const bool added = (op & 7) != 2;
            if (added)
                ZMTP_FUZZ_CHECK(h.t.add(bytes_of(topic), h.peer(id)) == h.model_add(topic, id));
            else
                ZMTP_FUZZ_CHECK(h.t.remove(bytes_of(topic), h.peer(id)) == h.model_remove(topic, id));
            break;
        }
        case 3: h.check_remove_peer(id); break;
        case 4: {
            std::string topic = known ? h.known_topic(r) : std::string();
            topic += r.topic(small);
            h.check_match(topic);
            break;
        }
        case 5: {
            const std::string topic = known ? h.known_topic(r) : r.topic(small);
            const auto it = h.m.find(topic);
            ZMTP_FUZZ_CHECK(h.t.has_subscribers(bytes_of(topic)) == (it != h.m.end()));
            break;
        }
        case 6: {
            trie away(std::move(h.t));
            ZMTP_FUZZ_CHECK(h.t.empty() && h.t.node_count() == 1 && h.t.invariants_hold());
            h.t = std::move(away);
            break;
        }
        default: h.check_full(); break;
        }
        h.check_cheap();
    }
    h.check_full();

    for (int id = 0; id < peer_count; ++id)
        h.check_remove_peer(id);
    ZMTP_FUZZ_CHECK(h.t.empty() && h.t.node_count() == 1);
    return 0;
}
