// Waiting for readiness: socket::async_wait and the blocking zmtp::poll over sockets and
// file descriptors, with the ZeroMQ Guide's two-socket poller (mspoller) in both styles.
#include "zmtp/poll.hpp"

#include "socket/socket_test_support.hpp"
#include "zmtp/context.hpp"

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

using namespace zmtp_test;
using namespace asio::experimental::awaitable_operators;
using zmtp::errc;
using zmtp::message;
using zmtp::poll_item;
using zmtp::socket_type;
using zmtp::wait_type;

namespace {

constexpr int guide_messages = 2'000;

/// The Guide's two sources: a bound socket each, fed `count` numbered messages by a peer
/// on its own thread.
struct two_sources {
    explicit two_sources(zmtp::context& ctx)
        : receiver(ctx, socket_type::dealer, test_options()),
          subscriber(ctx, socket_type::router, test_options()),
          to_receiver(ctx, socket_type::dealer, test_options()),
          to_subscriber(ctx, socket_type::dealer, test_options())
    {
        receiver.bind("tcp://127.0.0.1:*");
        subscriber.bind(unique_ipc());
        to_receiver.connect(receiver.last_endpoint());
        to_subscriber.connect(subscriber.last_endpoint());
        feeders[0] = std::thread([this] { feed(to_receiver, "task"); });
        feeders[1] = std::thread([this] { feed(to_subscriber, "weather"); });
    }
    ~two_sources()
    {
        for (std::thread& t : feeders)
            t.join();
    }
    static void feed(zmtp::socket& s, const std::string& what)
    {
        for (int i = 0; i < guide_messages; ++i)
            s.send(what + " " + std::to_string(i));
    }

    zmtp::socket receiver, subscriber, to_receiver, to_subscriber;
    std::array<std::thread, 2> feeders;
    int tasks = 0, updates = 0;

    void got_task(const message& m) { CHECK(m.back() == "task " + std::to_string(tasks++)); }
    void got_update(const message& m) { CHECK(m.back() == "weather " + std::to_string(updates++)); }
    bool done() const { return tasks == guide_messages && updates == guide_messages; }
};

/// Polls `items` on another thread; the future holds the error it ends with.
std::future<std::error_code> poll_error_later(std::span<poll_item> items)
{
    return std::async(std::launch::async, [items] {
        std::error_code ec;
        zmtp::poll(items, 5s, ec);
        return ec;
    });
}

} // namespace

TEST_CASE("poll: the Guide's two-socket poller, blocking")
{
    zmtp::context ctx;
    two_sources s(ctx);
    std::array<poll_item, 2> items{{{&s.receiver}, {&s.subscriber}}};
    while (!s.done()) {
        REQUIRE(zmtp::poll(items, 5s) > 0);
        std::error_code ec;
        if (has(items[0].revents, wait_type::read))
            if (auto m = s.receiver.try_receive(ec))
                s.got_task(*m);
        if (has(items[1].revents, wait_type::read))
            if (auto m = s.subscriber.try_receive(ec))
                s.got_update(*m);
    }
    CHECK(s.tasks == guide_messages);
    CHECK(s.updates == guide_messages);
}

TEST_CASE("poll: the Guide's two-socket poller, as a coroutine")
{
    zmtp::context ctx;
    two_sources s(ctx);
    asio::io_context io;
    run_coroutine(
        io,
        [&]() -> asio::awaitable<void> {
            while (!s.done()) {
                // Either is ready; take what is there from both (async_wait takes nothing).
                co_await (s.receiver.async_wait(wait_type::read, asio::use_awaitable)
                          || s.subscriber.async_wait(wait_type::read, asio::use_awaitable));
                std::error_code ec;
                while (auto m = s.receiver.try_receive(ec))
                    s.got_task(*m);
                while (auto m = s.subscriber.try_receive(ec))
                    s.got_update(*m);
            }
        },
        60s);
    CHECK(s.done());
}

TEST_CASE("poll: timeouts, zero timeout, and readiness taking nothing")
{
    zmtp::context ctx;
    zmtp::socket a(ctx, socket_type::dealer, test_options());
    a.bind(unique_inproc());
    std::array<poll_item, 1> items{{{&a}}};

    const auto start = std::chrono::steady_clock::now();
    CHECK(zmtp::poll(items, 100ms) == 0);
    CHECK(std::chrono::steady_clock::now() - start >= 95ms);
    CHECK(items[0].revents == wait_type::none);
    CHECK(zmtp::poll(items, 0ms) == 0);

    zmtp::socket b(ctx, socket_type::dealer, test_options());
    b.connect(a.last_endpoint());
    b.send("ping");
    CHECK(zmtp::poll(items, 5s) == 1);
    CHECK(items[0].revents == wait_type::read);
    CHECK(a.ready_for() == (wait_type::read | wait_type::write)); // a connected peer has room
    CHECK(a.receive().back() == "ping"); // still there: poll took nothing
    CHECK(zmtp::poll(items, 0ms) == 0);
}

TEST_CASE("poll: write readiness follows peers and high-water marks")
{
    zmtp::context ctx;
    zmtp::socket dealer(ctx, socket_type::dealer, test_options({.send_hwm = 2, .linger = 0ms}));
    std::array<poll_item, 1> items{{{&dealer, -1, wait_type::write}}};
    CHECK(zmtp::poll(items, 0ms) == 0); // no peer: a send would wait
    const std::string endpoint = unique_ipc();
    dealer.connect(endpoint); // its queue exists at once
    CHECK(zmtp::poll(items, 0ms) == 1);
    CHECK(items[0].revents == wait_type::write);
    dealer.send("1");
    dealer.send("2");
    CHECK(zmtp::poll(items, 50ms) == 0); // full, nobody reads

    // A waiter is woken when room appears.
    auto waited = std::async(std::launch::async, [&] { return zmtp::poll(items, 5s); });
    std::this_thread::sleep_for(50ms);
    zmtp::socket router(ctx, socket_type::router, test_options());
    router.bind(endpoint);
    CHECK(waited.get() == 1);
    CHECK(router.receive().back() == "1");
}

TEST_CASE("poll: sockets and file descriptors together")
{
    zmtp::context ctx;
    zmtp::socket a(ctx, socket_type::dealer, test_options());
    a.bind(unique_inproc());
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    std::array<poll_item, 2> items{{{&a}, {nullptr, fds[0]}}};
    CHECK(zmtp::poll(items, 0ms) == 0);

    auto waited = std::async(std::launch::async, [&] { return zmtp::poll(items, 5s); });
    std::this_thread::sleep_for(50ms);
    CHECK(::write(fds[1], "x", 1) == 1);
    CHECK(waited.get() == 1);
    CHECK(items[0].revents == wait_type::none);
    CHECK(items[1].revents == wait_type::read);

    zmtp::socket b(ctx, socket_type::dealer, test_options());
    b.connect(a.last_endpoint());
    b.send("both");
    const auto start = std::chrono::steady_clock::now();
    while (zmtp::poll(items, 5s) < 2 && std::chrono::steady_clock::now() - start < 5s) {
    }
    CHECK(items[0].revents == wait_type::read);
    CHECK(items[1].revents == wait_type::read);
    ::close(fds[0]);
    ::close(fds[1]);

    std::array<poll_item, 1> bad{{{nullptr, 999'999}}}; // no such descriptor: POLLNVAL
    std::error_code ec;
    CHECK(zmtp::poll(bad, 0ms, ec) == 1);
    CHECK(!ec);
    CHECK(bad[0].revents == wait_type::error);
}

TEST_CASE("poll: a descriptor's error and hang-up come as error whatever it waits for, urgent data as priority")
{
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    ::close(pipe_fds[1]); // the reader sees a hang-up (POLLHUP alone): no read readiness
    std::array<poll_item, 1> item{{{nullptr, pipe_fds[0], wait_type::read}}};
    CHECK(zmtp::poll(item, 0ms) == 1);
    CHECK(item[0].revents == wait_type::error);
    ::close(pipe_fds[0]);

    REQUIRE(::pipe(pipe_fds) == 0);
    ::close(pipe_fds[0]); // the writer sees POLLOUT | POLLERR
    item[0] = {nullptr, pipe_fds[1], wait_type::write};
    CHECK(zmtp::poll(item, 0ms) == 1);
    CHECK(item[0].revents == (wait_type::write | wait_type::error));
    item[0].events = wait_type::priority; // waits for something else: the error still comes
    CHECK(zmtp::poll(item, 0ms) == 1);
    CHECK(item[0].revents == wait_type::error);
    ::close(pipe_fds[1]);

    // TCP urgent data: priority when waited for, and not read.
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    asio::ip::tcp::socket client(io), server(io);
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
    REQUIRE(::send(client.native_handle(), "!", 1, MSG_OOB) == 1);
    std::array<poll_item, 1> urgent{{{nullptr, server.native_handle(), wait_type::read | wait_type::priority}}};
    CHECK(zmtp::poll(urgent, 5s) == 1);
    CHECK(urgent[0].revents == wait_type::priority);
    urgent[0].events = wait_type::read;
    CHECK(zmtp::poll(urgent, 0ms) == 0);
    CHECK(urgent[0].revents == wait_type::none);
}

TEST_CASE("poll: errors - closed, moved-from, terminated, and the executor's own thread")
{
    zmtp::context ctx;
    zmtp::socket a(ctx, socket_type::dealer, test_options());
    a.bind(unique_inproc());
    std::array<poll_item, 1> items{{{&a}}};

    auto waiting = poll_error_later(items);
    std::this_thread::sleep_for(50ms);
    a.close();
    CHECK(waiting.get() == errc::socket_closed);

    zmtp::socket b(ctx, socket_type::dealer, test_options());
    zmtp::socket moved(std::move(b));
    std::array<poll_item, 1> moved_from{{{&b}}};
    CHECK_THROWS_AS(zmtp::poll(moved_from, 0ms), std::system_error);

    asio::io_context io;
    zmtp::socket local(io, socket_type::dealer);
    std::array<poll_item, 1> own{{{&local}}};
    std::error_code ec;
    asio::post(io, [&] { zmtp::poll(own, 10ms, ec); });
    io.run();
    CHECK(ec == errc::blocking_in_executor);

    std::array<poll_item, 1> terminated{{{&moved}}};
    auto ended = poll_error_later(terminated);
    std::this_thread::sleep_for(50ms);
    ctx.shutdown();
    CHECK(ended.get() == errc::context_terminated);
}

TEST_CASE("async_wait: read and write readiness, cancellation, closed sockets")
{
    asio::io_context io;
    zmtp::socket a(io, socket_type::dealer);
    a.bind(unique_inproc());
    zmtp::socket b(io, socket_type::dealer, {.send_hwm = 1});
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        // write: b has no peer, then one.
        std::optional<std::error_code> writable;
        b.async_wait(wait_type::write, [&](std::error_code ec) { writable = ec; });
        co_await sleep_for(20ms);
        CHECK_FALSE(writable);
        b.connect(a.last_endpoint());
        co_await sleep_for(20ms);
        CHECK(writable == std::error_code{});

        // read: completes once a message is there, and leaves it there.
        std::optional<std::error_code> readable;
        a.async_wait(wait_type::read, [&](std::error_code ec) { readable = ec; });
        co_await sleep_for(20ms);
        CHECK_FALSE(readable);
        message hello{"hello"};
        co_await b.async_send(std::move(hello), asio::use_awaitable);
        co_await sleep_for(20ms);
        CHECK(readable == std::error_code{});
        const message got = co_await a.async_receive(asio::use_awaitable);
        CHECK(got.back() == "hello");

        // Cancelled by a timer.
        auto won = co_await (a.async_wait(wait_type::read, asio::use_awaitable) || sleep_for(20ms));
        CHECK(won.index() == 1);

        // Closed: the wait ends with operation_aborted; later waits with socket_closed.
        std::optional<std::error_code> aborted;
        a.async_wait(wait_type::read, [&](std::error_code ec) { aborted = ec; });
        a.close();
        co_await sleep_for(10ms);
        CHECK(aborted == std::error_code(asio::error::operation_aborted));
        std::optional<std::error_code> closed;
        a.async_wait(wait_type::read | wait_type::write, [&](std::error_code ec) { closed = ec; });
        co_await sleep_for(10ms);
        CHECK(closed == std::error_code(errc::socket_closed));
        b.close();
    });
}

TEST_CASE("async_wait: a wait for read or write ends once when the socket closes")
{
    asio::io_context io;
    zmtp::socket a(io, socket_type::dealer); // no peer: neither readable nor writable
    int calls = 0;
    std::error_code result;
    a.async_wait(wait_type::read | wait_type::write, [&](std::error_code ec) {
        ++calls;
        result = ec;
    });
    io.poll();
    io.restart();
    CHECK(calls == 0);
    a.close();
    io.run();
    CHECK(calls == 1);
    CHECK(result == asio::error::operation_aborted);
}

TEST_CASE("poll: REP is not readable for a request it would drop")
{
    zmtp::context ctx;
    zmtp::socket rep(ctx, socket_type::rep, test_options());
    rep.bind(unique_inproc());
    zmtp::socket dealer(ctx, socket_type::dealer, test_options());
    dealer.connect(rep.last_endpoint());
    dealer.send("no delimiter"); // REP drops a request without an envelope
    std::array<poll_item, 1> items{{{&rep}}};
    CHECK(zmtp::poll(items, 200ms) == 0);
    CHECK(rep.ready_for() == wait_type::none);
    message good{"", "request"};
    dealer.send(std::move(good));
    CHECK(zmtp::poll(items, 5s) == 1);
    CHECK(rep.ready_for() == wait_type::read);
    CHECK(parts(rep.receive()) == strings{"request"}); // the one poll saw
    CHECK(rep.ready_for() == wait_type::write);
}

TEST_CASE("poll then ||: examples/two_sockets' two phases, each message exactly once")
{
    // Round after round on the same sockets: four messages through poll, which may report
    // both sockets at once (so the loop must stop itself at four), then the other four
    // through `||` of two receives on an io_context of their own, whose losing receive
    // gives its message back. Every message arrives once and none is left over.
    zmtp::context ctx;
    zmtp::socket tasks(ctx, socket_type::dealer, test_options());
    zmtp::socket updates(ctx, socket_type::dealer, test_options());
    tasks.bind("tcp://127.0.0.1:*");
    updates.bind(unique_inproc());
    zmtp::socket task_source(ctx, socket_type::dealer, test_options());
    zmtp::socket update_source(ctx, socket_type::dealer, test_options());
    task_source.connect(tasks.last_endpoint());
    update_source.connect(updates.last_endpoint());

    constexpr int rounds = 200;
    std::array<poll_item, 2> items{{{&tasks}, {&updates}}};
    int both_ready = 0;
    for (int round = 0; round < rounds; ++round) {
        std::vector<std::string> got;
        for (int i = 0; i < 4; ++i) {
            task_source.send("task " + std::to_string(i));
            update_source.send("update " + std::to_string(i));
        }
        for (int received = 0; received < 4;) {
            REQUIRE(zmtp::poll(items, 5s) > 0);
            if (has(items[0].revents, wait_type::read) && has(items[1].revents, wait_type::read))
                ++both_ready;
            for (poll_item& item : items) {
                if (received < 4 && has(item.revents, wait_type::read)) {
                    got.push_back(parts(item.socket->receive()).back());
                    ++received;
                }
            }
        }
        asio::io_context io;
        run_coroutine(io, [&]() -> asio::awaitable<void> {
            for (int i = 0; i < 4; ++i) {
                auto m = co_await (tasks.async_receive(asio::use_awaitable) || updates.async_receive(asio::use_awaitable));
                got.push_back(parts(m.index() == 0 ? std::get<0>(m) : std::get<1>(m)).back());
            }
        });
        std::sort(got.begin(), got.end());
        REQUIRE(got == std::vector<std::string>{"task 0", "task 1", "task 2", "task 3", "update 0", "update 1",
                                                "update 2", "update 3"});
        REQUIRE(tasks.ready_for() == wait_type::write); // nothing left over for the next round
        REQUIRE(updates.ready_for() == wait_type::write);
    }
    CHECK(both_ready > 0); // the case the loop must stop itself in did come up
}

namespace {
std::atomic<int> signals_handled{0}; // lock-free: safe in a handler, and read by another thread
extern "C" void count_signal(int) { signals_handled.fetch_add(1, std::memory_order_relaxed); }
} // namespace

TEST_CASE("poll: a signal ends the wait with errc interrupted when asked (on_signal::interrupt), else the wait goes on")
{
    struct sigaction action {};
    action.sa_handler = count_signal; // no SA_RESTART: poll(2) sees EINTR
    sigemptyset(&action.sa_mask);
    struct sigaction previous {};
    REQUIRE(sigaction(SIGUSR2, &action, &previous) == 0);
    zmtp::context ctx;
    zmtp::socket pull(ctx, socket_type::pull, test_options());
    pull.bind(unique_inproc());

    for (const zmtp::on_signal mode : {zmtp::on_signal::interrupt, zmtp::on_signal::resume}) {
        CAPTURE(static_cast<int>(mode));
        signals_handled = 0;
        std::error_code ec;
        std::size_t ready = 99;
        std::thread waiter([&] {
            std::array<poll_item, 1> items{poll_item{&pull, -1, wait_type::read}};
            ready = zmtp::poll(items, std::chrono::milliseconds(mode == zmtp::on_signal::interrupt ? 10'000 : 300), ec,
                               mode);
        });
        // Signal until the wait has seen one (one sent before it sleeps is only counted).
        const pthread_t id = waiter.native_handle();
        for (int i = 0; i < 20 && signals_handled < 3; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            pthread_kill(id, SIGUSR2);
        }
        waiter.join();
        CHECK(signals_handled >= 1);
        CHECK(ready == 0);
        if (mode == zmtp::on_signal::interrupt)
            CHECK(ec == std::errc::interrupted);
        else
            CHECK(!ec); // it went on to its timeout
    }
    sigaction(SIGUSR2, &previous, nullptr);
}
