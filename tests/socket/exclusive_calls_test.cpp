// try_send_exclusive and try_receive_exclusive: a socket's one sending or receiving thread
// hands messages over without the socket's lock (as the C API does), and everything else
// the socket does still sees them in order.
#include "zmtp/socket.hpp"

#include "socket_test_support.hpp"
#include "zmtp/context.hpp"
#include "zmtp/poll.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace zmtp_test;
using zmtp::errc;
using zmtp::message;
using zmtp::socket_type;
using zmtp::wait_type;

namespace {

/// Waits up to 5 s for `s` to be ready for `what`; true if it is.
bool wait_until(zmtp::socket& s, wait_type what)
{
    zmtp::poll_item item{&s, -1, what};
    return zmtp::poll(std::span(&item, 1), 5s) == 1;
}

/// try_send_exclusive, waiting while it answers would_block.
void send_exclusive(zmtp::socket& s, message msg)
{
    for (;;) {
        const std::error_code ec = s.try_send_exclusive(msg);
        if (ec != errc::would_block) {
            REQUIRE_FALSE(ec);
            return;
        }
        REQUIRE(wait_until(s, wait_type::write));
    }
}

/// As the C API sends: try_send_exclusive first; while it answers would_block, waits and
/// tries the socket's plain try_send (which takes the lock).
void send_then_try_send(zmtp::socket& s, message msg)
{
    std::error_code ec = s.try_send_exclusive(msg);
    while (ec == errc::would_block) {
        REQUIRE(wait_until(s, wait_type::write));
        ec = s.try_send(msg);
    }
    REQUIRE_FALSE(ec);
}

/// try_receive_exclusive, waiting while nothing is there.
message receive_exclusive(zmtp::socket& s)
{
    message m;
    for (;;) {
        const std::error_code ec = s.try_receive_exclusive(m);
        if (!ec)
            return m;
        REQUIRE(ec == errc::would_block);
        REQUIRE(m.empty());
        REQUIRE(wait_until(s, wait_type::read));
    }
}

/// A message of one frame holding `n` as 8 bytes.
message numbered(std::uint64_t n)
{
    zmtp::frame f = zmtp::frame::with_size(sizeof n);
    std::memcpy(f.data(), &n, sizeof n);
    message m;
    m.push_back(std::move(f));
    return m;
}

/// A message of one frame of `size` bytes (at least 8) that starts with `n`.
message numbered(std::uint64_t n, std::size_t size)
{
    std::string body(size, 'Z');
    std::memcpy(body.data(), &n, sizeof n);
    message m;
    m.push_back(zmtp::frame(body));
    return m;
}

std::uint64_t number_of(const message& m)
{
    REQUIRE(m.back().size() == sizeof(std::uint64_t));
    std::uint64_t n = 0;
    std::memcpy(&n, m.back().data(), sizeof n);
    return n;
}

} // namespace

TEST_CASE("try_send_exclusive: a stream arrives whole and in order from PUSH, DEALER and PAIR")
{
    for (const auto& types :
         {std::pair{socket_type::push, socket_type::pull}, std::pair{socket_type::dealer, socket_type::dealer},
          std::pair{socket_type::pair, socket_type::pair}}) {
        const socket_type sender_type = types.first;
        const socket_type receiver_type = types.second;
        CAPTURE(zmtp::to_string(sender_type));
        zmtp::context ctx;
        zmtp::socket receiver(ctx, receiver_type, test_options());
        receiver.bind("tcp://127.0.0.1:*");
        zmtp::socket sender(ctx, sender_type, test_options());
        sender.connect(receiver.last_endpoint());
        constexpr std::uint64_t count = 20'000;
        for (std::uint64_t i = 0; i < count; ++i)
            send_exclusive(sender, numbered(i));
        for (std::uint64_t i = 0; i < count; ++i) {
            const message m = receiver.receive();
            REQUIRE(m.size() == 1);
            REQUIRE(number_of(m) == i);
        }
    }
}

TEST_CASE("try_send_exclusive: sends that also take the lock use up the room handed over, and nothing is dropped")
{
    // Large messages through a reader that pauses: the window fills, the high-water mark is
    // reached, and the sender goes on with the plain try_send, as the C API does. Each such
    // send takes room the hand-over was granted; a message it then handed over beyond the
    // room left would be dropped (a C API sender of 8 KiB messages lost ~0.7% of them).
    for (const auto& types : {std::pair{socket_type::dealer, socket_type::router}, std::pair{socket_type::push, socket_type::pull},
                              std::pair{socket_type::pair, socket_type::pair}}) {
        CAPTURE(zmtp::to_string(types.first));
        zmtp::context ctx;
        zmtp::socket_options options = test_options();
        options.send_hwm = 100;
        zmtp::socket receiver(ctx, types.second, options);
        receiver.bind("tcp://127.0.0.1:*");
        zmtp::socket sender(ctx, types.first, options);
        sender.connect(receiver.last_endpoint());
        constexpr std::uint64_t count = 4'000;
        constexpr std::size_t size = 16 * 1024;
        std::thread sending([&] {
            for (std::uint64_t i = 0; i < count; ++i)
                send_then_try_send(sender, numbered(i, size));
        });
        for (std::uint64_t i = 0; i < count; ++i) {
            if (i % 500 == 0)
                std::this_thread::sleep_for(20ms); // the sender waits for the peer meanwhile
            const message m = receiver.receive();
            REQUIRE(m.back().size() == size);
            std::uint64_t n = 0;
            std::memcpy(&n, m.back().data(), sizeof n);
            REQUIRE(n == i);
        }
        sending.join();
    }
}

TEST_CASE("try_send_exclusive: PUB hands over too, and its subscribers get the stream in order")
{
    zmtp::context ctx;
    zmtp::socket_options unbounded = test_options();
    unbounded.send_hwm = 0; // nothing dropped at the high-water mark
    unbounded.receive_hwm = 0;
    zmtp::socket pub(ctx, socket_type::pub, unbounded);
    pub.bind(unique_ipc());
    zmtp::socket sub(ctx, socket_type::sub, unbounded);
    sub.subscribe("");
    sub.connect(pub.last_endpoint());
    // Until the subscription is there, a PUB drops: send until one arrives.
    std::error_code ec;
    do {
        message probe{"probe"};
        REQUIRE_FALSE(pub.try_send_exclusive(probe));
        std::this_thread::sleep_for(1ms);
    } while (!sub.try_receive(ec));
    while (sub.try_receive(ec)) {
    }
    constexpr std::uint64_t count = 5'000;
    for (std::uint64_t i = 0; i < count; ++i)
        send_exclusive(pub, numbered(i));
    std::uint64_t expected = 0;
    while (expected < count) {
        const message m = sub.receive();
        if (m.back().size() == 5)
            continue; // a late probe
        REQUIRE(number_of(m) == expected++);
    }
}

TEST_CASE("try_send_exclusive: a PUB handing over a stream that nobody takes still lets a subscriber in")
{
    zmtp::context ctx;
    zmtp::socket pub(ctx, socket_type::pub, test_options());
    pub.bind("tcp://127.0.0.1:*");
    // A subscriber to another topic: the PUB has a peer, so it hands the stream over, and
    // its executor takes it and drops it, writing nothing.
    zmtp::socket other(ctx, socket_type::sub, test_options());
    other.subscribe("other");
    other.connect(pub.last_endpoint());
    std::atomic<bool> stop{false};
    std::thread streamer([&] {
        while (!stop.load(std::memory_order_relaxed)) {
            message tick{"tick"};
            (void)pub.try_send_exclusive(tick);
        }
    });
    // Meanwhile the executor must still make a new connection and take its subscription.
    zmtp::socket sub(ctx, socket_type::sub, test_options());
    sub.subscribe("");
    sub.connect(pub.last_endpoint());
    const std::optional<message> got = sub.receive_for(5s);
    stop = true;
    streamer.join();
    REQUIRE(got);
    CHECK(got->back() == "tick");
}

TEST_CASE("try_send_exclusive: the high-water mark holds for messages handed over, which wait for the peer")
{
    zmtp::context ctx;
    zmtp::socket_options o = test_options();
    o.send_hwm = 10;
    zmtp::socket push(ctx, socket_type::push, o);
    const std::string endpoint = unique_ipc();
    push.connect(endpoint); // its queue takes messages before any peer is there
    for (std::uint64_t i = 0; i < 10; ++i) {
        message m = numbered(i);
        REQUIRE_FALSE(push.try_send_exclusive(m));
    }
    message refused = numbered(10);
    CHECK(push.try_send_exclusive(refused) == errc::would_block);
    CHECK(number_of(refused) == 10); // untouched
    CHECK_FALSE(has(push.ready_for(), wait_type::write));

    zmtp::socket pull(ctx, socket_type::pull, test_options());
    pull.bind(endpoint);
    for (std::uint64_t i = 0; i < 10; ++i)
        CHECK(number_of(pull.receive()) == i);
    REQUIRE(wait_until(push, wait_type::write)); // room again once they went
    REQUIRE_FALSE(push.try_send_exclusive(refused));
    CHECK(number_of(pull.receive()) == 10);
}

TEST_CASE("try_send_exclusive: what was handed over goes before the socket's next send, and lingers through close")
{
    zmtp::context ctx;
    zmtp::socket pull(ctx, socket_type::pull, test_options());
    pull.bind("tcp://127.0.0.1:*");
    {
        zmtp::socket push(ctx, socket_type::push, test_options());
        push.connect(pull.last_endpoint());
        for (std::uint64_t i = 0; i < 100; ++i)
            send_exclusive(push, numbered(i));
        push.send(numbered(100)); // a send that takes the lock
        message m = numbered(101);
        REQUIRE_FALSE(push.try_send(m));
        for (std::uint64_t i = 102; i < 200; ++i)
            send_exclusive(push, numbered(i));
        push.close(); // lingers: everything sent is delivered
    }
    for (std::uint64_t i = 0; i < 200; ++i)
        CHECK(number_of(pull.receive()) == i);
}

TEST_CASE("try_send_exclusive: types that route by content or order answer as try_send")
{
    zmtp::context ctx;
    zmtp::socket_options mandatory = test_options();
    mandatory.router_mandatory = true;
    zmtp::socket router(ctx, socket_type::router, mandatory);
    router.bind(unique_ipc());
    message to_nobody{"nobody", "hello"};
    CHECK(router.try_send_exclusive(to_nobody) == errc::host_unreachable);
    CHECK(to_nobody.size() == 2);

    zmtp::socket rep(ctx, socket_type::rep, test_options());
    rep.bind(unique_ipc());
    zmtp::socket req(ctx, socket_type::req, test_options());
    req.connect(rep.last_endpoint());
    message first{"first"};
    REQUIRE_FALSE(req.try_send_exclusive(first));
    message second{"second"};
    CHECK(req.try_send_exclusive(second) == errc::invalid_state); // a reply comes first
    CHECK(rep.receive()[0].to_string() == "first");

    zmtp::socket pull(ctx, socket_type::pull, test_options());
    message nothing{"x"};
    CHECK(pull.try_send_exclusive(nothing) == errc::not_supported);
    pull.close();
    CHECK(pull.try_send_exclusive(nothing) == errc::socket_closed);
}

TEST_CASE("try_receive_exclusive: a stream arrives in order for PULL, DEALER, ROUTER (with the routing id) and SUB")
{
    for (const auto& types :
         {std::pair{socket_type::push, socket_type::pull}, std::pair{socket_type::dealer, socket_type::dealer},
          std::pair{socket_type::dealer, socket_type::router}, std::pair{socket_type::pub, socket_type::sub}}) {
        const socket_type sender_type = types.first;
        const socket_type receiver_type = types.second;
        CAPTURE(zmtp::to_string(receiver_type));
        zmtp::context ctx;
        zmtp::socket_options o = test_options();
        o.routing_id = "sender";
        if (sender_type == socket_type::pub)
            o.send_hwm = o.receive_hwm = 0; // a PUB drops at the mark
        zmtp::socket receiver(ctx, receiver_type, o);
        if (receiver_type == socket_type::sub)
            receiver.subscribe("");
        receiver.bind("tcp://127.0.0.1:*");
        zmtp::socket sender(ctx, sender_type, o);
        sender.connect(receiver.last_endpoint());
        if (sender_type == socket_type::pub) { // the subscription first
            std::error_code ec;
            do {
                sender.send(message{"probe"});
                std::this_thread::sleep_for(1ms);
            } while (!receiver.try_receive(ec));
            while (receiver.try_receive(ec)) {
            }
        }
        constexpr std::uint64_t count = 20'000;
        std::thread sending([&] {
            for (std::uint64_t i = 0; i < count; ++i)
                sender.send(numbered(i));
        });
        std::uint64_t expected = 0;
        while (expected < count) {
            const message m = receive_exclusive(receiver);
            if (m.back().size() == 5)
                continue; // a late probe
            if (receiver_type == socket_type::router) {
                REQUIRE(m.size() == 2);
                REQUIRE(m[0].to_string() == "sender");
            }
            REQUIRE(number_of(m) == expected++);
        }
        sending.join();
    }
}

TEST_CASE("try_receive_exclusive: messages taken ahead are waiting for readiness and for the other receives")
{
    zmtp::context ctx;
    zmtp::socket pull(ctx, socket_type::pull, test_options());
    pull.bind(unique_ipc());
    zmtp::socket push(ctx, socket_type::push, test_options());
    push.connect(pull.last_endpoint());
    for (std::uint64_t i = 0; i < 5; ++i)
        push.send(numbered(i));
    // All five queued before the first receive: it takes the others ahead.
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (pull.ready_for() == wait_type::none && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(50ms);
    CHECK(number_of(receive_exclusive(pull)) == 0);
    CHECK(has(pull.ready_for(), wait_type::read));
    CHECK(wait_until(pull, wait_type::read));
    std::error_code ec;
    std::optional<message> plain = pull.try_receive(ec); // a receive that takes the lock
    REQUIRE(plain);
    CHECK(number_of(*plain) == 1);
    CHECK(number_of(pull.receive()) == 2);
    CHECK(number_of(receive_exclusive(pull)) == 3);
    CHECK(number_of(receive_exclusive(pull)) == 4);
    message unused{"replaced"};
    ec = pull.try_receive_exclusive(unused);
    CHECK(ec == errc::would_block);
    CHECK(unused.empty()); // emptied on an error
    CHECK(pull.ready_for() == wait_type::none);

    push.send(numbered(5));
    push.send(numbered(6));
    std::this_thread::sleep_for(50ms);
    CHECK(number_of(receive_exclusive(pull)) == 5); // 6 taken ahead
    pull.close();
    unused = message{"replaced"};
    ec = pull.try_receive_exclusive(unused);
    CHECK(ec == errc::socket_closed);
    CHECK(unused.empty());
}

TEST_CASE("try_receive_exclusive: REP takes one request at a time, a conflating PULL only the newest")
{
    zmtp::context ctx;
    zmtp::socket rep(ctx, socket_type::rep, test_options());
    rep.bind(unique_ipc());
    std::vector<zmtp::socket> reqs;
    for (int i = 0; i < 3; ++i) {
        reqs.emplace_back(ctx, socket_type::req, test_options());
        reqs.back().connect(rep.last_endpoint());
        reqs.back().send(message{std::to_string(i)});
    }
    std::this_thread::sleep_for(50ms);
    std::error_code ec;
    message unused;
    for (int i = 0; i < 3; ++i) {
        const message request = receive_exclusive(rep);
        ec = rep.try_receive_exclusive(unused); // the reply first
        CHECK(ec == errc::invalid_state);
        rep.send(message{"re:" + request[0].to_string()});
    }
    for (int i = 0; i < 3; ++i)
        CHECK(reqs[static_cast<std::size_t>(i)].receive()[0].to_string() == "re:" + std::to_string(i));

    zmtp::socket_options conflating = test_options();
    conflating.conflate = true;
    zmtp::socket pull(ctx, socket_type::pull, conflating);
    pull.bind(unique_ipc());
    zmtp::socket push(ctx, socket_type::push, test_options());
    push.connect(pull.last_endpoint());
    for (std::uint64_t i = 0; i < 3; ++i)
        push.send(numbered(i));
    std::this_thread::sleep_for(100ms);
    CHECK(number_of(receive_exclusive(pull)) == 2);
    push.send(numbered(3));
    push.send(numbered(4));
    std::this_thread::sleep_for(100ms);
    CHECK(number_of(receive_exclusive(pull)) == 4); // nothing older was kept aside
}

TEST_CASE("exclusive calls: one thread sends and one receives a long stream through small queues")
{
    zmtp::context ctx;
    zmtp::socket_options small = test_options();
    small.send_hwm = 7;
    small.receive_hwm = 5;
    for (const std::string& endpoint : {std::string("tcp://127.0.0.1:*"), unique_inproc()}) {
        CAPTURE(endpoint);
        zmtp::socket pull(ctx, socket_type::pull, small);
        pull.bind(endpoint);
        zmtp::socket push(ctx, socket_type::push, small);
        push.connect(pull.last_endpoint());
        constexpr std::uint64_t count = 100'000;
        std::thread sending([&] {
            for (std::uint64_t i = 0; i < count; ++i)
                send_exclusive(push, numbered(i));
        });
        for (std::uint64_t i = 0; i < count; ++i)
            REQUIRE(number_of(receive_exclusive(pull)) == i);
        sending.join();
    }
}
