// Unit tests for the socket patterns of PUB, XPUB, SUB, XSUB, PUSH, PULL and PAIR (RFC 29,
// 30, 31) and for make_pattern, over fake peers: no Asio, no sockets. The fake peer_queues
// records every push, deliver, discard and disconnect the pattern makes.
#include "pattern/socket_pattern.hpp"

#include <doctest/doctest.h>

#include "pattern/make_pattern.hpp"
#include "zmtp/error.hpp"
#include "zmtp/frame.hpp"
#include "zmtp/message.hpp"
#include "zmtp/options.hpp"
#include "zmtp/socket_type.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

using zmtp::errc;
using zmtp::message;
using zmtp::socket_options;
using zmtp::socket_type;
using zmtp::pattern::make_pattern;
using zmtp::pattern::socket_pattern;

namespace {

using strings = std::vector<std::string>;

struct fake_peer {
    explicit fake_peer(std::string peer_name) : name(std::move(peer_name)) {}

    std::string routing_id;
    zmtp::frame routing_frame;
    bool routing_id_assigned = false;
    std::string name;  ///< how the records name it
    bool room = true;  ///< what has_room() answers
    std::size_t free = 3; ///< what room() answers while `room`
};

/// `m` as text: its frames joined by '|', bytes outside printable ASCII as \xNN.
std::string joined_frames(const message& m)
{
    std::string out;
    for (std::size_t i = 0; i < m.size(); ++i) {
        if (i != 0)
            out += '|';
        for (const char c : m[i].view()) {
            if (c >= 0x20 && c <= 0x7e && c != '\\') {
                out += c;
            } else {
                char hex[5];
                std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
                out += hex;
            }
        }
    }
    return out;
}

/// Records what a pattern does to its peers' queues, each as "<peer>: <message>".
class fake_queues final : public zmtp::pattern::peer_queues<fake_peer> {
public:
    bool has_room(const fake_peer& p) const noexcept override { return p.room; }
    std::size_t room(const fake_peer& p) const noexcept override { return p.room ? p.free : 0; }
    void push(fake_peer& p, message&& msg) override { pushed.push_back(p.name + ": " + joined_frames(msg)); }
    void deliver(fake_peer& p, message&& msg) override { delivered.push_back(p.name + ": " + joined_frames(msg)); }
    void discard_output(fake_peer& p) noexcept override { discarded.push_back(p.name); }
    void disconnect(fake_peer& p, std::error_code reason) override
    {
        disconnected.push_back(p.name + ": " + reason.message());
    }
    void close_after_flush(fake_peer& p) override { closed_after_flush.push_back(p.name); }
    void discard_given_back() noexcept override { ++given_back_discards; }

    /// Pushes recorded since the last call, sorted (patterns may serve peers in any order).
    strings take_pushed()
    {
        strings out = std::exchange(pushed, {});
        std::sort(out.begin(), out.end());
        return out;
    }
    strings take_delivered() { return std::exchange(delivered, {}); }

    strings pushed;
    strings delivered;
    strings discarded;
    strings disconnected;
    strings closed_after_flush;
    int given_back_discards = 0;
};

std::string limit_reason(std::string_view peer)
{
    return std::string(peer) + ": " + make_error_code(errc::subscription_limit).message();
}

/// A subscription (0x01 + topic) or a cancel (0x00 + topic) in message form.
std::string on(std::string_view topic)
{
    return "\x01" + std::string(topic);
}
std::string off(std::string_view topic)
{
    return std::string(1, '\0') + std::string(topic);
}

std::span<const std::byte> topic_bytes(std::string_view topic)
{
    return std::as_bytes(std::span(topic.data(), topic.size()));
}

/// A message of the given frames (any bytes, 0x00 included).
message make_message(std::initializer_list<std::string> frames)
{
    message m;
    for (const std::string& f : frames)
        m.push_back(std::string_view(f));
    return m;
}

/// A socket of `type` over `queues` and its peers a, b, c (made but not added).
struct fixture {
    explicit fixture(socket_type type, socket_options options = {})
        : pattern(make_pattern<fake_peer>(type, queues, options, 1))
    {
        REQUIRE(pattern);
    }

    /// Sends a one-frame message; the error.
    std::error_code send(std::string_view text)
    {
        message m{text};
        return pattern->send(m);
    }
    void subscribe(fake_peer& p, std::string_view topic) { pattern->subscription(p, true, topic_bytes(topic)); }
    void cancel(fake_peer& p, std::string_view topic) { pattern->subscription(p, false, topic_bytes(topic)); }
    /// Adds and attaches `p` (a connected peer).
    void connect(fake_peer& p)
    {
        pattern->add(p);
        REQUIRE_FALSE(pattern->attach(p));
    }
    /// Whether a message of `frames` from `p` is queued for the application (arrived()).
    bool arrives(fake_peer& p, std::initializer_list<std::string> frames)
    {
        message m = make_message(frames);
        return pattern->arrived(p, m);
    }

    fake_queues queues;
    std::unique_ptr<socket_pattern<fake_peer>> pattern;
    fake_peer a{"a"};
    fake_peer b{"b"};
    fake_peer c{"c"};
};

/// The default options, changed by `change`.
socket_options with(void (*change)(socket_options&))
{
    socket_options o;
    change(o);
    return o;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// PUB
// ---------------------------------------------------------------------------------------------

TEST_CASE("PUB: a message goes, whole, to the peers subscribed to a prefix of its first frame")
{
    fixture f(socket_type::pub);
    f.connect(f.a);
    f.connect(f.b);
    f.connect(f.c);
    f.subscribe(f.a, "weather.");
    f.subscribe(f.b, "sports.");
    f.subscribe(f.c, ""); // everything

    message m = make_message({"weather.paris 12", "second frame"});
    CHECK_FALSE(f.pattern->send(m));
    CHECK(f.queues.take_pushed() == strings{"a: weather.paris 12|second frame", "c: weather.paris 12|second frame"});
    CHECK_FALSE(f.send("sports.rome 1-0"));
    CHECK(f.queues.take_pushed() == strings{"b: sports.rome 1-0", "c: sports.rome 1-0"});
    CHECK_FALSE(f.send("weather")); // shorter than the topic
    CHECK_FALSE(f.send("Weather.paris")); // binary, case-sensitive
    CHECK(f.queues.take_pushed() == strings{"c: Weather.paris", "c: weather"});
    // The first frame only: a later frame starting with a topic does not match.
    message second = make_message({"news", "weather.x"});
    CHECK_FALSE(f.pattern->send(second));
    CHECK(f.queues.take_pushed() == strings{"c: news|weather.x"});
    CHECK(f.queues.delivered.empty()); // a PUB passes nothing up
    CHECK(f.queues.disconnected.empty());
}

TEST_CASE("PUB: a peer's subscriptions are a set: two subscribes and one cancel leave it unsubscribed")
{
    fixture f(socket_type::pub);
    f.connect(f.a);
    f.subscribe(f.a, "A");
    f.subscribe(f.a, "A");
    CHECK_FALSE(f.send("A1"));
    CHECK(f.queues.take_pushed() == strings{"a: A1"});
    f.cancel(f.a, "A");
    CHECK_FALSE(f.send("A2"));
    CHECK(f.queues.take_pushed().empty());
    f.cancel(f.a, "A"); // no longer subscribed: nothing changes
    f.cancel(f.a, "never");
    CHECK_FALSE(f.send("A3"));
    CHECK(f.queues.take_pushed().empty());
}

TEST_CASE("PUB: a peer matching several of its topics gets the message once")
{
    fixture f(socket_type::pub);
    f.connect(f.a);
    f.connect(f.b);
    f.subscribe(f.a, "a");
    f.subscribe(f.a, "ab");
    f.subscribe(f.a, "");
    f.subscribe(f.b, "abc");
    CHECK_FALSE(f.send("abcd"));
    CHECK(f.queues.take_pushed() == strings{"a: abcd", "b: abcd"});
    CHECK_FALSE(f.send("ab"));
    CHECK(f.queues.take_pushed() == strings{"a: ab"});
}

TEST_CASE("PUB: a full peer's copy is dropped, the others still get theirs, and the send succeeds")
{
    fixture f(socket_type::pub);
    f.connect(f.a);
    f.connect(f.b);
    f.connect(f.c);
    f.subscribe(f.a, "t");
    f.subscribe(f.b, "t");
    f.subscribe(f.c, "t");
    f.b.room = false;
    CHECK(f.pattern->may_send()); // a PUB never waits
    CHECK_FALSE(f.send("t1"));
    CHECK(f.queues.take_pushed() == strings{"a: t1", "c: t1"});
    f.a.room = f.c.room = false;
    CHECK(f.pattern->may_send());
    CHECK_FALSE(f.send("t2")); // dropped for all: still sent
    CHECK(f.queues.take_pushed().empty());
    f.b.room = true;
    CHECK_FALSE(f.send("t3"));
    CHECK(f.queues.take_pushed() == strings{"b: t3"});
}

TEST_CASE("PUB: with invert_matching a message goes to the peers with no matching topic")
{
    fixture f(socket_type::pub, with([](socket_options& o) { o.invert_matching = true; }));
    f.connect(f.a);
    f.connect(f.b);
    f.connect(f.c);
    f.subscribe(f.a, "A");
    f.subscribe(f.b, "B");
    f.subscribe(f.b, "AB");
    // c has no subscription: it matches nothing, so it gets everything.
    CHECK_FALSE(f.send("A1"));
    CHECK(f.queues.take_pushed() == strings{"b: A1", "c: A1"});
    CHECK_FALSE(f.send("AB1"));
    CHECK(f.queues.take_pushed() == strings{"c: AB1"});
    CHECK_FALSE(f.send("C1"));
    CHECK(f.queues.take_pushed() == strings{"a: C1", "b: C1", "c: C1"});
    f.c.room = false; // still dropped for full peers
    CHECK_FALSE(f.send("C2"));
    CHECK(f.queues.take_pushed() == strings{"a: C2", "b: C2"});

    // configure() applies it to a pattern already made.
    f.pattern->configure(socket_options{});
    CHECK_FALSE(f.send("A2"));
    CHECK(f.queues.take_pushed() == strings{"a: A2"});
}

TEST_CASE("PUB: a topic over max_subscription_size disconnects the peer (subscription_limit)")
{
    fixture f(socket_type::pub, with([](socket_options& o) { o.max_subscription_size = 4; }));
    f.connect(f.a);
    f.connect(f.b);
    f.subscribe(f.a, "1234"); // at the limit
    CHECK(f.queues.disconnected.empty());
    f.subscribe(f.b, "12345");
    CHECK(f.queues.disconnected == strings{limit_reason("b")});
    CHECK_FALSE(f.send("12345"));
    CHECK(f.queues.take_pushed() == strings{"a: 12345"}); // b's topic was not taken
    f.cancel(f.a, "12345678"); // a cancel over the limit, too
    CHECK(f.queues.disconnected == strings{limit_reason("b"), limit_reason("a")});
}

TEST_CASE("PUB: one topic more than max_subscriptions disconnects the peer, its detach removes them all")
{
    fixture f(socket_type::pub, with([](socket_options& o) { o.max_subscriptions = 2; }));
    f.connect(f.a);
    f.connect(f.b);
    f.subscribe(f.a, "A");
    f.subscribe(f.a, "B");
    f.subscribe(f.a, "A"); // already held: not one more
    f.cancel(f.a, "B");
    f.subscribe(f.a, "C"); // two again
    CHECK(f.queues.disconnected.empty());
    f.subscribe(f.b, "A"); // limits are per peer
    f.subscribe(f.b, "B");
    CHECK(f.queues.disconnected.empty());
    f.subscribe(f.a, "D");
    CHECK(f.queues.disconnected == strings{limit_reason("a")});

    // The core then ends the connection: detach.
    f.pattern->detach(f.a);
    for (const char* text : {"A", "C", "D"})
        CHECK_FALSE(f.send(text));
    CHECK(f.queues.take_pushed() == strings{"b: A"});
    CHECK(f.queues.delivered.empty()); // a PUB reports no cancels
}

TEST_CASE("PUB: receives nothing and takes no subscribe() of its own")
{
    fixture f(socket_type::pub);
    f.connect(f.a);
    CHECK(f.pattern->can_receive() == errc::not_supported);
    CHECK_FALSE(f.arrives(f.a, {"anything"}));
    CHECK(f.pattern->subscribe(true, topic_bytes("A")) == errc::not_supported);
    CHECK(f.pattern->may_conflate().outgoing);
    CHECK_FALSE(f.pattern->may_conflate().incoming);
}

TEST_CASE("PUB: a peer detached gets nothing more")
{
    fixture f(socket_type::pub);
    f.connect(f.a);
    f.connect(f.b);
    f.subscribe(f.a, "");
    f.subscribe(f.b, "");
    f.pattern->detach(f.a);
    CHECK_FALSE(f.send("x"));
    CHECK(f.queues.take_pushed() == strings{"b: x"});
}

// ---------------------------------------------------------------------------------------------
// XPUB
// ---------------------------------------------------------------------------------------------

TEST_CASE("XPUB: the first subscribe and the last cancel of a topic reach the application as messages")
{
    fixture f(socket_type::xpub);
    f.connect(f.a);
    f.connect(f.b);
    f.subscribe(f.a, "A");
    CHECK(f.queues.take_delivered() == strings{"a: \\x01A"});
    f.subscribe(f.b, "A");
    f.subscribe(f.a, "A");
    CHECK(f.queues.take_delivered().empty());
    f.cancel(f.a, "A");
    CHECK(f.queues.take_delivered().empty()); // b still has it
    f.cancel(f.b, "A");
    CHECK(f.queues.take_delivered() == strings{"b: \\x00A"});
    f.subscribe(f.a, ""); // the empty topic too
    CHECK(f.queues.take_delivered() == strings{"a: \\x01"});
    CHECK(f.queues.pushed.empty());

    // It receives its peers' other messages and filters sends as a PUB does.
    CHECK_FALSE(f.pattern->can_receive());
    CHECK(f.arrives(f.b, {"hello", "there"}));
    CHECK_FALSE(f.send("data"));
    CHECK(f.queues.take_pushed() == strings{"a: data"});
}

TEST_CASE("XPUB: xpub_verbose passes every subscribe, xpub_verboser every cancel too")
{
    SUBCASE("verbose")
    {
        fixture f(socket_type::xpub, with([](socket_options& o) { o.xpub_verbose = true; }));
        f.connect(f.a);
        f.connect(f.b);
        f.subscribe(f.a, "A");
        f.subscribe(f.b, "A");
        f.subscribe(f.a, "A"); // a duplicate, too
        CHECK(f.queues.take_delivered() == strings{"a: \\x01A", "b: \\x01A", "a: \\x01A"});
        f.cancel(f.a, "A");
        CHECK(f.queues.take_delivered().empty());
        f.cancel(f.b, "A");
        CHECK(f.queues.take_delivered() == strings{"b: \\x00A"});
    }
    SUBCASE("verboser")
    {
        fixture f(socket_type::xpub, with([](socket_options& o) { o.xpub_verboser = true; }));
        f.connect(f.a);
        f.connect(f.b);
        f.subscribe(f.a, "A");
        f.subscribe(f.b, "A");
        CHECK(f.queues.take_delivered() == strings{"a: \\x01A", "b: \\x01A"});
        f.cancel(f.a, "A");
        f.cancel(f.a, "A"); // no longer held: passed on all the same
        f.cancel(f.b, "A");
        CHECK(f.queues.take_delivered() == strings{"a: \\x00A", "a: \\x00A", "b: \\x00A"});
    }
}

TEST_CASE("XPUB: a cancel of a topic nobody has is passed up")
{
    fixture f(socket_type::xpub);
    f.connect(f.a);
    f.connect(f.b);
    f.cancel(f.a, "Z");
    CHECK(f.queues.take_delivered() == strings{"a: \\x00Z"});
    // A cancel of a topic another peer holds is not.
    f.subscribe(f.b, "B");
    CHECK(f.queues.take_delivered() == strings{"b: \\x01B"});
    f.cancel(f.a, "B");
    CHECK(f.queues.take_delivered().empty());
    CHECK_FALSE(f.send("B1"));
    CHECK(f.queues.take_pushed() == strings{"b: B1"});
}

TEST_CASE("XPUB: a detached peer's topics left without subscribers are reported as cancels")
{
    fixture f(socket_type::xpub);
    f.connect(f.a);
    f.connect(f.b);
    f.subscribe(f.a, "A");
    f.subscribe(f.a, "B");
    f.subscribe(f.a, "");
    f.subscribe(f.b, "B");
    CHECK(f.queues.take_delivered() == strings{"a: \\x01A", "a: \\x01B", "a: \\x01"});
    f.pattern->detach(f.a);
    strings cancels = f.queues.take_delivered();
    std::sort(cancels.begin(), cancels.end());
    CHECK(cancels == strings{"a: \\x00", "a: \\x00A"}); // B: b still has it
    f.pattern->detach(f.b);
    CHECK(f.queues.take_delivered() == strings{"b: \\x00B"});
    CHECK_FALSE(f.send("B1"));
    CHECK(f.queues.take_pushed().empty());
}

TEST_CASE("XPUB: with xpub_manual the application applies subscriptions for the last subscriber")
{
    SUBCASE("not manual: subscribe() is not supported")
    {
        fixture f(socket_type::xpub);
        CHECK(f.pattern->subscribe(true, topic_bytes("A")) == errc::not_supported);
    }
    SUBCASE("manual")
    {
        fixture f(socket_type::xpub, with([](socket_options& o) { o.xpub_manual = true; }));
        f.connect(f.a);
        f.connect(f.b);
        CHECK_FALSE(f.pattern->subscribe(true, topic_bytes("A"))); // nobody subscribed yet: nothing
        CHECK_FALSE(f.send("A0"));
        CHECK(f.queues.take_pushed().empty());

        f.subscribe(f.a, "A");
        f.subscribe(f.a, "A"); // every one passed up, none applied
        CHECK(f.queues.take_delivered() == strings{"a: \\x01A", "a: \\x01A"});
        CHECK_FALSE(f.send("A1"));
        CHECK(f.queues.take_pushed().empty());

        CHECK_FALSE(f.pattern->subscribe(true, topic_bytes("A")));
        CHECK_FALSE(f.send("A2"));
        CHECK(f.queues.take_pushed() == strings{"a: A2"});

        f.cancel(f.b, "X"); // b is now the last subscriber, even by a cancel
        CHECK(f.queues.take_delivered() == strings{"b: \\x00X"});
        CHECK_FALSE(f.pattern->subscribe(true, topic_bytes("A")));
        CHECK_FALSE(f.send("A3"));
        CHECK(f.queues.take_pushed() == strings{"a: A3", "b: A3"});
        CHECK_FALSE(f.pattern->subscribe(false, topic_bytes("A"))); // for b
        CHECK_FALSE(f.send("A4"));
        CHECK(f.queues.take_pushed() == strings{"a: A4"});

        f.pattern->detach(f.b); // the last subscriber gone: subscribe() does nothing
        CHECK_FALSE(f.pattern->subscribe(true, topic_bytes("B")));
        CHECK_FALSE(f.send("B1"));
        CHECK(f.queues.take_pushed().empty());
    }
}

TEST_CASE("XPUB: the welcome message is pushed to each peer as it attaches")
{
    fixture f(socket_type::xpub, with([](socket_options& o) { o.xpub_welcome_message = "welcome"; }));
    f.connect(f.a);
    CHECK(f.queues.take_pushed() == strings{"a: welcome"});
    f.connect(f.b);
    CHECK(f.queues.take_pushed() == strings{"b: welcome"});
    f.pattern->detach(f.a);
    REQUIRE_FALSE(f.pattern->attach(f.a)); // reconnected: welcomed again
    CHECK(f.queues.take_pushed() == strings{"a: welcome"});

    // A PUB has no welcome message.
    fixture pub(socket_type::pub, with([](socket_options& o) { o.xpub_welcome_message = "welcome"; }));
    pub.connect(pub.a);
    CHECK(pub.queues.take_pushed().empty());
}

TEST_CASE("XPUB: with xpub_nodrop a full matching peer makes the send wait instead of dropping")
{
    fixture f(socket_type::xpub, with([](socket_options& o) { o.xpub_nodrop = true; }));
    f.connect(f.a);
    f.connect(f.b);
    f.connect(f.c);
    f.subscribe(f.a, "t");
    f.subscribe(f.b, "t");
    f.subscribe(f.c, "other");
    CHECK(f.pattern->may_send());
    f.b.room = false;
    CHECK(f.pattern->may_send()); // a message for c alone could go
    message m{"t1"};
    CHECK(f.pattern->send(m) == errc::would_block);
    CHECK(joined_frames(m) == "t1"); // untouched, to be sent again
    CHECK(f.queues.take_pushed().empty()); // not even to a
    f.a.room = false;
    f.c.room = false;
    CHECK_FALSE(f.pattern->may_send()); // nobody has room: a send would wait whatever it is
    f.a.room = true;
    f.b.room = true;
    f.c.room = true;
    CHECK(f.pattern->may_send());
    CHECK_FALSE(f.pattern->send(m));
    CHECK(f.queues.take_pushed() == strings{"a: t1", "b: t1"});

    // A full peer the message does not go to does not stop it.
    f.c.room = false;
    CHECK_FALSE(f.send("t2"));
    CHECK(f.queues.take_pushed() == strings{"a: t2", "b: t2"});

    // Without xpub_nodrop the full peer's copy is dropped.
    f.pattern->configure(socket_options{});
    f.a.room = false;
    CHECK(f.pattern->may_send());
    CHECK_FALSE(f.send("t3"));
    CHECK(f.queues.take_pushed() == strings{"b: t3"});
}

// ---------------------------------------------------------------------------------------------
// SUB
// ---------------------------------------------------------------------------------------------

TEST_CASE("SUB: subscriptions are counted: peers hear the first subscribe and the last cancel")
{
    fixture f(socket_type::sub);
    f.connect(f.a);
    CHECK(f.queues.take_pushed().empty()); // no subscription yet
    CHECK_FALSE(f.pattern->subscribe(true, topic_bytes("A")));
    CHECK(f.queues.take_pushed() == strings{"a: \\x01A"});
    CHECK_FALSE(f.pattern->subscribe(true, topic_bytes("A")));
    CHECK_FALSE(f.pattern->subscribe(false, topic_bytes("A")));
    CHECK(f.queues.take_pushed().empty());
    CHECK_FALSE(f.pattern->subscribe(false, topic_bytes("A")));
    CHECK(f.queues.take_pushed() == strings{"a: \\x00A"});
    CHECK_FALSE(f.pattern->subscribe(false, topic_bytes("A"))); // one too many: ignored
    CHECK_FALSE(f.pattern->subscribe(false, topic_bytes("never")));
    CHECK(f.queues.take_pushed().empty());
    CHECK(f.queues.delivered.empty());
}

TEST_CASE("SUB: subscriptions go to attached peers only, a peer gets them all when it attaches")
{
    fixture f(socket_type::sub);
    f.connect(f.a);
    f.pattern->add(f.b); // a connect() endpoint not connected yet
    f.b.room = false;    // subscriptions are never dropped at the high-water mark
    CHECK_FALSE(f.pattern->subscribe(true, topic_bytes("B")));
    CHECK_FALSE(f.pattern->subscribe(true, topic_bytes("A")));
    CHECK_FALSE(f.pattern->subscribe(true, topic_bytes("A")));
    CHECK_FALSE(f.pattern->subscribe(true, topic_bytes("")));
    CHECK(f.queues.take_pushed() == strings{"a: \\x01", "a: \\x01A", "a: \\x01B"});
    REQUIRE_FALSE(f.pattern->attach(f.b));
    CHECK(f.queues.pushed == strings{"b: \\x01", "b: \\x01A", "b: \\x01B"}); // once each, in topic order
    f.queues.pushed.clear();

    // A lost connection's queue is discarded: its next connection gets every subscription afresh.
    f.pattern->detach(f.a);
    CHECK(f.queues.discarded == strings{"a"});
    CHECK_FALSE(f.pattern->subscribe(false, topic_bytes("B")));
    CHECK(f.queues.take_pushed() == strings{"b: \\x00B"});
    REQUIRE_FALSE(f.pattern->attach(f.a));
    CHECK(f.queues.pushed == strings{"a: \\x01", "a: \\x01A"});
}

TEST_CASE("SUB: received messages are filtered by prefix of their first frame")
{
    fixture f(socket_type::sub);
    f.connect(f.a);
    CHECK_FALSE(f.arrives(f.a, {"A1"})); // no subscription: nothing
    REQUIRE_FALSE(f.pattern->subscribe(true, topic_bytes("A")));
    CHECK(f.arrives(f.a, {"A1"}));
    CHECK(f.arrives(f.a, {"A", "x"}));
    CHECK_FALSE(f.arrives(f.a, {"B1"}));
    CHECK_FALSE(f.arrives(f.a, {"B", "A"})); // the first frame only
    CHECK_FALSE(f.arrives(f.a, {"a1"}));
    REQUIRE_FALSE(f.pattern->subscribe(true, topic_bytes("A")));
    REQUIRE_FALSE(f.pattern->subscribe(false, topic_bytes("A")));
    CHECK(f.arrives(f.a, {"A2"})); // still once subscribed
    REQUIRE_FALSE(f.pattern->subscribe(false, topic_bytes("A")));
    CHECK_FALSE(f.arrives(f.a, {"A3"}));
    REQUIRE_FALSE(f.pattern->subscribe(true, topic_bytes("")));
    CHECK(f.arrives(f.a, {"anything"}));
    CHECK(f.arrives(f.a, {""}));
}

TEST_CASE("SUB: with invert_matching it receives the messages matching none of its subscriptions")
{
    fixture f(socket_type::sub, with([](socket_options& o) { o.invert_matching = true; }));
    f.connect(f.a);
    CHECK(f.arrives(f.a, {"A1"})); // no subscription matches
    REQUIRE_FALSE(f.pattern->subscribe(true, topic_bytes("A")));
    REQUIRE_FALSE(f.pattern->subscribe(true, topic_bytes("BC")));
    CHECK_FALSE(f.arrives(f.a, {"A1"}));
    CHECK_FALSE(f.arrives(f.a, {"BCD"}));
    CHECK(f.arrives(f.a, {"B1"}));
    CHECK(f.arrives(f.a, {"C", "A"}));
    CHECK(f.queues.take_pushed() == strings{"a: \\x01A", "a: \\x01BC"}); // sent as usual
}

TEST_CASE("SUB: sends nothing")
{
    fixture f(socket_type::sub);
    f.connect(f.a);
    CHECK(f.send("hello") == errc::not_supported);
    message subscription{on("A")};
    CHECK(f.pattern->send(subscription) == errc::not_supported); // not even in message form
    CHECK_FALSE(f.pattern->may_send());
    CHECK(f.queues.pushed.empty());
    CHECK_FALSE(f.pattern->can_receive());
}

// ---------------------------------------------------------------------------------------------
// XSUB
// ---------------------------------------------------------------------------------------------

TEST_CASE("XSUB: 0x01/0x00 messages sent become counted subscriptions")
{
    fixture f(socket_type::xsub);
    f.connect(f.a);
    CHECK(f.pattern->may_send());
    CHECK_FALSE(f.send(on("A")));
    CHECK_FALSE(f.send(on("A")));
    CHECK(f.queues.take_pushed() == strings{"a: \\x01A"});
    CHECK(f.arrives(f.a, {"A1"})); // filtered like a SUB
    CHECK_FALSE(f.arrives(f.a, {"B1"}));
    CHECK_FALSE(f.send(off("A")));
    CHECK(f.queues.take_pushed().empty());
    CHECK_FALSE(f.send(off("A")));
    CHECK(f.queues.take_pushed() == strings{"a: \\x00A"});
    CHECK_FALSE(f.arrives(f.a, {"A1"}));
    CHECK_FALSE(f.send(on("")));
    CHECK(f.queues.take_pushed() == strings{"a: \\x01"});

    // A peer attaching later gets the subscriptions.
    f.connect(f.b);
    CHECK(f.queues.take_pushed() == strings{"b: \\x01"});
}

TEST_CASE("XSUB: other messages go to every pipe with room, connected or not")
{
    fixture f(socket_type::xsub);
    f.connect(f.a);
    f.pattern->add(f.b); // not connected yet
    f.pattern->add(f.c);
    f.c.room = false;
    CHECK_FALSE(f.send("hello"));
    CHECK(f.queues.take_pushed() == strings{"a: hello", "b: hello"});
    // Not subscriptions: two frames, an empty first frame, another first byte.
    message two = make_message({on("A"), "x"});
    CHECK_FALSE(f.pattern->send(two));
    message empty = make_message({""});
    CHECK_FALSE(f.pattern->send(empty));
    CHECK_FALSE(f.send("\x02" "A"));
    CHECK(f.queues.take_pushed() ==
          strings{"a: ", "a: \\x01A|x", "a: \\x02A", "b: ", "b: \\x01A|x", "b: \\x02A"});
    f.pattern->remove(f.b);
    f.c.room = true;
    CHECK_FALSE(f.send("bye"));
    CHECK(f.queues.take_pushed() == strings{"a: bye", "c: bye"});
    f.a.room = f.c.room = false;
    CHECK_FALSE(f.send("dropped")); // dropped for full pipes, never waits
    CHECK(f.queues.take_pushed().empty());
}

// ---------------------------------------------------------------------------------------------
// PUSH, PULL
// ---------------------------------------------------------------------------------------------

TEST_CASE("PUSH: round-robin over the peers with room, would_block when none has room")
{
    fixture f(socket_type::push, with([](socket_options& o) { o.probe_router = true; }));
    f.connect(f.a);
    f.connect(f.b);
    f.pattern->add(f.c); // a connect() endpoint's pipe takes messages before it connects
    CHECK(f.queues.pushed.empty()); // no probe: a PUSH ignores probe_router
    for (const char* text : {"1", "2", "3", "4"})
        CHECK_FALSE(f.send(text));
    CHECK(f.queues.pushed == strings{"a: 1", "b: 2", "c: 3", "a: 4"});
    f.queues.pushed.clear();

    f.c.room = false;
    for (const char* text : {"5", "6", "7"})
        CHECK_FALSE(f.send(text));
    CHECK(f.queues.pushed == strings{"b: 5", "a: 6", "b: 7"});
    f.queues.pushed.clear();

    f.a.room = f.b.room = false;
    CHECK_FALSE(f.pattern->may_send());
    message m{"8"};
    CHECK(f.pattern->send(m) == errc::would_block);
    CHECK(joined_frames(m) == "8");
    CHECK(f.queues.pushed.empty()); // never dropped
    f.b.room = true;
    CHECK(f.pattern->may_send());
    CHECK_FALSE(f.pattern->send(m));
    CHECK(f.queues.pushed == strings{"b: 8"});
    f.queues.pushed.clear();

    f.pattern->remove(f.b);
    CHECK_FALSE(f.pattern->may_send());
    CHECK(f.send("9") == errc::would_block);
}

TEST_CASE("PUSH: receives nothing, PULL receives everything and sends nothing")
{
    fixture push(socket_type::push);
    push.connect(push.a);
    CHECK(push.pattern->can_receive() == errc::not_supported);
    CHECK_FALSE(push.arrives(push.a, {"x"}));
    CHECK(push.pattern->subscribe(true, topic_bytes("")) == errc::not_supported);

    fixture pull(socket_type::pull);
    pull.connect(pull.a);
    pull.connect(pull.b);
    CHECK_FALSE(pull.pattern->can_receive());
    CHECK(pull.arrives(pull.a, {"x"}));
    CHECK(pull.arrives(pull.b, {"", "y"}));
    CHECK(pull.send("x") == errc::not_supported);
    CHECK_FALSE(pull.pattern->may_send());
    CHECK(pull.queues.pushed.empty());
    CHECK(pull.pattern->subscribe(true, topic_bytes("")) == errc::not_supported);
}

// ---------------------------------------------------------------------------------------------
// PAIR
// ---------------------------------------------------------------------------------------------

TEST_CASE("PAIR: one peer at a time: a second is refused while the first is attached")
{
    fixture f(socket_type::pair);
    f.pattern->add(f.a);
    f.pattern->add(f.b);
    REQUIRE_FALSE(f.pattern->attach(f.a));
    CHECK(f.pattern->attach(f.b) == errc::peer_already_connected);
    CHECK(f.pattern->attach(f.b) == errc::peer_already_connected);
    CHECK_FALSE(f.send("1"));
    CHECK(f.queues.pushed == strings{"a: 1"});
    f.pattern->detach(f.a);
    CHECK_FALSE(f.pattern->attach(f.b)); // a gone: b is taken
    CHECK(f.pattern->attach(f.a) == errc::peer_already_connected);
    CHECK_FALSE(f.send("2"));
    CHECK(f.queues.pushed == strings{"a: 1", "b: 2"});
}

TEST_CASE("PAIR: sends go to the connected peer, else to the first pipe, they wait when it is full")
{
    fixture f(socket_type::pair);
    CHECK_FALSE(f.pattern->may_send()); // no pipe at all
    CHECK(f.send("0") == errc::would_block);

    f.pattern->add(f.a); // connect() endpoints, not connected yet
    f.pattern->add(f.b);
    CHECK(f.pattern->may_send());
    CHECK_FALSE(f.send("1"));
    CHECK(f.queues.take_pushed() == strings{"a: 1"});
    REQUIRE_FALSE(f.pattern->attach(f.b)); // b connected first
    CHECK_FALSE(f.send("2"));
    CHECK(f.queues.take_pushed() == strings{"b: 2"});

    f.b.room = false;
    CHECK_FALSE(f.pattern->may_send()); // a has room, but b is the peer
    message m{"3"};
    CHECK(f.pattern->send(m) == errc::would_block);
    CHECK(joined_frames(m) == "3");
    CHECK(f.queues.take_pushed().empty());
    f.b.room = true;
    CHECK_FALSE(f.pattern->send(m));
    CHECK(f.queues.take_pushed() == strings{"b: 3"});

    f.pattern->remove(f.b); // removed while attached: the first pipe again
    CHECK_FALSE(f.send("4"));
    CHECK(f.queues.take_pushed() == strings{"a: 4"});
    f.a.room = false;
    CHECK(f.send("5") == errc::would_block);
    CHECK_FALSE(f.pattern->can_receive());
    CHECK(f.arrives(f.a, {"x"}));
}

// ---------------------------------------------------------------------------------------------
// make_pattern, conflation
// ---------------------------------------------------------------------------------------------

TEST_CASE("make_pattern: a pattern for every socket type")
{
    fake_queues queues;
    for (const socket_type type : {socket_type::pair, socket_type::pub, socket_type::sub, socket_type::req,
                                   socket_type::rep, socket_type::dealer, socket_type::router, socket_type::pull,
                                   socket_type::push, socket_type::xpub, socket_type::xsub, socket_type::stream}) {
        CAPTURE(zmtp::to_string(type));
        CHECK(make_pattern<fake_peer>(type, queues, socket_options{}, 7) != nullptr);
    }
}

TEST_CASE("send_room: what the types that route by neither content nor order would take now")
{
    fixture push(socket_type::push);
    CHECK(push.pattern->send_room(SIZE_MAX) == 0); // no peer
    push.connect(push.a);
    push.connect(push.b);
    push.a.free = 2;
    push.b.free = 5;
    CHECK(push.pattern->send_room(SIZE_MAX) == 7); // each message goes to some peer with room
    push.a.room = false;
    CHECK(push.pattern->send_room(SIZE_MAX) == 5);
    push.b.free = SIZE_MAX; // no limit stays no limit
    push.a.room = true;
    CHECK(push.pattern->send_room(SIZE_MAX) == SIZE_MAX);
    CHECK(push.pattern->send_room(512) == 512); // counted up to what the caller can use
    push.pattern->remove(push.b);
    CHECK(push.pattern->send_room(SIZE_MAX) == 2);
    CHECK(push.pattern->send_room(1) == 1);

    fixture dealer(socket_type::dealer);
    dealer.connect(dealer.a);
    dealer.a.free = 4;
    CHECK(dealer.pattern->send_room(SIZE_MAX) == 4);

    fixture pair(socket_type::pair);
    pair.pattern->add(pair.a);
    pair.pattern->add(pair.b);
    pair.a.free = 6;
    pair.b.free = 1;
    CHECK(pair.pattern->send_room(SIZE_MAX) == 6); // the first pipe, until one connects
    REQUIRE_FALSE(pair.pattern->attach(pair.b));
    CHECK(pair.pattern->send_room(SIZE_MAX) == 1);
    pair.b.free = 9;
    CHECK(pair.pattern->send_room(3) == 3);

    fixture pub(socket_type::pub);
    CHECK(pub.pattern->send_room(SIZE_MAX) == SIZE_MAX); // never waits: drops for full peers
    CHECK(pub.pattern->send_room(512) == 512);
    fixture nodrop(socket_type::xpub, with([](socket_options& o) { o.xpub_nodrop = true; }));
    CHECK(nodrop.pattern->send_room(SIZE_MAX) == 0); // waits for the peers its message goes to

    // Routed by content (ROUTER, STREAM), by the order of sends and receives (REQ, REP),
    // or not sending at all: each message is asked about.
    for (const socket_type type : {socket_type::router, socket_type::stream, socket_type::req, socket_type::rep,
                                   socket_type::pull, socket_type::sub, socket_type::xsub}) {
        CAPTURE(zmtp::to_string(type));
        fixture f(type);
        f.connect(f.a);
        CHECK(f.pattern->send_room(SIZE_MAX) == 0);
    }
}

TEST_CASE("may_conflate: the queues each type carries data in")
{
    struct expected {
        socket_type type;
        bool outgoing;
        bool incoming;
    };
    fake_queues queues;
    for (const expected e : {expected{socket_type::pub, true, false}, expected{socket_type::sub, false, true},
                             expected{socket_type::push, true, false}, expected{socket_type::pull, false, true},
                             expected{socket_type::dealer, true, true}, expected{socket_type::xpub, false, false},
                             expected{socket_type::xsub, false, false}, expected{socket_type::pair, false, false},
                             expected{socket_type::req, false, false}, expected{socket_type::rep, false, false},
                             expected{socket_type::router, false, false}, expected{socket_type::stream, false, false}}) {
        CAPTURE(zmtp::to_string(e.type));
        const auto p = make_pattern<fake_peer>(e.type, queues, socket_options{}, 7);
        REQUIRE(p);
        CHECK(p->may_conflate().outgoing == e.outgoing);
        CHECK(p->may_conflate().incoming == e.incoming);
    }
}
