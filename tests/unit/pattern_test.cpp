// Unit tests for the sans-I/O socket patterns: load_balancer, fair_queue, routing_table,
// req_state and rep_state (RFC 28 request-reply semantics).
#include "pattern/load_balancer.hpp"

#include <doctest/doctest.h>

#include "pattern/fair_queue.hpp"
#include "pattern/rep_state.hpp"
#include "pattern/req_state.hpp"
#include "pattern/routing_table.hpp"
#include "test_bytes.hpp"
#include "zmtp/error.hpp"
#include "zmtp/frame.hpp"
#include "zmtp/message.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

using namespace zmtp_test;
using zmtp::frame;
using zmtp::message;
using zmtp::pattern::fair_queue;
using zmtp::pattern::load_balancer;
using zmtp::pattern::rep_state;
using zmtp::pattern::req_state;
using zmtp::pattern::routing_table;

namespace {

struct peer {
    int id;
    bool room = true;
};

/// A readable form of a message for comparisons: frames of printable text in quotes,
/// others as hex, e.g. ['', 'hello', 04 03 02 01].
std::string describe(const message& m)
{
    std::string out = "[";
    for (std::size_t i = 0; i < m.size(); ++i) {
        if (i != 0)
            out += ", ";
        bool printable = true;
        for (char c : m[i].view())
            if (c < 0x20 || c > 0x7e || c == '\'')
                printable = false;
        if (printable)
            out += "'" + m[i].to_string() + "'";
        else
            out += to_hex(m[i].bytes());
    }
    return out + "]";
}

/// A frame holding the bytes written as hex, e.g. hex_frame("04 03 02 01").
frame hex_frame(std::string_view hex)
{
    const std::vector<std::byte> b = bytes(hex);
    return frame(std::span<const std::byte>(b));
}

/// A message of `frames`.
message make_message(std::initializer_list<frame> frames)
{
    message m;
    for (const frame& f : frames)
        m.push_back(f);
    return m;
}

const auto always = [](const peer&) { return true; };
const auto has_room = [](const peer& p) { return p.room; };

/// Picks `n` times with `always`; the ids picked, in order (-1 for nullptr).
std::vector<int> pick_ids(load_balancer<peer>& lb, int n)
{
    std::vector<int> ids;
    for (int i = 0; i < n; ++i) {
        peer* p = lb.pick(always);
        ids.push_back(p == nullptr ? -1 : p->id);
    }
    return ids;
}

/// Checks that `rounds` successive rounds of lb.size() picks each pick every id of
/// `expected` exactly once.
void check_fair_rounds(load_balancer<peer>& lb, const std::set<int>& expected, int rounds = 4)
{
    REQUIRE(lb.size() == expected.size());
    for (int r = 0; r < rounds; ++r) {
        CAPTURE(r);
        const std::vector<int> ids = pick_ids(lb, static_cast<int>(expected.size()));
        const std::set<int> seen(ids.begin(), ids.end());
        CHECK(seen == expected);
        CHECK(ids.size() == seen.size());
    }
}

std::string generated_id(std::string_view hex)
{
    const std::vector<std::byte> b = bytes(hex);
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

std::string id_hex(const std::string& id)
{
    return to_hex(as_bytes(id));
}

} // namespace

// ---------------------------------------------------------------------------------------------
// load_balancer
// ---------------------------------------------------------------------------------------------

TEST_CASE("load_balancer: empty picks nothing")
{
    load_balancer<peer> lb;
    CHECK(lb.size() == 0);
    CHECK(lb.pick(always) == nullptr);
}

TEST_CASE("load_balancer: takes peers in turn")
{
    peer a{0}, b{1}, c{2};
    load_balancer<peer> lb;
    lb.add(&a);
    lb.add(&b);
    lb.add(&c);
    CHECK(lb.size() == 3);
    CHECK(pick_ids(lb, 7) == std::vector<int>{0, 1, 2, 0, 1, 2, 0});

    load_balancer<peer> single;
    single.add(&a);
    CHECK(pick_ids(single, 3) == std::vector<int>{0, 0, 0});
}

TEST_CASE("load_balancer: skips peers that cannot take a message")
{
    peer a{0}, b{1, false}, c{2};
    load_balancer<peer> lb;
    lb.add(&a);
    lb.add(&b);
    lb.add(&c);
    std::vector<int> ids;
    for (int i = 0; i < 6; ++i)
        ids.push_back(lb.pick(has_room)->id);
    CHECK(ids == std::vector<int>{0, 2, 0, 2, 0, 2});

    // b gets room back: it rejoins the rotation.
    b.room = true;
    std::map<int, int> counts;
    for (int i = 0; i < 30; ++i)
        ++counts[lb.pick(has_room)->id];
    CHECK(counts[0] == 10);
    CHECK(counts[1] == 10);
    CHECK(counts[2] == 10);
}

TEST_CASE("load_balancer: the turn moves past the peer returned, not past skipped ones only")
{
    peer a{0}, b{1}, c{2};
    load_balancer<peer> lb;
    lb.add(&a);
    lb.add(&b);
    lb.add(&c);
    CHECK(lb.pick(always)->id == 0);
    // b is full: c is taken, and the next turn starts after c (at a), not at b.
    b.room = false;
    CHECK(lb.pick(has_room)->id == 2);
    b.room = true;
    CHECK(lb.pick(has_room)->id == 0);
    CHECK(lb.pick(has_room)->id == 1);
}

TEST_CASE("load_balancer: nullptr when no peer qualifies")
{
    peer a{0, false}, b{1, false};
    load_balancer<peer> lb;
    lb.add(&a);
    lb.add(&b);
    CHECK(lb.pick(has_room) == nullptr);
    CHECK(lb.pick(has_room) == nullptr);
    int calls = 0;
    CHECK(lb.pick([&](const peer&) {
        ++calls;
        return false;
    }) == nullptr);
    CHECK(calls == 2); // each peer tried once, no endless loop

    b.room = true;
    CHECK(lb.pick(has_room) == &b);
    CHECK(lb.pick(has_room) == &b);
}

TEST_CASE("load_balancer: 3 peers and 300 picks pick each 100 times")
{
    peer a{0}, b{1}, c{2};
    load_balancer<peer> lb;
    lb.add(&a);
    lb.add(&b);
    lb.add(&c);
    std::map<int, int> counts;
    for (int i = 0; i < 300; ++i) {
        peer* p = lb.pick(always);
        REQUIRE(p != nullptr);
        ++counts[p->id];
    }
    CHECK(counts[0] == 100);
    CHECK(counts[1] == 100);
    CHECK(counts[2] == 100);
}

TEST_CASE("load_balancer: removing the peer just picked keeps the rotation fair")
{
    peer a{0}, b{1}, c{2}, d{3};
    load_balancer<peer> lb;
    for (peer* p : {&a, &b, &c, &d})
        lb.add(p);
    CHECK(lb.pick(always) == &a);
    CHECK(lb.pick(always) == &b);
    lb.remove(&b); // the current peer
    CHECK(lb.size() == 3);
    CHECK(lb.pick(always) == &c); // the turn continues where it was
    CHECK(lb.pick(always) == &d);
    CHECK(lb.pick(always) == &a);
    check_fair_rounds(lb, {0, 2, 3});
}

TEST_CASE("load_balancer: removing the next peer keeps the rotation fair")
{
    peer a{0}, b{1}, c{2}, d{3};
    load_balancer<peer> lb;
    for (peer* p : {&a, &b, &c, &d})
        lb.add(p);
    CHECK(lb.pick(always) == &a);
    lb.remove(&b); // whose turn it is
    CHECK(lb.pick(always) == &c);
    CHECK(lb.pick(always) == &d);
    CHECK(lb.pick(always) == &a);
    check_fair_rounds(lb, {0, 2, 3});
}

TEST_CASE("load_balancer: removing an earlier peer keeps the rotation fair")
{
    peer a{0}, b{1}, c{2}, d{3};
    load_balancer<peer> lb;
    for (peer* p : {&a, &b, &c, &d})
        lb.add(p);
    CHECK(lb.pick(always) == &a);
    CHECK(lb.pick(always) == &b);
    lb.remove(&a); // already had its turn this round
    CHECK(lb.pick(always) == &c);
    CHECK(lb.pick(always) == &d);
    CHECK(lb.pick(always) == &b);
    check_fair_rounds(lb, {1, 2, 3});
}

TEST_CASE("load_balancer: removing the last peer when it is next wraps the turn")
{
    peer a{0}, b{1}, c{2};
    load_balancer<peer> lb;
    for (peer* p : {&a, &b, &c})
        lb.add(p);
    CHECK(lb.pick(always) == &a);
    CHECK(lb.pick(always) == &b);
    lb.remove(&c); // next in turn, and last in the list
    CHECK(lb.pick(always) == &a);
    CHECK(lb.pick(always) == &b);
    check_fair_rounds(lb, {0, 1});
}

TEST_CASE("load_balancer: removing a later peer keeps the rotation fair")
{
    peer a{0}, b{1}, c{2}, d{3};
    load_balancer<peer> lb;
    for (peer* p : {&a, &b, &c, &d})
        lb.add(p);
    CHECK(lb.pick(always) == &a);
    lb.remove(&d);
    CHECK(lb.pick(always) == &b);
    CHECK(lb.pick(always) == &c);
    CHECK(lb.pick(always) == &a);
    check_fair_rounds(lb, {0, 1, 2});
}

TEST_CASE("load_balancer: removing an unknown peer is harmless")
{
    peer a{0}, b{1}, c{2}, stranger{99};
    load_balancer<peer> lb;
    for (peer* p : {&a, &b, &c})
        lb.add(p);
    CHECK(lb.pick(always) == &a);
    lb.remove(&stranger);
    lb.remove(nullptr);
    CHECK(lb.size() == 3);
    CHECK(lb.pick(always) == &b);
    CHECK(lb.pick(always) == &c);
    check_fair_rounds(lb, {0, 1, 2});

    load_balancer<peer> empty;
    empty.remove(&a);
    CHECK(empty.size() == 0);
    CHECK(empty.pick(always) == nullptr);
}

TEST_CASE("load_balancer: removing every peer, then adding again")
{
    peer a{0}, b{1}, c{2};
    load_balancer<peer> lb;
    lb.add(&a);
    lb.add(&b);
    CHECK(lb.pick(always) == &a);
    lb.remove(&b);
    lb.remove(&a);
    CHECK(lb.size() == 0);
    CHECK(lb.pick(always) == nullptr);
    lb.add(&c);
    lb.add(&a);
    CHECK(pick_ids(lb, 4) == std::vector<int>{2, 0, 2, 0});
}

TEST_CASE("load_balancer: many removals and additions stay fair")
{
    std::vector<peer> peers;
    for (int i = 0; i < 10; ++i)
        peers.push_back(peer{i});
    load_balancer<peer> lb;
    for (peer& p : peers)
        lb.add(&p);
    std::set<int> live;
    for (int i = 0; i < 10; ++i)
        live.insert(i);
    // Remove peers at varying positions relative to the turn, checking fairness each time.
    const int order[] = {3, 0, 9, 5, 1, 8, 2};
    int step = 0;
    for (int victim : order) {
        CAPTURE(victim);
        pick_ids(lb, step % 4); // move the turn around
        lb.remove(&peers[static_cast<std::size_t>(victim)]);
        live.erase(victim);
        check_fair_rounds(lb, live, 3);
        ++step;
    }
}

// ---------------------------------------------------------------------------------------------
// fair_queue
// ---------------------------------------------------------------------------------------------

TEST_CASE("fair_queue: push/pop order")
{
    peer a{0}, b{1}, c{2};
    fair_queue<peer> fq;
    CHECK(fq.empty());
    fq.push(&a);
    fq.push(&b);
    fq.push(&c);
    CHECK_FALSE(fq.empty());
    CHECK(fq.pop() == &a);
    CHECK(fq.pop() == &b);
    CHECK(fq.pop() == &c);
    CHECK(fq.empty());
}

TEST_CASE("fair_queue: round robin when peers with more messages are re-pushed")
{
    // Three peers with 3, 1 and 2 messages waiting, pushed when their first message arrived.
    struct inbox {
        peer who;
        std::vector<std::string> messages;
    };
    inbox a{{0}, {"A1", "A2", "A3"}};
    inbox b{{1}, {"B1"}};
    inbox c{{2}, {"C1", "C2"}};
    std::map<const peer*, inbox*> by_peer{{&a.who, &a}, {&b.who, &b}, {&c.who, &c}};

    fair_queue<peer> fq;
    fq.push(&a.who);
    fq.push(&b.who);
    fq.push(&c.who);

    std::vector<std::string> taken;
    while (!fq.empty()) {
        peer* p = fq.pop();
        inbox* in = by_peer.at(p);
        REQUIRE_FALSE(in->messages.empty());
        taken.push_back(in->messages.front());
        in->messages.erase(in->messages.begin());
        if (!in->messages.empty())
            fq.push(p);
    }
    CHECK(taken == std::vector<std::string>{"A1", "B1", "C1", "A2", "C2", "A3"});
}

TEST_CASE("fair_queue: a peer whose first message arrives later joins at the back")
{
    peer a{0}, b{1}, d{3};
    fair_queue<peer> fq;
    fq.push(&a);
    fq.push(&b);
    CHECK(fq.pop() == &a);
    fq.push(&d); // d's first message arrives
    fq.push(&a); // a still has more
    CHECK(fq.pop() == &b);
    CHECK(fq.pop() == &d);
    CHECK(fq.pop() == &a);
    CHECK(fq.empty());
}

TEST_CASE("fair_queue: many peers, long run, each peer served in turn")
{
    std::vector<peer> peers;
    for (int i = 0; i < 50; ++i)
        peers.push_back(peer{i});
    fair_queue<peer> fq;
    for (peer& p : peers)
        fq.push(&p);
    // Every peer always has more: 20 full rounds in exact order.
    for (int round = 0; round < 20; ++round)
        for (int i = 0; i < 50; ++i) {
            peer* p = fq.pop();
            REQUIRE(p->id == i);
            fq.push(p);
        }
}

// ---------------------------------------------------------------------------------------------
// routing_table
// ---------------------------------------------------------------------------------------------

TEST_CASE("routing_table: generated ids are 0x00 then a big-endian counter from the seed")
{
    routing_table<peer> table(0x2ae8944a);
    const std::string first = table.generate_id();
    CHECK(first.size() == 5);
    CHECK(id_hex(first) == "00 2a e8 94 4a");
    CHECK(id_hex(table.generate_id()) == "00 2a e8 94 4b");
    CHECK(id_hex(table.generate_id()) == "00 2a e8 94 4c");
    CHECK(table.size() == 0); // generating does not insert
}

TEST_CASE("routing_table: counter carries across bytes and wraps from 0xFFFFFFFF to 0")
{
    routing_table<peer> carry(0x00ffffff);
    CHECK(id_hex(carry.generate_id()) == "00 00 ff ff ff");
    CHECK(id_hex(carry.generate_id()) == "00 01 00 00 00");

    routing_table<peer> wrap(0xfffffffe);
    CHECK(id_hex(wrap.generate_id()) == "00 ff ff ff fe");
    CHECK(id_hex(wrap.generate_id()) == "00 ff ff ff ff");
    CHECK(id_hex(wrap.generate_id()) == "00 00 00 00 00");
    CHECK(id_hex(wrap.generate_id()) == "00 00 00 00 01");
}

TEST_CASE("routing_table: a generated id already in use is skipped")
{
    peer a{0}, b{1};
    routing_table<peer> table(5);
    REQUIRE(table.insert(generated_id("00 00 00 00 05"), &a));
    REQUIRE(table.insert(generated_id("00 00 00 00 06"), &b));
    CHECK(id_hex(table.generate_id()) == "00 00 00 00 07");
    CHECK(id_hex(table.generate_id()) == "00 00 00 00 08");

    // Skipping across the wrap-around.
    routing_table<peer> wrap(0xffffffff);
    REQUIRE(wrap.insert(generated_id("00 ff ff ff ff"), &a));
    REQUIRE(wrap.insert(generated_id("00 00 00 00 00"), &b));
    CHECK(id_hex(wrap.generate_id()) == "00 00 00 00 01");
}

TEST_CASE("routing_table: generated ids inserted in turn are all distinct")
{
    std::vector<peer> peers(100, peer{0});
    routing_table<peer> table(0xffffffc0);
    std::set<std::string> seen;
    for (peer& p : peers) {
        const std::string id = table.generate_id();
        CHECK(id.size() == 5);
        CHECK(id[0] == '\0');
        CHECK(seen.insert(id).second);
        CHECK(table.insert(id, &p));
    }
    CHECK(table.size() == 100);
}

TEST_CASE("routing_table: insert refuses duplicates, assign overwrites, erase removes")
{
    peer a{0}, b{1}, c{2};
    routing_table<peer> table(1);
    CHECK(table.find("alice") == nullptr);
    CHECK(table.insert("alice", &a));
    CHECK(table.insert("bob", &b));
    CHECK(table.size() == 2);

    CHECK_FALSE(table.insert("alice", &c)); // taken
    CHECK(table.find("alice") == &a);       // unchanged
    CHECK(table.size() == 2);

    table.assign("alice", &c); // handover
    CHECK(table.find("alice") == &c);
    CHECK(table.size() == 2);
    table.assign("carol", &a); // assign also inserts
    CHECK(table.find("carol") == &a);
    CHECK(table.size() == 3);

    table.erase("alice");
    CHECK(table.find("alice") == nullptr);
    CHECK(table.find("bob") == &b);
    CHECK(table.size() == 2);
    table.erase("nobody"); // harmless
    table.erase("alice");  // twice: harmless
    CHECK(table.size() == 2);

    CHECK(table.insert("alice", &b)); // free again
    CHECK(table.find("alice") == &b);
}

TEST_CASE("routing_table: route gives a peer its id frame once, unroute removes only its own route")
{
    struct routed_peer {
        std::string routing_id;
        zmtp::frame routing_frame;
    };
    routed_peer a{"alice", {}}, impostor{"alice", {}};
    routing_table<routed_peer> table(1);
    CHECK(table.route(a));
    CHECK(table.find("alice") == &a);
    CHECK(a.routing_frame.view() == "alice");
    CHECK(table.route(a)); // already its route: nothing changes
    CHECK(!table.route(impostor));
    CHECK(impostor.routing_frame.empty());
    CHECK(table.find("alice") == &a);
    CHECK(!table.unroute(impostor)); // not its route
    CHECK(table.find("alice") == &a);
    CHECK(table.unroute(a));
    CHECK(table.find("alice") == nullptr);
    CHECK(!table.unroute(a));
}

TEST_CASE("routing_table: find and erase by string_view, ids with zero bytes")
{
    peer a{0}, b{1};
    routing_table<peer> table(0);
    const std::string generated = table.generate_id(); // 00 00 00 00 00
    REQUIRE(table.insert(generated, &a));

    // A view that is not a std::string: a slice of a larger buffer.
    const char buffer[] = {'x', '\0', '\0', '\0', '\0', '\0', 'y'};
    const std::string_view view(buffer + 1, 5);
    CHECK(table.find(view) == &a);
    CHECK(table.find(std::string_view(buffer + 1, 4)) == nullptr); // prefix only
    CHECK(table.find(std::string_view(buffer + 1, 6)) == nullptr); // longer
    CHECK(table.find(std::string_view()) == nullptr);

    const char name[] = "peer-one-extra";
    REQUIRE(table.insert("peer-one", &b));
    CHECK(table.find(std::string_view(name, 8)) == &b);

    table.erase(view);
    CHECK(table.find(generated) == nullptr);
    CHECK(table.size() == 1);
}

// ---------------------------------------------------------------------------------------------
// req_state
// ---------------------------------------------------------------------------------------------

TEST_CASE("req_state: initially can send, cannot receive")
{
    req_state<peer> req(false, false, 1);
    CHECK_FALSE(req.can_send());
    CHECK(req.can_receive() == zmtp::errc::invalid_state);

    req_state<peer> relaxed(true, true, 1);
    CHECK_FALSE(relaxed.can_send());
    CHECK(relaxed.can_receive() == zmtp::errc::invalid_state);
}

TEST_CASE("req_state: wrap adds an empty delimiter")
{
    req_state<peer> req(false, false, 1);
    message request{"hello", "world"};
    req.wrap(request);
    CHECK(describe(request) == "['', 'hello', 'world']");
    CHECK(request[0].empty());
}

TEST_CASE("req_state: strict alternation of send and receive")
{
    peer a{0};
    req_state<peer> req(false, false, 1);
    message request{"ping"};
    req.wrap(request);
    req.sent(&a);
    CHECK(req.can_send() == zmtp::errc::invalid_state);
    CHECK(req.can_send() == zmtp::errc::invalid_state); // still, no side effect
    CHECK_FALSE(req.can_receive());

    message reply{"", "pong"};
    REQUIRE(req.accept(&a, reply));
    CHECK(describe(reply) == "['pong']");
    CHECK_FALSE(req.can_send());
    CHECK(req.can_receive() == zmtp::errc::invalid_state);

    // A second identical reply after the first was accepted: refused.
    message again{"", "pong"};
    CHECK_FALSE(req.accept(&a, again));
    CHECK(describe(again) == "['', 'pong']");

    // And the cycle repeats.
    message second{"ping2"};
    req.wrap(second);
    req.sent(&a);
    CHECK(req.can_send() == zmtp::errc::invalid_state);
    message reply2{"", "pong2", "more"};
    REQUIRE(req.accept(&a, reply2));
    CHECK(describe(reply2) == "['pong2', 'more']");
    CHECK_FALSE(req.can_send());
}

TEST_CASE("req_state: replies are accepted only from the target peer")
{
    peer a{0}, b{1};
    req_state<peer> req(false, false, 1);
    message request{"q"};
    req.wrap(request);
    req.sent(&a);

    message from_b{"", "r"};
    CHECK_FALSE(req.accept(&b, from_b));
    CHECK(describe(from_b) == "['', 'r']"); // untouched
    message from_nobody{"", "r"};
    CHECK_FALSE(req.accept(nullptr, from_nobody));
    CHECK(req.can_send() == zmtp::errc::invalid_state); // still waiting

    message from_a{"", "r"};
    CHECK(req.accept(&a, from_a));
    CHECK(describe(from_a) == "['r']");
}

TEST_CASE("req_state: replies without the empty delimiter are refused")
{
    peer a{0};
    req_state<peer> req(false, false, 1);
    message request{"q"};
    req.wrap(request);
    req.sent(&a);

    message no_delimiter{"r"};
    CHECK_FALSE(req.accept(&a, no_delimiter));
    CHECK(describe(no_delimiter) == "['r']");
    message wrong_first{"x", "", "r"};
    CHECK_FALSE(req.accept(&a, wrong_first));
    CHECK(describe(wrong_first) == "['x', '', 'r']");
    message empty;
    CHECK_FALSE(req.accept(&a, empty));
    CHECK(req.can_send() == zmtp::errc::invalid_state);

    message good{"", "r"};
    CHECK(req.accept(&a, good));
}

TEST_CASE("req_state: a reply before any request is refused")
{
    peer a{0};
    req_state<peer> req(false, false, 1);
    message reply{"", "r"};
    CHECK_FALSE(req.accept(&a, reply));
    CHECK(describe(reply) == "['', 'r']");
    CHECK_FALSE(req.can_send());
}

TEST_CASE("req_state: correlate adds a 4-byte little-endian request id")
{
    peer a{0};
    req_state<peer> req(true, false, 0x01020304);
    message request{"q"};
    req.wrap(request);
    REQUIRE(request.size() == 3);
    CHECK(to_hex(request[0].bytes()) == "04 03 02 01");
    CHECK(request[1].empty());
    CHECK(request[2] == "q");
    req.sent(&a);
    CHECK(req.can_send() == zmtp::errc::invalid_state);

    message reply = make_message({hex_frame("04 03 02 01"), frame(), frame("r")});
    REQUIRE(req.accept(&a, reply));
    CHECK(describe(reply) == "['r']");
    CHECK_FALSE(req.can_send());

    message next{"q2"};
    req.wrap(next);
    REQUIRE(next.size() == 3);
    CHECK(to_hex(next[0].bytes()) == "05 03 02 01");
    CHECK(next[1].empty());
}

TEST_CASE("req_state: correlate refuses stale, malformed or missing ids")
{
    peer a{0}, b{1};
    req_state<peer> req(true, false, 0x01020304);
    message first{"q1"};
    req.wrap(first);
    req.sent(&a);
    message reply1 = make_message({hex_frame("04 03 02 01"), frame(), frame("r1")});
    REQUIRE(req.accept(&a, reply1));

    message second{"q2"};
    req.wrap(second); // id 05 03 02 01
    req.sent(&a);

    message stale = make_message({hex_frame("04 03 02 01"), frame(), frame("r1")});
    CHECK_FALSE(req.accept(&a, stale));
    CHECK(stale.size() == 3);
    message big_endian = make_message({hex_frame("01 02 03 05"), frame(), frame("r")});
    CHECK_FALSE(req.accept(&a, big_endian));
    message short_id = make_message({hex_frame("05 03 02"), frame(), frame("r")});
    CHECK_FALSE(req.accept(&a, short_id));
    message long_id = make_message({hex_frame("05 03 02 01 00"), frame(), frame("r")});
    CHECK_FALSE(req.accept(&a, long_id));
    message no_id{"", "r"};
    CHECK_FALSE(req.accept(&a, no_id));
    message no_delimiter = make_message({hex_frame("05 03 02 01"), frame("r")});
    CHECK_FALSE(req.accept(&a, no_delimiter));
    message id_only = make_message({hex_frame("05 03 02 01")});
    CHECK_FALSE(req.accept(&a, id_only));
    message other_peer = make_message({hex_frame("05 03 02 01"), frame(), frame("r")});
    CHECK_FALSE(req.accept(&b, other_peer));
    CHECK(req.can_send() == zmtp::errc::invalid_state);

    message good = make_message({hex_frame("05 03 02 01"), frame(), frame("r2")});
    REQUIRE(req.accept(&a, good));
    CHECK(describe(good) == "['r2']");
}

TEST_CASE("req_state: correlate id counter wraps from 0xFFFFFFFF to 0")
{
    peer a{0};
    req_state<peer> req(true, false, 0xffffffff);
    message m1{"q"};
    req.wrap(m1);
    CHECK(to_hex(m1[0].bytes()) == "ff ff ff ff");
    req.sent(&a);
    message r1 = make_message({hex_frame("ff ff ff ff"), frame(), frame("r")});
    REQUIRE(req.accept(&a, r1));

    message m2{"q"};
    req.wrap(m2);
    CHECK(to_hex(m2[0].bytes()) == "00 00 00 00");
    req.sent(&a);
    message r2 = make_message({hex_frame("00 00 00 00"), frame(), frame("r")});
    CHECK(req.accept(&a, r2));
}

TEST_CASE("req_state: relaxed allows a new request, the late reply is refused")
{
    peer a{0}, b{1};
    req_state<peer> req(false, true, 1);
    message first{"q1"};
    req.wrap(first);
    req.sent(&a);
    CHECK_FALSE(req.can_send()); // relaxed: no state error
    CHECK_FALSE(req.can_receive());

    message second{"q2"};
    req.wrap(second);
    CHECK(describe(second) == "['', 'q2']");
    req.sent(&b);

    message late{"", "r1"};
    CHECK_FALSE(req.accept(&a, late)); // from the old target
    CHECK(describe(late) == "['', 'r1']");
    message current{"", "r2"};
    CHECK(req.accept(&b, current));
    CHECK(describe(current) == "['r2']");
    CHECK(req.can_receive() == zmtp::errc::invalid_state);
}

TEST_CASE("req_state: relaxed + correlate refuses the old id from the same peer")
{
    peer a{0};
    req_state<peer> req(true, true, 0x01020304);
    message first{"q1"};
    req.wrap(first);
    CHECK(to_hex(first[0].bytes()) == "04 03 02 01");
    req.sent(&a);
    CHECK_FALSE(req.can_send());

    message second{"q2"};
    req.wrap(second);
    CHECK(to_hex(second[0].bytes()) == "05 03 02 01");
    req.sent(&a);

    message old_reply = make_message({hex_frame("04 03 02 01"), frame(), frame("r1")});
    CHECK_FALSE(req.accept(&a, old_reply));
    message new_reply = make_message({hex_frame("05 03 02 01"), frame(), frame("r2")});
    CHECK(req.accept(&a, new_reply));
    CHECK(describe(new_reply) == "['r2']");

    // The old reply arriving after the new one: still refused.
    message very_late = make_message({hex_frame("04 03 02 01"), frame(), frame("r1")});
    CHECK_FALSE(req.accept(&a, very_late));
}

TEST_CASE("req_state: strict correlate refuses a second send")
{
    peer a{0};
    req_state<peer> req(true, false, 7);
    message m{"q"};
    req.wrap(m);
    req.sent(&a);
    CHECK(req.can_send() == zmtp::errc::invalid_state);
}

TEST_CASE("req_state: forget(target) makes its reply refused")
{
    peer a{0}, b{1};
    req_state<peer> req(false, false, 1);
    message request{"q"};
    req.wrap(request);
    req.sent(&a);

    req.forget(&a);
    message reply{"", "r"};
    CHECK_FALSE(req.accept(&a, reply));
    CHECK(describe(reply) == "['', 'r']");

    // A new peer at another address cannot answer either.
    message from_b{"", "r"};
    CHECK_FALSE(req.accept(&b, from_b));

    // forget of a non-target leaves the target's reply acceptable.
    req_state<peer> other(false, false, 1);
    message q{"q"};
    other.wrap(q);
    other.sent(&a);
    other.forget(&b);
    other.forget(nullptr);
    message still_ok{"", "r"};
    CHECK(other.accept(&a, still_ok));
    CHECK(describe(still_ok) == "['r']");
}

// ---------------------------------------------------------------------------------------------
// rep_state
// ---------------------------------------------------------------------------------------------

TEST_CASE("rep_state: initially can receive, cannot send")
{
    rep_state<peer> rep;
    CHECK_FALSE(rep.can_receive());
    CHECK(rep.can_send() == zmtp::errc::invalid_state);
}

TEST_CASE("rep_state: simple request and reply")
{
    peer a{0};
    rep_state<peer> rep;
    message request{"", "hello"};
    REQUIRE(rep.accept(&a, request));
    CHECK(describe(request) == "['hello']");
    CHECK(rep.can_receive() == zmtp::errc::invalid_state);
    CHECK_FALSE(rep.can_send());

    message reply{"world"};
    CHECK(rep.wrap(reply) == &a);
    CHECK(describe(reply) == "['', 'world']");
    CHECK_FALSE(rep.can_receive());
    CHECK(rep.can_send() == zmtp::errc::invalid_state);
}

TEST_CASE("rep_state: envelope with several routing frames goes back in front of the reply")
{
    peer a{0};
    rep_state<peer> rep;
    message request{"id1", "id2", "", "body1", "body2"};
    REQUIRE(rep.accept(&a, request));
    CHECK(describe(request) == "['body1', 'body2']");

    message reply{"r1", "r2"};
    CHECK(rep.wrap(reply) == &a);
    CHECK(describe(reply) == "['id1', 'id2', '', 'r1', 'r2']");
}

TEST_CASE("rep_state: the envelope ends at the first empty frame")
{
    peer a{0};
    rep_state<peer> rep;
    message request{"id", "", "", "body"};
    REQUIRE(rep.accept(&a, request));
    CHECK(describe(request) == "['', 'body']");
    message reply{"r"};
    CHECK(rep.wrap(reply) == &a);
    CHECK(describe(reply) == "['id', '', 'r']");
}

TEST_CASE("rep_state: binary and large envelope frames survive unchanged")
{
    peer a{0};
    rep_state<peer> rep;
    const std::string big(1000, 'Z'); // beyond frame::inline_capacity
    message request = make_message({hex_frame("00 2a e8 94 4a"), frame(big), hex_frame("04 03 02 01"),
                                    frame(), frame(big + "body")});
    REQUIRE(rep.accept(&a, request));
    REQUIRE(request.size() == 1);
    CHECK(request[0] == big + "body");

    message reply{"r"};
    CHECK(rep.wrap(reply) == &a);
    REQUIRE(reply.size() == 5);
    CHECK(to_hex(reply[0].bytes()) == "00 2a e8 94 4a");
    CHECK(reply[1] == big);
    CHECK(to_hex(reply[2].bytes()) == "04 03 02 01");
    CHECK(reply[3].empty());
    CHECK(reply[4] == "r");
}

TEST_CASE("rep_state: requests without an empty frame are refused and the state is unchanged")
{
    peer a{0}, b{1};
    rep_state<peer> rep;
    message no_delimiter{"id", "body"};
    CHECK_FALSE(rep.accept(&a, no_delimiter));
    CHECK(describe(no_delimiter) == "['id', 'body']");
    message single{"body"};
    CHECK_FALSE(rep.accept(&a, single));
    message empty;
    CHECK_FALSE(rep.accept(&a, empty));
    CHECK_FALSE(rep.can_receive());
    CHECK(rep.can_send() == zmtp::errc::invalid_state);

    // After a completed exchange, a bad request changes nothing either.
    message good{"idB", "", "q"};
    REQUIRE(rep.accept(&b, good));
    message reply{"r"};
    CHECK(rep.wrap(reply) == &b);
    message bad{"x", "y"};
    CHECK_FALSE(rep.accept(&a, bad));
    CHECK_FALSE(rep.can_receive());
    CHECK(rep.can_send() == zmtp::errc::invalid_state);

    // And the next good one is served with its own envelope only.
    message next{"idA", "", "q2"};
    REQUIRE(rep.accept(&a, next));
    message reply2{"r2"};
    CHECK(rep.wrap(reply2) == &a);
    CHECK(describe(reply2) == "['idA', '', 'r2']");
}

TEST_CASE("rep_state: successive exchanges do not leak envelopes into each other")
{
    peer a{0}, b{1};
    rep_state<peer> rep;
    message r1{"a1", "a2", "a3", "", "q1"};
    REQUIRE(rep.accept(&a, r1));
    message p1{"x"};
    CHECK(rep.wrap(p1) == &a);
    CHECK(describe(p1) == "['a1', 'a2', 'a3', '', 'x']");

    message r2{"", "q2"};
    REQUIRE(rep.accept(&b, r2));
    message p2{"y"};
    CHECK(rep.wrap(p2) == &b);
    CHECK(describe(p2) == "['', 'y']");

    message r3{"b1", "", "q3"};
    REQUIRE(rep.accept(&a, r3));
    message p3{"z"};
    CHECK(rep.wrap(p3) == &a);
    CHECK(describe(p3) == "['b1', '', 'z']");
}

TEST_CASE("rep_state: forget(requester) drops the reply but resets the state")
{
    peer a{0}, b{1};
    rep_state<peer> rep;
    message request{"id", "", "q"};
    REQUIRE(rep.accept(&a, request));

    rep.forget(&b); // someone else: no effect
    rep.forget(&a);
    CHECK_FALSE(rep.can_send()); // the application still owes a reply
    message reply{"r"};
    CHECK(rep.wrap(reply) == nullptr);
    CHECK_FALSE(rep.can_receive());
    CHECK(rep.can_send() == zmtp::errc::invalid_state);

    // The next request from another peer is served normally.
    message next{"idB", "", "q2"};
    REQUIRE(rep.accept(&b, next));
    message reply2{"r2"};
    CHECK(rep.wrap(reply2) == &b);
    CHECK(describe(reply2) == "['idB', '', 'r2']");
}

TEST_CASE("rep_state: forget of another peer keeps the requester")
{
    peer a{0}, b{1};
    rep_state<peer> rep;
    message request{"", "q"};
    REQUIRE(rep.accept(&a, request));
    rep.forget(&b);
    rep.forget(nullptr);
    message reply{"r"};
    CHECK(rep.wrap(reply) == &a);
}

TEST_CASE("req_state: configure applies at once, a request out keeps the envelope it went with")
{
    peer a{0};
    req_state<peer> req(false, false, 7);
    message plain{"one"};
    req.wrap(plain);
    req.sent(&a);
    CHECK(req.can_send() == zmtp::errc::invalid_state);
    req.configure(true, true); // correlate and relaxed from now on
    CHECK_FALSE(req.can_send()); // relaxed: a new request may go
    message reply{"", "for one"}; // the reply to the uncorrelated request still matches
    REQUIRE(req.accept(&a, reply));
    CHECK(describe(reply) == "['for one']");

    message correlated{"two"};
    req.wrap(correlated);
    req.sent(&a);
    REQUIRE(correlated.size() == 3);
    CHECK(correlated[0].size() == 4); // the request id goes first now
    message uncorrelated_reply{"", "x"};
    CHECK_FALSE(req.accept(&a, uncorrelated_reply));

    req.returned(); // a taken reply given back: due again
    CHECK_FALSE(req.can_receive());
    req.retaken();
    CHECK(req.can_receive() == zmtp::errc::invalid_state);
}
