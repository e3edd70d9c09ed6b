#include "zmtp/socket.hpp"

#include "socket_test_support.hpp"
#include "zmtp/context.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/steady_timer.hpp>
#include <doctest/doctest.h>

#include <optional>

using namespace zmtp_test;
using zmtp::errc;
using zmtp::message;
using zmtp::socket_type;

TEST_CASE("socket: async operations take callbacks, use_future, deferred and use_awaitable")
{
    asio::io_context io;
    zmtp::socket router(io, socket_type::router);
    zmtp::socket dealer(io, socket_type::dealer, {.routing_id = "d"});
    router.bind("tcp://127.0.0.1:*");
    dealer.connect(router.last_endpoint());

    // Callback: never invoked inline.
    bool sent = false;
    message first{"callback"};
    dealer.async_send(std::move(first), [&](std::error_code ec) { sent = !ec; });
    CHECK_FALSE(sent);

    run_coroutine(io, [&]() -> asio::awaitable<void> {
        message got = co_await router.async_receive(asio::use_awaitable);
        CHECK(sent);
        CHECK(parts(got) == strings{"d", "callback"});

        // deferred: nothing happens until it is launched.
        message second{"deferred"};
        auto op = dealer.async_send(std::move(second), asio::experimental::deferred);
        co_await std::move(op)(asio::use_awaitable);
        got = co_await router.async_receive(asio::use_awaitable);
        CHECK(parts(got) == strings{"d", "deferred"});
        router.close();
        dealer.close();
    });

    // use_future, with the io_context run from another thread.
    asio::io_context io2;
    zmtp::socket rep(io2, socket_type::rep);
    zmtp::socket req(io2, socket_type::req);
    rep.bind(unique_inproc());
    req.connect(rep.last_endpoint());
    std::thread runner([&] {
        auto work = asio::make_work_guard(io2);
        io2.run_for(5s);
    });
    req.async_send(message{"future"}, asio::use_future).get();
    CHECK(parts(rep.async_receive(asio::use_future).get()) == strings{"future"});
    rep.close();
    req.close();
    io2.stop();
    runner.join();
}

TEST_CASE("socket: a cancelled receive takes no message")
{
    asio::io_context io;
    zmtp::socket a(io, socket_type::dealer);
    zmtp::socket b(io, socket_type::dealer);
    a.bind(unique_inproc());
    b.connect(a.last_endpoint());
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        asio::cancellation_signal cancel;
        std::optional<std::error_code> result;
        a.async_receive(asio::bind_cancellation_slot(cancel.slot(), [&](std::error_code ec, message m) {
            result = ec;
            CHECK(m.empty());
        }));
        co_await sleep_for(20ms);
        CHECK_FALSE(result);
        cancel.emit(asio::cancellation_type::terminal);
        co_await sleep_for(10ms);
        REQUIRE(result);
        CHECK(*result == asio::error::operation_aborted);

        message hello{"after cancel"};
        co_await b.async_send(std::move(hello), asio::use_awaitable);
        const message got = co_await a.async_receive(asio::use_awaitable);
        CHECK(parts(got) == strings{"after cancel"});
        a.close();
        b.close();
    });
}

TEST_CASE("socket: a cancelled send queues nothing")
{
    asio::io_context io;
    const std::string endpoint = unique_ipc();
    zmtp::socket dealer(io, socket_type::dealer, {.send_hwm = 1});
    dealer.connect(endpoint);
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        message one{"one"};
        co_await dealer.async_send(std::move(one), asio::use_awaitable); // fills the queue
        asio::cancellation_signal cancel;
        std::optional<std::error_code> result;
        dealer.async_send(message{"two"}, asio::bind_cancellation_slot(cancel.slot(), [&](std::error_code ec) { result = ec; }));
        co_await sleep_for(20ms);
        CHECK_FALSE(result); // waiting for room
        cancel.emit(asio::cancellation_type::terminal);
        co_await sleep_for(10ms);
        REQUIRE(result);
        CHECK(*result == asio::error::operation_aborted);

        zmtp::socket router(io, socket_type::router);
        router.bind(endpoint);
        message got = co_await router.async_receive(asio::use_awaitable);
        CHECK(got[1] == "one");
        message three{"three"};
        co_await dealer.async_send(std::move(three), asio::use_awaitable);
        got = co_await router.async_receive(asio::use_awaitable);
        CHECK(got[1] == "three"); // "two" never went out
        router.close();
        dealer.close();
    });
}

TEST_CASE("socket: close aborts pending operations")
{
    asio::io_context io;
    zmtp::socket s(io, socket_type::dealer);
    std::optional<std::error_code> result;
    s.async_receive([&](std::error_code ec, message) { result = ec; });
    s.close();
    io.run_for(100ms);
    REQUIRE(result);
    CHECK(*result == asio::error::operation_aborted);
    std::error_code ec;
    s.send(message{"x"}, zmtp::send_flags::dontwait, ec);
    CHECK(ec == errc::socket_closed);
}

TEST_CASE("socket: monitor reports listening, connect delayed, accepted, handshakes and disconnects, with descriptors")
{
    asio::io_context io;
    zmtp::socket router(io, socket_type::router);
    router.enable_monitor();
    router.bind("tcp://127.0.0.1:*");
    std::optional<zmtp::socket> dealer;
    dealer.emplace(io, socket_type::dealer, zmtp::socket_options{.routing_id = "watched"});
    dealer->enable_monitor();
    dealer->connect(router.last_endpoint());

    run_coroutine(io, [&]() -> asio::awaitable<void> {
        auto next = [&](zmtp::socket& s) { return s.async_next_event(asio::use_awaitable); };
        zmtp::monitor_event e = co_await next(router);
        CHECK(e.type == zmtp::monitor_event_type::listening);
        CHECK(e.endpoint == router.last_endpoint());
        const int listening_fd = e.fd;
        CHECK(listening_fd >= 0);
        e = co_await next(router);
        CHECK(e.type == zmtp::monitor_event_type::accepted);
        const int accepted_fd = e.fd;
        CHECK(accepted_fd >= 0);
        CHECK(accepted_fd != listening_fd);
        e = co_await next(router);
        CHECK(e.type == zmtp::monitor_event_type::handshake_succeeded);
        CHECK(e.routing_id == "watched");
        CHECK(e.fd == -1);

        e = co_await next(*dealer);
        CHECK(e.type == zmtp::monitor_event_type::connect_delayed); // libzmq's, with EINPROGRESS
        CHECK(e.error == std::errc::operation_in_progress);
        e = co_await next(*dealer);
        CHECK(e.type == zmtp::monitor_event_type::connected);
        CHECK(e.fd >= 0);
        e = co_await next(*dealer);
        CHECK(e.type == zmtp::monitor_event_type::handshake_succeeded);

        dealer.reset(); // closes it
        e = co_await next(router);
        CHECK(e.type == zmtp::monitor_event_type::disconnected);
        CHECK(e.endpoint == router.last_endpoint());
        CHECK(e.fd == accepted_fd);
        router.close();
    });
}

TEST_CASE("socket: an incompatible peer fails the handshake on both sides")
{
    asio::io_context io;
    zmtp::socket a(io, socket_type::req);
    zmtp::socket b(io, socket_type::req);
    a.enable_monitor();
    b.enable_monitor();
    a.bind(unique_ipc());
    b.connect(a.last_endpoint());
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        // Each side refuses the other. One of them may see the other's close (a reset)
        // before it reads the READY, so its failure can lack the detail; but both fail,
        // and at least one names the incompatible socket type.
        const auto failure = [](zmtp::socket& s) -> asio::awaitable<zmtp::monitor_event> {
            zmtp::monitor_event e;
            do
                e = co_await s.async_next_event(asio::use_awaitable);
            while (e.type == zmtp::monitor_event_type::listening || e.type == zmtp::monitor_event_type::accepted
                   || e.type == zmtp::monitor_event_type::connected);
            co_return e;
        };
        const zmtp::monitor_event ea = co_await failure(a);
        const zmtp::monitor_event eb = co_await failure(b);
        for (const zmtp::monitor_event& e : {ea, eb})
            CHECK((e.type == zmtp::monitor_event_type::handshake_failed_protocol
                   || e.type == zmtp::monitor_event_type::handshake_failed_no_detail));
        CHECK((ea.error == errc::incompatible_socket_type || eb.error == errc::incompatible_socket_type));
        a.close();
        b.close();
    });
}

TEST_CASE("socket: endpoint errors are reported, never crash")
{
    asio::io_context io;
    zmtp::socket s(io, socket_type::dealer);
    for (const char* bad : {"", "tcp://", "tcp://127.0.0.1", "tcp://127.0.0.1:99999", "udp://1.2.3.4:5", "ipc://", "inproc://"}) {
        CAPTURE(bad);
        std::error_code ec;
        s.bind(bad, ec);
        CHECK(ec == errc::invalid_endpoint);
        s.connect(bad, ec);
        CHECK(ec == errc::invalid_endpoint);
    }
    CHECK_THROWS_AS(s.bind("nonsense"), std::system_error);

    zmtp::socket first(io, socket_type::router);
    first.bind("tcp://127.0.0.1:*");
    zmtp::socket second(io, socket_type::router);
    std::error_code ec;
    second.bind(first.last_endpoint(), ec);
    CHECK(ec == errc::address_in_use); // tcp as inproc
    CHECK(ec == std::errc::address_in_use);
    const std::string name = unique_inproc();
    first.bind(name);
    second.bind(name, ec);
    CHECK(ec == errc::address_in_use);
}

TEST_CASE("socket: unbind and disconnect")
{
    zmtp::context ctx;
    zmtp::socket router(ctx, socket_type::router, test_options());
    router.bind("tcp://127.0.0.1:*");
    const std::string endpoint = router.last_endpoint();
    zmtp::socket dealer(ctx, socket_type::dealer, test_options({.receive_timeout = 200ms}));
    dealer.connect(endpoint);
    dealer.send(message{"x"});
    CHECK(router.receive()[1] == "x");
    router.unbind(endpoint);
    zmtp::socket late(ctx, socket_type::dealer, test_options({.immediate = true, .send_timeout = 200ms}));
    late.connect(endpoint);
    std::error_code ec;
    late.send(message{"y"}, zmtp::send_flags::none, ec);
    CHECK(ec == errc::would_block); // no listener: never connected
    CHECK_THROWS_AS(router.unbind(endpoint), std::system_error);
    dealer.disconnect(endpoint);
    CHECK_THROWS_AS(dealer.disconnect(endpoint), std::system_error);
}

TEST_CASE("socket: blocking calls refuse to deadlock on the executor's own thread")
{
    asio::io_context io;
    zmtp::socket s(io, socket_type::dealer);
    std::error_code ec;
    asio::post(io, [&] { s.receive(zmtp::recv_flags::none, ec); });
    io.run_for(100ms);
    CHECK(ec == errc::blocking_in_executor);
}
