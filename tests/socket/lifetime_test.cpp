// Safe lifetimes: a moved-from socket fails every call with socket_closed; a context's
// shutdown wakes every waiting call with context_terminated; a socket may outlive its
// context (or io_context) and then fails every call instead of touching freed memory.
#include "socket/socket_test_support.hpp"
#include "zmtp/context.hpp"

#include <asio/bind_executor.hpp>
#include <asio/experimental/awaitable_operators.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <thread>

using namespace zmtp_test;
using zmtp::errc;
using zmtp::message;
using zmtp::socket_type;

namespace {

/// Runs `f` on a new thread and returns its result, failing if that takes over `limit`.
template <class F>
auto within(std::chrono::milliseconds limit, F f)
{
    auto result = std::async(std::launch::async, std::move(f));
    REQUIRE_MESSAGE(result.wait_for(limit) == std::future_status::ready, "did not finish in time");
    return result.get();
}

/// Expects `call` to throw std::system_error with `expected`.
template <class F>
void expect_throws(errc expected, F call)
{
    try {
        call();
        FAIL("no exception");
    } catch (const std::system_error& e) {
        CHECK(e.code() == expected);
    }
}

} // namespace

TEST_CASE("lifetime: every call on a moved-from socket fails with socket_closed")
{
    asio::io_context io;
    zmtp::socket a(io, socket_type::dealer);
    a.bind(unique_inproc());
    zmtp::socket b(std::move(a));
    zmtp::socket c(io, socket_type::router);
    c = std::move(b); // b moved-from by assignment too

    for (zmtp::socket* moved : {&a, &b}) {
        CHECK(moved->type() == socket_type::dealer);
        CHECK(moved->get_executor() == asio::any_io_executor(io.get_executor()));
        std::error_code ec;
        moved->bind("inproc://x", ec);
        CHECK(ec == errc::socket_closed);
        moved->connect("inproc://x", ec);
        CHECK(ec == errc::socket_closed);
        moved->unbind("inproc://x", ec);
        CHECK(ec == errc::socket_closed);
        moved->disconnect("inproc://x", ec);
        CHECK(ec == errc::socket_closed);
        expect_throws(errc::socket_closed, [&] { moved->bind("inproc://x"); });
        expect_throws(errc::socket_closed, [&] { moved->connect("inproc://x"); });
        expect_throws(errc::socket_closed, [&] { moved->last_endpoint(); });
        expect_throws(errc::socket_closed, [&] { moved->options(); });
        expect_throws(errc::socket_closed, [&] { moved->set_options({}); });
        expect_throws(errc::socket_closed, [&] { moved->set(&zmtp::socket_options::send_hwm, 5u); });
        expect_throws(errc::socket_closed, [&] { moved->enable_monitor(); });
        moved->set_options({}, ec);
        CHECK(ec == errc::socket_closed);
        message m{"x"};
        CHECK(moved->try_send(m) == errc::socket_closed);
        CHECK_FALSE(moved->try_receive(ec));
        CHECK(ec == errc::socket_closed);
        moved->send(message{"x"}, zmtp::send_flags::none, ec);
        CHECK(ec == errc::socket_closed);
        moved->receive(zmtp::recv_flags::none, ec);
        CHECK(ec == errc::socket_closed);
        expect_throws(errc::socket_closed, [&] { moved->send("x"); });
        expect_throws(errc::socket_closed, [&] { moved->receive(); });
        expect_throws(errc::socket_closed, [&] { moved->receive_for(std::chrono::milliseconds(1)); });

        std::optional<std::error_code> sent, received, event;
        moved->async_send(message{"x"}, [&](std::error_code e) { sent = e; });
        moved->async_receive([&](std::error_code e, message) { received = e; });
        moved->async_next_event([&](std::error_code e, zmtp::monitor_event) { event = e; });
        CHECK_FALSE(sent); // never inline
        io.run_for(50ms);
        io.restart();
        CHECK(sent == std::error_code(errc::socket_closed));
        CHECK(received == std::error_code(errc::socket_closed));
        CHECK(event == std::error_code(errc::socket_closed));
        moved->close(); // harmless
    }
    // The socket moved into works.
    CHECK(c.type() == socket_type::dealer);
    CHECK(c.last_endpoint().rfind("inproc://", 0) == 0);
}

TEST_CASE("lifetime: shutdown wakes a blocked receive and send with context_terminated")
{
    zmtp::context ctx;
    zmtp::socket dealer(ctx, socket_type::dealer, {.send_hwm = 1, .linger = 0ms});
    dealer.connect(unique_ipc()); // nobody there: the queue fills, sends then wait
    dealer.send("fills the queue");
    zmtp::socket rep(ctx, socket_type::rep);
    rep.bind("tcp://127.0.0.1:*");

    auto receiving = std::async(std::launch::async, [&] {
        std::error_code ec;
        rep.receive(zmtp::recv_flags::none, ec);
        return ec;
    });
    auto sending = std::async(std::launch::async, [&] {
        std::error_code ec;
        dealer.send("waits", zmtp::send_flags::none, ec);
        return ec;
    });
    std::this_thread::sleep_for(100ms); // both are waiting
    CHECK(receiving.wait_for(0s) == std::future_status::timeout);
    CHECK(sending.wait_for(0s) == std::future_status::timeout);
    ctx.shutdown();
    REQUIRE(receiving.wait_for(5s) == std::future_status::ready);
    REQUIRE(sending.wait_for(5s) == std::future_status::ready);
    CHECK(receiving.get() == errc::context_terminated);
    CHECK(sending.get() == errc::context_terminated);

    // Every later call fails the same way; close still works.
    std::error_code ec;
    rep.bind("tcp://127.0.0.1:*", ec);
    CHECK(ec == errc::context_terminated);
    rep.receive(zmtp::recv_flags::dontwait, ec);
    CHECK(ec == errc::context_terminated);
    message m{"x"};
    CHECK(dealer.try_send(m) == errc::context_terminated);
    rep.close();
}

TEST_CASE("lifetime: shutdown completes a pending async receive with context_terminated")
{
    zmtp::context ctx;
    zmtp::socket dealer(ctx, socket_type::dealer);
    dealer.bind("tcp://127.0.0.1:*");
    asio::io_context io; // the coroutine's own executor
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        asio::steady_timer later(io, 50ms);
        later.async_wait([&](std::error_code) { ctx.shutdown(); });
        try {
            co_await dealer.async_receive(asio::use_awaitable);
            FAIL("received");
        } catch (const std::system_error& e) {
            CHECK(e.code() == errc::context_terminated);
        }
    });
}

TEST_CASE("lifetime: sockets may outlive their zmtp::context")
{
    std::optional<zmtp::context> ctx(std::in_place);
    auto idle = std::make_unique<zmtp::socket>(*ctx, socket_type::dealer);
    auto bound = std::make_unique<zmtp::socket>(*ctx, socket_type::router);
    bound->bind("tcp://127.0.0.1:*");
    auto connected = std::make_unique<zmtp::socket>(*ctx, socket_type::dealer, zmtp::socket_options{.linger = 0ms});
    connected->connect(bound->last_endpoint());
    connected->send("hello");
    CHECK(bound->receive()[1] == "hello");

    within(5s, [&] { ctx.reset(); }); // returns: nothing keeps it busy

    for (zmtp::socket* s : {idle.get(), bound.get(), connected.get()}) {
        std::error_code ec;
        s->connect("tcp://127.0.0.1:1", ec);
        CHECK(ec == errc::context_terminated);
        message m{"x"};
        CHECK(s->try_send(m) == errc::context_terminated);
        s->receive(zmtp::recv_flags::none, ec);
        CHECK(ec == errc::context_terminated);
        // No executor is left to complete an async operation on: the call itself throws.
        expect_throws(errc::context_terminated, [&] { s->async_receive([](std::error_code, message) {}); });
        expect_throws(errc::context_terminated, [&] { s->async_send(message{"x"}, [](std::error_code) {}); });
    }
    idle.reset(); // destroyed after their context: no use of freed memory (ASan runs this)
    bound.reset();
    connected.reset();
}

TEST_CASE("lifetime: sockets may outlive a plain io_context")
{
    auto io = std::make_unique<asio::io_context>();
    zmtp::socket router(*io, socket_type::router);
    router.bind("tcp://127.0.0.1:*");
    zmtp::socket dealer(*io, socket_type::dealer);
    dealer.connect(router.last_endpoint());
    message hello{"hello"};
    std::optional<message> got;
    dealer.async_send(std::move(hello), [](std::error_code) {});
    router.async_receive([&](std::error_code ec, message m) {
        if (!ec)
            got = std::move(m);
    });
    io->run_for(500ms);
    REQUIRE(got);
    router.async_receive([](std::error_code, message) {}); // left pending
    io.reset();
    std::error_code ec;
    router.receive(zmtp::recv_flags::dontwait, ec);
    CHECK(ec == errc::context_terminated);
    router.close();
}

TEST_CASE("lifetime: the context's end waits for lingering messages, bounded by linger")
{
    const std::string endpoint = unique_ipc();
    zmtp::context peer_ctx;
    zmtp::socket router(peer_ctx, socket_type::router, test_options());

    SUBCASE("infinite linger: the messages are delivered before ~context returns")
    {
        auto ctx = std::make_unique<zmtp::context>();
        zmtp::socket dealer(*ctx, socket_type::dealer);
        dealer.connect(endpoint); // nobody listens yet
        for (int i = 0; i < 10; ++i)
            dealer.send(std::to_string(i));
        auto ended = std::async(std::launch::async, [&] { ctx.reset(); });
        std::this_thread::sleep_for(200ms);
        CHECK(ended.wait_for(0s) == std::future_status::timeout); // still lingering
        router.bind(endpoint);
        REQUIRE(ended.wait_for(5s) == std::future_status::ready);
        for (int i = 0; i < 10; ++i)
            CHECK(router.receive()[1] == std::to_string(i));
    }
    SUBCASE("a linger of 100 ms: ~context gives up after it")
    {
        auto ctx = std::make_unique<zmtp::context>();
        zmtp::socket dealer(*ctx, socket_type::dealer, {.linger = 100ms});
        dealer.connect(endpoint);
        dealer.send("never delivered");
        const auto start = std::chrono::steady_clock::now();
        within(5s, [&] { ctx.reset(); });
        CHECK(std::chrono::steady_clock::now() - start >= 90ms);
    }
}

TEST_CASE("lifetime: a socket of every type can be made, and reports its type")
{
    asio::io_context io;
    for (const socket_type t : {socket_type::pair, socket_type::pub, socket_type::sub, socket_type::req, socket_type::rep,
                                socket_type::dealer, socket_type::router, socket_type::pull, socket_type::push,
                                socket_type::xpub, socket_type::xsub, socket_type::stream}) {
        CAPTURE(zmtp::to_string(t));
        zmtp::socket s(io, t);
        CHECK(s.type() == t);
    }
}

TEST_CASE("lifetime: after shutdown, no new socket can be made on the context")
{
    zmtp::context ctx;
    ctx.shutdown();
    expect_throws(errc::context_terminated, [&] { zmtp::socket s(ctx, socket_type::dealer); });
}
