// Cancellation loses nothing: `a || b` of two operations cancels the loser, possibly when
// its completion is already on its way; a receive then gives its message back and a send
// has queued nothing. Sockets run on a zmtp::context thread, the coroutines on the test's
// own io_context, so completion and cancellation cross threads (the TSan build runs these).
#include "socket/socket_test_support.hpp"
#include "zmtp/context.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/bind_executor.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>

#include <algorithm>
#include <cstdint>
#include <future>
#include <string>
#include <thread>
#include <variant>
#include <vector>

using namespace zmtp_test;
using namespace asio::experimental::awaitable_operators;
using zmtp::message;
using zmtp::socket_type;

namespace {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int messages_per_stream = 3'000;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
constexpr int messages_per_stream = 3'000;
#else
constexpr int messages_per_stream = 10'000;
#endif
#else
constexpr int messages_per_stream = 10'000;
#endif

/// A message numbered in decimal text (`n` its last frame), and its number.
message decimal_message(int n) { return message{std::to_string(n)}; }
int decimal_of(const message& m) { return std::stoi(std::string(m.back().view())); }

/// A bound DEALER fed by a connected DEALER from its own thread with `count` numbered
/// messages, as fast as the high-water marks allow.
struct stream {
    stream(zmtp::context& ctx, int count)
        : receiver(ctx, socket_type::dealer, test_options()), sender(ctx, socket_type::dealer, test_options())
    {
        receiver.bind("tcp://127.0.0.1:*");
        sender.connect(receiver.last_endpoint());
        feeder = std::thread([this, count] {
            for (int i = 0; i < count && !send_error; ++i)
                sender.send(decimal_message(i), zmtp::send_flags::none, send_error);
        });
    }
    ~stream()
    {
        feeder.join();
        CHECK_FALSE(send_error);
        sender.close();
        receiver.close();
    }
    zmtp::socket receiver;
    zmtp::socket sender;
    std::thread feeder;
    std::error_code send_error;
    int next = 0; ///< the number expected next
};

/// Checks `m` is the next message of `s`.
void expect_next(stream& s, const message& m)
{
    const int n = decimal_of(m);
    REQUIRE_MESSAGE(n == s.next, "expected message " << s.next << ", got " << n);
    ++s.next;
}

} // namespace

TEST_CASE("lossless: a || b of two receives under traffic on both loses and reorders nothing")
{
    zmtp::context ctx;
    stream one(ctx, messages_per_stream);
    stream two(ctx, messages_per_stream);
    asio::io_context io;
    int rounds = 0;
    run_coroutine(
        io,
        [&]() -> asio::awaitable<void> {
            while (one.next < messages_per_stream || two.next < messages_per_stream) {
                if (one.next == messages_per_stream) {
                    expect_next(two, co_await two.receiver.async_receive(asio::use_awaitable));
                    continue;
                }
                if (two.next == messages_per_stream) {
                    expect_next(one, co_await one.receiver.async_receive(asio::use_awaitable));
                    continue;
                }
                auto won = co_await (one.receiver.async_receive(asio::use_awaitable)
                                     || two.receiver.async_receive(asio::use_awaitable));
                ++rounds;
                if (won.index() == 0)
                    expect_next(one, std::get<0>(won));
                else
                    expect_next(two, std::get<1>(won));
            }
        },
        120s);
    CHECK(one.next == messages_per_stream);
    CHECK(two.next == messages_per_stream);
    CHECK(rounds > 0);
    std::error_code ec;
    CHECK_FALSE(one.receiver.try_receive(ec)); // nothing extra either
    CHECK_FALSE(two.receiver.try_receive(ec));
}

TEST_CASE("lossless: receive || an expiring timer loses nothing")
{
    zmtp::context ctx;
    stream s(ctx, messages_per_stream);
    asio::io_context io;
    int timer_wins = 0;
    run_coroutine(
        io,
        [&]() -> asio::awaitable<void> {
            asio::steady_timer timer(io);
            while (s.next < messages_per_stream) {
                timer.expires_after(std::chrono::microseconds(s.next % 7)); // often due at once
                auto won = co_await (s.receiver.async_receive(asio::use_awaitable) || timer.async_wait(asio::use_awaitable));
                if (won.index() == 0)
                    expect_next(s, std::get<0>(won));
                else
                    ++timer_wins;
            }
        },
        120s);
    CHECK(s.next == messages_per_stream);
    MESSAGE("timer won " << timer_wins << " rounds");
}

TEST_CASE("lossless: send || an expiring timer sends exactly the sends that won")
{
    zmtp::context ctx;
    zmtp::socket receiver(ctx, socket_type::dealer, test_options({.receive_hwm = 2}));
    receiver.bind("tcp://127.0.0.1:*");
    zmtp::socket sender(ctx, socket_type::dealer, test_options({.send_hwm = 2}));
    sender.connect(receiver.last_endpoint());
    std::vector<int> received;
    std::thread reader([&] { // slow enough that sends must often wait for room
        for (int i = 0; i < messages_per_stream; ++i) {
            std::error_code ec;
            const message m = receiver.receive(zmtp::recv_flags::none, ec);
            if (ec)
                return; // the check of `received` below fails
            received.push_back(decimal_of(m));
            if (i % 64 == 0)
                std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    });
    asio::io_context io;
    int timer_wins = 0;
    run_coroutine(
        io,
        [&]() -> asio::awaitable<void> {
            asio::steady_timer timer(io);
            int n = 0;
            while (n < messages_per_stream) {
                timer.expires_after(std::chrono::microseconds(n % 5));
                auto won = co_await (sender.async_send(decimal_message(n), asio::use_awaitable) || timer.async_wait(asio::use_awaitable));
                if (won.index() == 0)
                    ++n; // sent: the next one
                else
                    ++timer_wins; // not sent: the same number again
            }
        },
        120s);
    reader.join();
    REQUIRE(received.size() == static_cast<std::size_t>(messages_per_stream));
    for (int i = 0; i < messages_per_stream; ++i)
        REQUIRE_MESSAGE(received[static_cast<std::size_t>(i)] == i, "position " << i); // no duplicate, no gap
    std::error_code ec;
    CHECK_FALSE(receiver.try_receive(ec));
    MESSAGE("timer won " << timer_wins << " rounds");
    sender.close();
    receiver.close();
}

TEST_CASE("lossless: REP and REQ receives cut short by a timer keep their request and reply")
{
    zmtp::context ctx;
    zmtp::socket rep(ctx, socket_type::rep, test_options());
    rep.bind("tcp://127.0.0.1:*");
    zmtp::socket req(ctx, socket_type::req, test_options());
    req.connect(rep.last_endpoint());
    constexpr int requests = messages_per_stream / 4;
    asio::io_context io;
    auto server = [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(io);
        int n = 0;
        while (n < requests) {
            timer.expires_after(std::chrono::microseconds(n % 3));
            auto won = co_await (rep.async_receive(asio::use_awaitable) || timer.async_wait(asio::use_awaitable));
            if (won.index() == 1)
                continue; // the request, if it came, is still first in line
            REQUIRE(decimal_of(std::get<0>(won)) == n);
            co_await rep.async_send(decimal_message(n), asio::use_awaitable); // allowed: the request was received
            ++n;
        }
    };
    auto client = [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(io);
        for (int n = 0; n < requests; ++n) {
            co_await req.async_send(decimal_message(n), asio::use_awaitable);
            for (;;) {
                timer.expires_after(std::chrono::microseconds(n % 4));
                auto won = co_await (req.async_receive(asio::use_awaitable) || timer.async_wait(asio::use_awaitable));
                if (won.index() == 1) {
                    message early{"too early"}; // the reply is still due: REQ refuses a new request
                    REQUIRE(req.try_send(early) == zmtp::errc::invalid_state);
                    continue;
                }
                REQUIRE(decimal_of(std::get<0>(won)) == n);
                break;
            }
        }
    };
    run_coroutine(io, [&]() -> asio::awaitable<void> { co_await (server() && client()); }, 120s);
    req.close();
    rep.close();
}

TEST_CASE("lossless: a send woken for room and then cancelled passes its turn to the next sender")
{
    zmtp::context ctx;
    const std::string endpoint = unique_ipc();
    zmtp::socket dealer(ctx, socket_type::dealer, {.send_hwm = 1, .linger = 0ms, .send_timeout = 2s});
    dealer.connect(endpoint); // nobody there yet
    message first{"first"};
    REQUIRE_FALSE(dealer.try_send(first)); // the queue is full now

    asio::io_context handlers; // run by hand: A's handler side is serialized with the emit below
    asio::cancellation_signal cancel_a;
    std::optional<std::error_code> a_result;
    dealer.async_send(message{"A"}, asio::bind_cancellation_slot(cancel_a.slot(), asio::bind_executor(handlers, [&](std::error_code ec) {
                                        a_result = ec;
                                    })));
    handlers.poll(); // A's first attempt: it waits for room
    handlers.restart();
    std::error_code b_result = zmtp::errc::would_block;
    std::thread b([&] { dealer.send("B", zmtp::send_flags::none, b_result); }); // waits behind A
    std::this_thread::sleep_for(50ms);

    zmtp::socket router(ctx, socket_type::router, test_options());
    router.bind(endpoint); // "first" goes out: room, and A is woken...
    CHECK(router.receive().back() == "first");
    std::this_thread::sleep_for(100ms);
    cancel_a.emit(asio::cancellation_type::terminal); // ...but cancelled before it ran
    handlers.poll();
    REQUIRE(a_result);
    CHECK(*a_result == asio::error::operation_aborted);
    b.join(); // B got the room A gave up (without it, B would wait forever)
    CHECK_FALSE(b_result);
    CHECK(router.receive().back() == "B");
    CHECK_FALSE(router.receive_for(std::chrono::milliseconds(100))); // A never went out
}

TEST_CASE("lossless: blocking sends waiting for a first peer all go out, each once, when it comes")
{
    // The first one is written at once, and its write retries the others from inside it.
    zmtp::context ctx;
    const std::string endpoint = unique_ipc();
    zmtp::socket dealer(ctx, socket_type::dealer, test_options({.linger = 0ms, .immediate = true}));
    dealer.connect(endpoint); // immediate: no queue until connected, so sends wait
    std::vector<std::thread> senders;
    std::vector<std::error_code> results(4);
    for (int i = 0; i < 4; ++i)
        senders.emplace_back([&, i] { dealer.send(std::to_string(i), zmtp::send_flags::none, results[static_cast<std::size_t>(i)]); });
    std::this_thread::sleep_for(100ms);
    zmtp::socket router(ctx, socket_type::router, test_options());
    router.bind(endpoint);
    for (std::thread& t : senders)
        t.join();
    for (const std::error_code& ec : results)
        CHECK_FALSE(ec);
    std::vector<int> got;
    for (int i = 0; i < 4; ++i)
        got.push_back(decimal_of(router.receive()));
    std::sort(got.begin(), got.end());
    CHECK(got == std::vector<int>{0, 1, 2, 3});
    CHECK_FALSE(router.receive_for(std::chrono::milliseconds(100)));
}

TEST_CASE("sends: an async send that cannot be cancelled is queued at once, in order, and lingers")
{
    zmtp::context ctx;
    zmtp::socket router(ctx, socket_type::router, test_options());
    router.bind("tcp://127.0.0.1:*");
    {
        zmtp::socket dealer(ctx, socket_type::dealer);
        dealer.connect(router.last_endpoint());
        std::promise<std::error_code> first_sent;
        dealer.async_send(message{"1"}, [&](std::error_code ec) { first_sent.set_value(ec); }); // a callback: no slot
        message second{"2"};
        CHECK_FALSE(dealer.try_send(second)); // after "1"
        dealer.async_send(message{"3"}, asio::detached);
        CHECK_FALSE(first_sent.get_future().get());
    } // closed at once: "3" lingers like the others
    for (const char* expected : {"1", "2", "3"})
        CHECK(router.receive().back() == expected);
}

TEST_CASE("sends: connect gives a waiting send a queue")
{
    zmtp::context ctx;
    zmtp::socket dealer(ctx, socket_type::dealer, test_options({.linger = 0ms}));
    std::error_code sent = zmtp::errc::would_block;
    std::thread sender([&] { dealer.send("waited", zmtp::send_flags::none, sent); }); // no peer yet
    std::this_thread::sleep_for(50ms);
    const std::string endpoint = unique_ipc();
    dealer.connect(endpoint); // nobody listens, but the peer's queue exists now
    sender.join();
    CHECK_FALSE(sent);
    zmtp::socket router(ctx, socket_type::router, test_options());
    router.bind(endpoint);
    CHECK(router.receive().back() == "waited");
}
