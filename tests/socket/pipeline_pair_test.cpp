// PUSH, PULL and PAIR sockets over real transports; conflate.
#include "zmtp/socket.hpp"

#include "socket_test_support.hpp"
#include "zmtp/context.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace zmtp_test;
using zmtp::errc;
using zmtp::message;
using zmtp::socket_type;

TEST_CASE("pipeline: PUSH round-robins over its PULL peers, and queues for peers not yet there")
{
    zmtp::context ctx;
    zmtp::socket push(ctx, socket_type::push, test_options());
    const std::vector<std::string> endpoints{unique_ipc(), unique_ipc()};
    for (const std::string& e : endpoints)
        push.connect(e);
    for (int i = 0; i < 10; ++i)
        push.send(message{std::to_string(i)}, zmtp::send_flags::dontwait);
    std::vector<zmtp::socket> pulls;
    for (const std::string& e : endpoints) {
        pulls.emplace_back(ctx, socket_type::pull, test_options());
        pulls.back().bind(e);
    }
    for (std::size_t p = 0; p < pulls.size(); ++p)
        for (std::size_t i = p; i < 10; i += 2)
            CHECK(pulls[p].receive()[0].to_string() == std::to_string(i));
}

TEST_CASE("pipeline: PULL fair-queues its PUSH peers, PUSH waits when no peer has room, and drops nothing")
{
    zmtp::context ctx;
    zmtp::socket_options po = test_options();
    po.receive_hwm = 10;
    zmtp::socket pull(ctx, socket_type::pull, po);
    pull.bind("tcp://127.0.0.1:*");
    std::vector<zmtp::socket> pushes;
    zmtp::socket_options so = test_options();
    so.send_hwm = 10;
    so.send_timeout = 0ms;
    for (int i = 0; i < 3; ++i) {
        pushes.emplace_back(ctx, socket_type::push, so);
        pushes.back().connect(pull.last_endpoint());
    }
    std::map<std::string, int> sent;
    for (std::size_t p = 0; p < pushes.size(); ++p) {
        // Fill until it waits: its own queue, the PULL's and the socket buffers between.
        for (int i = 0; i < 100'000; ++i) {
            std::error_code ec;
            pushes[p].send(message{std::to_string(p), std::to_string(i)}, zmtp::send_flags::dontwait, ec);
            if (ec) {
                CHECK(ec == errc::would_block);
                break;
            }
            ++sent[std::to_string(p)];
        }
    }
    std::this_thread::sleep_for(200ms); // every PUSH's messages reached the PULL's queues
    std::map<std::string, int> first_rounds;
    for (int i = 0; i < 9; ++i)
        ++first_rounds[pull.receive()[0].to_string()];
    CHECK(first_rounds == std::map<std::string, int>{{"0", 3}, {"1", 3}, {"2", 3}});
    std::map<std::string, int> next; // every message arrives, once and in order per peer
    for (const auto& [p, n] : first_rounds)
        next[p] = n;
    int total = 9;
    const int expected = sent["0"] + sent["1"] + sent["2"];
    while (total < expected) {
        const message m = pull.receive();
        REQUIRE(m[1].to_string() == std::to_string(next[m[0].to_string()]++));
        ++total;
    }
    CHECK_FALSE(pull.receive_for(50ms));
}

TEST_CASE("pipeline: PUSH and PULL refuse the direction they do not have")
{
    asio::io_context io;
    zmtp::socket push(io, socket_type::push);
    zmtp::socket pull(io, socket_type::pull);
    std::error_code ec;
    push.receive(zmtp::recv_flags::dontwait, ec);
    CHECK(ec == errc::not_supported);
    pull.send(message{"x"}, zmtp::send_flags::dontwait, ec);
    CHECK(ec == errc::not_supported);
    CHECK(pull.ready_for() == zmtp::wait_type::none);
}

TEST_CASE("pair: two PAIR sockets talk both ways, a second peer is refused while the first lives")
{
    zmtp::context ctx;
    zmtp::socket a(ctx, socket_type::pair, test_options());
    a.enable_monitor(true);
    a.bind("tcp://127.0.0.1:*");
    zmtp::socket b(ctx, socket_type::pair, test_options());
    b.connect(a.last_endpoint());
    b.send(message{"from b"});
    CHECK(parts(a.receive()) == strings{"from b"});
    a.send(message{"from a"});
    CHECK(parts(b.receive()) == strings{"from a"});

    zmtp::socket_options third_options = test_options();
    third_options.reconnect_interval = 20ms;
    zmtp::socket third(ctx, socket_type::pair, third_options);
    third.connect(a.last_endpoint());
    third.send(message{"intruder"}, zmtp::send_flags::dontwait); // lost with a refused connection
    bool refused = false;
    while (!refused) {
        auto next = a.async_next_event(asio::use_future);
        REQUIRE(next.wait_for(5s) == std::future_status::ready);
        const zmtp::monitor_event e = next.get();
        refused = e.type == zmtp::monitor_event_type::handshake_failed_protocol && e.error == errc::peer_already_connected;
    }
    for (int i = 0; i < 100; ++i)
        b.send(message{std::to_string(i)});
    for (int i = 0; i < 100; ++i)
        REQUIRE(a.receive()[0].to_string() == std::to_string(i));
    CHECK_FALSE(a.receive_for(50ms)); // nothing from the intruder

    // Once the first peer is gone, the next one is taken.
    b.close();
    std::this_thread::sleep_for(300ms); // the third one reconnects meanwhile
    third.send(message{"welcome now"});
    CHECK(parts(a.receive()) == strings{"welcome now"});
}

TEST_CASE("pair: a PAIR without a peer cannot send, a connecting one queues until connected")
{
    zmtp::context ctx;
    zmtp::socket_options o = test_options();
    o.send_timeout = 0ms;
    zmtp::socket lonely(ctx, socket_type::pair, o);
    lonely.bind(unique_inproc());
    std::error_code ec;
    lonely.send(message{"x"}, zmtp::send_flags::dontwait, ec);
    CHECK(ec == errc::would_block);
    CHECK(lonely.ready_for() == zmtp::wait_type::none);

    const std::string endpoint = unique_ipc();
    zmtp::socket early(ctx, socket_type::pair, test_options());
    early.connect(endpoint);
    early.send(message{"queued"});
    zmtp::socket late(ctx, socket_type::pair, test_options());
    late.bind(endpoint);
    CHECK(parts(late.receive()) == strings{"queued"});
}

TEST_CASE("conflate: a PULL keeps only the newest message, a PUSH queues only the newest")
{
    zmtp::context ctx;
    zmtp::socket_options co = test_options();
    co.conflate = true;
    zmtp::socket pull(ctx, socket_type::pull, co);
    pull.bind(unique_ipc());
    zmtp::socket push(ctx, socket_type::push, test_options());
    push.connect(pull.last_endpoint());
    for (int i = 0; i < 1000; ++i)
        push.send(message{std::to_string(i)});
    std::this_thread::sleep_for(200ms); // all arrived
    CHECK(parts(pull.receive()) == strings{"999"});
    CHECK_FALSE(pull.receive_for(50ms));

    // A conflating PUSH never waits: each send replaces what is still queued.
    zmtp::socket cpush(ctx, socket_type::push, co);
    const std::string endpoint = unique_ipc();
    cpush.connect(endpoint);
    for (int i = 0; i < 100; ++i)
        cpush.send(message{std::to_string(i)}, zmtp::send_flags::dontwait);
    zmtp::socket late(ctx, socket_type::pull, test_options());
    late.bind(endpoint);
    CHECK(parts(late.receive()) == strings{"99"});
    CHECK_FALSE(late.receive_for(50ms));
}

TEST_CASE("compatibility: a peer of a type the socket cannot talk to is refused in the handshake")
{
    zmtp::context ctx;
    const std::vector<std::pair<socket_type, socket_type>> mismatched{
        {socket_type::push, socket_type::sub},  {socket_type::pub, socket_type::pull}, {socket_type::pair, socket_type::dealer},
        {socket_type::xsub, socket_type::push}, {socket_type::pull, socket_type::pull}, {socket_type::xpub, socket_type::pub}};
    for (const auto& types : mismatched) {
        const socket_type binder = types.first; // not a structured binding: CAPTURE's lambda takes it
        const socket_type connecter = types.second;
        CAPTURE(zmtp::to_string(binder));
        CAPTURE(zmtp::to_string(connecter));
        zmtp::socket server(ctx, binder, test_options());
        server.bind(unique_ipc());
        // The connecting side always reads the binder's READY (the binder sends it before
        // it can refuse anything), so it always finds the mismatch itself; the binder may
        // instead see the connection closed first.
        zmtp::socket client(ctx, connecter, test_options());
        client.enable_monitor(true);
        client.connect(server.last_endpoint());
        for (;;) {
            auto next = client.async_next_event(asio::use_future);
            REQUIRE(next.wait_for(5s) == std::future_status::ready);
            const zmtp::monitor_event e = next.get();
            REQUIRE(e.type != zmtp::monitor_event_type::handshake_succeeded);
            if (e.type == zmtp::monitor_event_type::handshake_failed_protocol) {
                CHECK(e.error == errc::incompatible_socket_type);
                break;
            }
        }
    }
}

TEST_CASE("inproc scope: a name is found only within its scope, and each scope may bind it")
{
    zmtp::context ctx;
    auto in_scope = [](const std::string& scope) {
        zmtp::socket_options o = test_options();
        o.inproc_scope = scope;
        return o;
    };
    zmtp::socket pull_a(ctx, socket_type::pull, in_scope("a"));
    zmtp::socket pull_b(ctx, socket_type::pull, in_scope("b"));
    zmtp::socket pull_default(ctx, socket_type::pull, test_options());
    const std::string name = "inproc://scoped-" + std::to_string(::getpid());
    pull_a.bind(name);
    pull_b.bind(name); // another scope: no address_in_use
    pull_default.bind(name);
    std::error_code ec;
    zmtp::socket again(ctx, socket_type::pull, in_scope("a"));
    again.bind(name, ec);
    CHECK(ec == errc::address_in_use);

    zmtp::socket push_b(ctx, socket_type::push, in_scope("b"));
    push_b.connect(name);
    push_b.send(message{"to b"});
    CHECK(pull_b.receive().front() == "to b");
    CHECK(pull_a.receive_for(std::chrono::milliseconds(50)) == std::nullopt);
    CHECK(pull_default.receive_for(std::chrono::milliseconds(0)) == std::nullopt);
}

TEST_CASE("reconnect_interval unset: a connect that fails or whose connection ends tries no more")
{
    zmtp::context ctx;
    zmtp::socket_options never = test_options();
    never.reconnect_interval = std::nullopt;

    // The first attempt finds no listener: none follows, so a listener that comes later
    // gets nothing (the message waits in the endpoint's queue, as libzmq's does).
    const std::string early = unique_ipc();
    zmtp::socket push(ctx, socket_type::push, never);
    push.connect(early);
    std::this_thread::sleep_for(150ms);
    zmtp::socket late(ctx, socket_type::pull, test_options());
    late.bind(early);
    message queued{"queued"};
    CHECK(!push.try_send(queued));
    CHECK_FALSE(late.receive_for(300ms));

    // A connection that ends is not made again, and its queue goes with it.
    const std::string endpoint = unique_ipc();
    std::optional<zmtp::socket> pull(std::in_place, ctx, socket_type::pull, test_options());
    pull->bind(endpoint);
    zmtp::socket sender(ctx, socket_type::push, never);
    sender.connect(endpoint);
    sender.send(message{"first"});
    CHECK(parts(pull->receive()) == strings{"first"});
    pull.reset();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (sender.can_send() != errc::would_block && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    CHECK(sender.can_send() == errc::would_block); // no queue left to take it
    zmtp::socket again(ctx, socket_type::pull, test_options());
    again.bind(endpoint);
    std::this_thread::sleep_for(300ms);
    message second{"second"};
    CHECK(sender.try_send(second) == errc::would_block);
    CHECK_FALSE(again.receive_for(50ms));
}

TEST_CASE("pipeline: an inproc connect to a bound endpoint returns connected, as libzmq's does")
{
    zmtp::context ctx;
    for (int round = 0; round < 20; ++round) {
        CAPTURE(round);
        zmtp::socket pull(ctx, socket_type::pull, test_options());
        pull.bind(unique_inproc());
        // immediate: no queue until the handshake is over, so a send before it would block.
        zmtp::socket push(ctx, socket_type::push, test_options({.immediate = true}));
        push.connect(pull.last_endpoint());
        message m{"at once"};
        REQUIRE_FALSE(push.try_send(m));
        CHECK(pull.receive()[0].to_string() == "at once");
    }
    // To an endpoint not bound yet it makes no connection, and returns at once.
    zmtp::socket early(ctx, socket_type::push, test_options({.immediate = true}));
    const std::string later = unique_inproc();
    early.connect(later);
    message m{"no peer yet"};
    CHECK(early.try_send(m) == errc::would_block);
}
