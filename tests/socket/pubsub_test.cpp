// PUB, SUB, XPUB and XSUB sockets over real transports.
#include "zmtp/socket.hpp"

#include "socket_test_support.hpp"
#include "zmtp/context.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace zmtp_test;
using zmtp::errc;
using zmtp::message;
using zmtp::socket_type;

namespace {

/// Publishes "<topic> probe" until `sub` receives a message (the subscription has reached
/// the publisher: before that PUB drops, the slow joiner), then drains `sub` of the probes.
void await_subscription(zmtp::socket& pub, zmtp::socket& sub, const std::string& topic)
{
    for (int i = 0; i < 500; ++i) {
        pub.send(message{topic + " probe"});
        if (sub.receive_for(10ms))
            break;
    }
    while (sub.receive_for(50ms)) {
    }
}

} // namespace

TEST_CASE("pubsub: SUB receives the messages whose first frame starts with a subscribed topic")
{
    zmtp::context ctx;
    for (const std::string& endpoint : {std::string("tcp://127.0.0.1:*"), unique_ipc(), unique_inproc()}) {
        CAPTURE(endpoint);
        zmtp::socket pub(ctx, socket_type::pub, test_options());
        pub.bind(endpoint);
        zmtp::socket sub(ctx, socket_type::sub, test_options());
        sub.connect(pub.last_endpoint());
        sub.subscribe("weather.");
        await_subscription(pub, sub, "weather.");

        for (const char* text : {"weather.paris 12", "sports.paris 1-0", "weather", "weather.rome 20", "Weather.x"})
            pub.send(message{text, "second frame"});
        const auto first = sub.receive();
        CHECK(parts(first) == strings{"weather.paris 12", "second frame"}); // the whole message
        CHECK(drain(sub) == std::vector<std::string>{"weather.rome 20"});

        sub.unsubscribe("weather.");
        sub.subscribe(""); // everything
        await_subscription(pub, sub, "");
        pub.send(message{"anything"});
        CHECK(drain(sub) == std::vector<std::string>{"anything"});
    }
}

TEST_CASE("pubsub: a SUB without subscriptions receives nothing, and each SUB gets its own topics")
{
    zmtp::context ctx;
    zmtp::socket pub(ctx, socket_type::pub, test_options());
    pub.bind("tcp://127.0.0.1:*");
    zmtp::socket none(ctx, socket_type::sub, test_options());
    none.connect(pub.last_endpoint());
    zmtp::socket a(ctx, socket_type::sub, test_options());
    a.connect(pub.last_endpoint());
    a.subscribe("a");
    zmtp::socket b(ctx, socket_type::sub, test_options());
    b.connect(pub.last_endpoint());
    b.subscribe("b");
    b.subscribe("ab");
    await_subscription(pub, a, "a");
    await_subscription(pub, b, "b");
    await_subscription(pub, b, "ab");
    drain(a); // "ab probe" reached it too
    for (const char* text : {"a1", "b1", "ab1", "c1"})
        pub.send(message{text});
    CHECK(drain(a) == std::vector<std::string>{"a1", "ab1"});
    CHECK(drain(b) == std::vector<std::string>{"b1", "ab1"}); // once, though two topics match
    CHECK(drain(none, 10ms).empty());
}

TEST_CASE("pubsub: SUB counts subscriptions and tells its peers the first subscribe and the last cancel")
{
    zmtp::context ctx;
    zmtp::socket_options o = test_options();
    o.xpub_verboser = true; // every subscribe and cancel the XPUB gets reaches us
    zmtp::socket xpub(ctx, socket_type::xpub, o);
    xpub.bind(unique_ipc());
    zmtp::socket sub(ctx, socket_type::sub, test_options());
    sub.connect(xpub.last_endpoint());
    sub.subscribe("A");
    CHECK(parts(xpub.receive()) == strings{"\x01" "A"}); // connected
    sub.subscribe("A");
    sub.subscribe("B");
    sub.unsubscribe("A");
    sub.unsubscribe("C"); // never subscribed: nothing goes out
    sub.unsubscribe("A");
    CHECK(parts(xpub.receive()) == strings{"\x01" "B"});
    CHECK(parts(xpub.receive()) == strings{std::string("\0A", 2)});
    CHECK_FALSE(xpub.receive_for(100ms));
}

TEST_CASE("pubsub: SUB sends every subscription again when it reconnects")
{
    zmtp::context ctx;
    const std::string endpoint = unique_ipc();
    zmtp::socket_options sub_options = test_options();
    sub_options.reconnect_interval = 10ms;
    zmtp::socket sub(ctx, socket_type::sub, sub_options);
    sub.subscribe("x");
    sub.subscribe("y");
    sub.connect(endpoint);
    std::set<std::string> seen_first;
    {
        zmtp::socket xpub(ctx, socket_type::xpub, test_options());
        xpub.bind(endpoint);
        seen_first = {xpub.receive()[0].to_string(), xpub.receive()[0].to_string()};
        sub.unsubscribe("y");
        CHECK(parts(xpub.receive()) == strings{std::string("\0y", 2)});
    }
    CHECK(seen_first == std::set<std::string>{"\x01x", "\x01y"});
    zmtp::socket xpub(ctx, socket_type::xpub, test_options());
    xpub.bind(endpoint);
    CHECK(parts(xpub.receive()) == strings{"\x01x"});
    CHECK_FALSE(xpub.receive_for(100ms));
}

TEST_CASE("pubsub: XPUB passes the first subscribe and last cancel of a topic, verbose and verboser pass more")
{
    zmtp::context ctx;
    struct expectation {
        bool verbose, verboser;
        strings seen;
    };
    const std::string sub_a = "\x01" "a", cancel_a = std::string("\0a", 2);
    for (const expectation& e : {expectation{false, false, {sub_a, cancel_a}},
                                 expectation{true, false, {sub_a, sub_a, cancel_a}},
                                 expectation{false, true, {sub_a, sub_a, cancel_a, cancel_a}}}) {
        CAPTURE(e.verbose);
        CAPTURE(e.verboser);
        zmtp::socket_options o = test_options();
        o.xpub_verbose = e.verbose;
        o.xpub_verboser = e.verboser;
        zmtp::socket xpub(ctx, socket_type::xpub, o);
        xpub.bind("tcp://127.0.0.1:*");
        zmtp::socket s1(ctx, socket_type::sub, test_options());
        zmtp::socket s2(ctx, socket_type::sub, test_options());
        s1.connect(xpub.last_endpoint());
        s2.connect(xpub.last_endpoint());
        s1.subscribe("a");
        CHECK(parts(xpub.receive()) == strings{sub_a}); // in order: s2 subscribes after this arrived
        s2.subscribe("a");
        std::this_thread::sleep_for(100ms);
        s1.unsubscribe("a");
        std::this_thread::sleep_for(100ms);
        s2.unsubscribe("a");
        strings seen{sub_a};
        while (const auto m = xpub.receive_for(200ms))
            seen.push_back((*m)[0].to_string());
        CHECK(seen == e.seen);
    }
}

TEST_CASE("pubsub: XPUB reports a disconnected subscriber's topics as cancels, and receives other messages")
{
    zmtp::context ctx;
    zmtp::socket xpub(ctx, socket_type::xpub, test_options());
    xpub.bind("tcp://127.0.0.1:*");
    {
        zmtp::socket xsub(ctx, socket_type::xsub, test_options());
        xsub.connect(xpub.last_endpoint());
        xsub.send(message{"\x01" "t1"});
        CHECK(parts(xpub.receive()) == strings{"\x01" "t1"});
        xsub.send(message{"\x01" "t2"});
        xsub.send(message{"hello", "there"}); // not a subscription: passed up as it is
        CHECK(parts(xpub.receive()) == strings{"\x01" "t2"});
        CHECK(parts(xpub.receive()) == strings{"hello", "there"});
        xsub.set(&zmtp::socket_options::linger, std::chrono::milliseconds(0));
    }
    std::set<std::string> cancels{xpub.receive()[0].to_string(), xpub.receive()[0].to_string()};
    CHECK(cancels == std::set<std::string>{std::string("\0t1", 3), std::string("\0t2", 3)});
}

TEST_CASE("pubsub: XSUB forwards subscriptions upstream and filters what it receives")
{
    zmtp::context ctx;
    zmtp::socket pub(ctx, socket_type::pub, test_options());
    pub.bind(unique_ipc());
    zmtp::socket xsub(ctx, socket_type::xsub, test_options());
    xsub.connect(pub.last_endpoint());
    xsub.send(message{"\x01" "k"});
    await_subscription(pub, xsub, "k");
    pub.send(message{"k1"});
    pub.send(message{"j1"});
    CHECK(drain(xsub) == std::vector<std::string>{"k1"});
    xsub.send(message{std::string("\0k", 2)});
    std::this_thread::sleep_for(100ms);
    pub.send(message{"k2"});
    CHECK(drain(xsub).empty());
}

TEST_CASE("pubsub: XPUB welcome message, manual subscriptions and nodrop")
{
    zmtp::context ctx;
    SUBCASE("welcome message: each new subscriber gets it if it subscribed to it")
    {
        zmtp::socket_options o = test_options();
        o.xpub_welcome_message = "WELCOME";
        zmtp::socket xpub(ctx, socket_type::xpub, o);
        xpub.bind("tcp://127.0.0.1:*");
        zmtp::socket sub(ctx, socket_type::sub, test_options());
        sub.subscribe("WELCOME");
        sub.connect(xpub.last_endpoint());
        CHECK(parts(sub.receive()) == strings{"WELCOME"});
        CHECK(parts(xpub.receive()) == strings{"\x01WELCOME"});
    }
    SUBCASE("manual: only what the application applies is subscribed")
    {
        zmtp::socket_options o = test_options();
        o.xpub_manual = true;
        zmtp::socket xpub(ctx, socket_type::xpub, o);
        xpub.bind("tcp://127.0.0.1:*");
        zmtp::socket sub(ctx, socket_type::sub, test_options());
        sub.connect(xpub.last_endpoint());
        sub.subscribe("asked");
        CHECK(parts(xpub.receive()) == strings{"\x01" "asked"});
        xpub.send(message{"asked 1"}); // not applied: not delivered
        xpub.subscribe("granted");    // for the subscriber just heard
        xpub.send(message{"granted 1"});
        CHECK(drain(sub) == std::vector<std::string>{}); // the SUB filters what it did not ask
        sub.subscribe("granted");
        CHECK(parts(xpub.receive()) == strings{"\x01" "granted"});
        xpub.send(message{"granted 2"});
        CHECK(drain(sub) == std::vector<std::string>{"granted 2"});
    }
    SUBCASE("nodrop: a send waits while a subscriber is full, instead of dropping")
    {
        zmtp::socket_options o = test_options();
        o.xpub_nodrop = true;
        o.send_hwm = 5;
        o.send_timeout = 0ms;
        zmtp::socket xpub(ctx, socket_type::xpub, o);
        xpub.bind(unique_inproc());
        zmtp::socket_options so = test_options();
        so.receive_hwm = 5;
        zmtp::socket sub(ctx, socket_type::sub, so);
        sub.connect(xpub.last_endpoint());
        sub.subscribe("");
        CHECK(xpub.receive().size() == 1);
        int sent = 0;
        std::error_code ec;
        for (; sent < 10'000; ++sent) {
            xpub.send(message{std::to_string(sent)}, zmtp::send_flags::dontwait, ec);
            if (ec)
                break;
        }
        CHECK(ec == errc::would_block);
        CHECK(sent < 10'000);
        for (int i = 0; i < sent; ++i) // none was dropped
            REQUIRE(sub.receive()[0].to_string() == std::to_string(i));
    }
}

TEST_CASE("pubsub: invert_matching sends and delivers what matches no subscription")
{
    zmtp::context ctx;
    zmtp::socket_options o = test_options();
    o.invert_matching = true;
    // A SUB with invert_matching drops what matches (and gets nothing else from a plain PUB).
    zmtp::socket xpub(ctx, socket_type::xpub, test_options());
    xpub.bind(unique_inproc());
    zmtp::socket sub(ctx, socket_type::sub, o);
    sub.connect(xpub.last_endpoint());
    sub.subscribe("");
    sub.subscribe("no");
    CHECK(parts(xpub.receive()) == strings{"\x01"});
    CHECK(parts(xpub.receive()) == strings{"\x01no"});
    xpub.send(message{"no 1"});
    xpub.send(message{"yes 1"});
    CHECK(drain(sub) == std::vector<std::string>{});

    // Both with invert_matching: the PUB sends to the peers whose subscriptions do not
    // match, and the SUB takes what matches none of its own.
    zmtp::socket_options po = test_options();
    po.invert_matching = true;
    zmtp::socket ipub(ctx, socket_type::pub, po);
    ipub.bind(unique_inproc());
    zmtp::socket isub(ctx, socket_type::sub, o);
    isub.connect(ipub.last_endpoint());
    isub.subscribe("skip");
    await_subscription(ipub, isub, "take");
    ipub.send(message{"skip 1"});
    ipub.send(message{"take 1"});
    CHECK(drain(isub) == std::vector<std::string>{"take 1"});
}

TEST_CASE("pubsub: PUB never blocks: a subscriber that does not read loses messages, the others get theirs")
{
    zmtp::context ctx;
    zmtp::socket_options po = test_options();
    po.send_hwm = 10;
    po.send_timeout = 0ms;
    zmtp::socket pub(ctx, socket_type::pub, po);
    pub.bind(unique_inproc());
    zmtp::socket_options so = test_options();
    so.receive_hwm = 10;
    zmtp::socket stalled(ctx, socket_type::sub, so);
    stalled.connect(pub.last_endpoint());
    stalled.subscribe("");
    zmtp::socket reader(ctx, socket_type::sub, test_options());
    reader.connect(pub.last_endpoint());
    reader.subscribe("");
    await_subscription(pub, stalled, "");
    await_subscription(pub, reader, "");
    // 8 MiB in all: far more than the stalled one's queues and socket buffers hold.
    const std::string padding(4096, '.');
    for (int round = 0; round < 400; ++round) {
        for (int i = 0; i < 5; ++i)
            pub.send(message{std::to_string(round * 5 + i), padding}, zmtp::send_flags::dontwait); // never fails
        for (int i = 0; i < 5; ++i)
            REQUIRE(reader.receive()[0].to_string() == std::to_string(round * 5 + i));
    }
    const std::size_t kept = drain(stalled).size();
    CHECK(kept >= 20); // its queues at both ends are full
    CHECK(kept < 500); // and the rest was dropped for it alone
}

TEST_CASE("pubsub: what each type refuses")
{
    asio::io_context io;
    zmtp::socket pub(io, socket_type::pub);
    zmtp::socket sub(io, socket_type::sub);
    std::error_code ec;
    pub.receive(zmtp::recv_flags::dontwait, ec);
    CHECK(ec == errc::not_supported);
    sub.send(message{"x"}, zmtp::send_flags::dontwait, ec);
    CHECK(ec == errc::not_supported);
    pub.subscribe("x", ec);
    CHECK(ec == errc::not_supported);
    zmtp::socket xpub(io, socket_type::xpub);
    xpub.subscribe("x", ec); // only with xpub_manual
    CHECK(ec == errc::not_supported);
    zmtp::socket dealer(io, socket_type::dealer);
    dealer.subscribe("x", ec);
    CHECK(ec == errc::not_supported);
    CHECK(sub.ready_for() == zmtp::wait_type::none);
    CHECK(pub.ready_for() == zmtp::wait_type::write);
}
