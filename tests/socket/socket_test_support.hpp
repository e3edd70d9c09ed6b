// Helpers for the socket tests: unique endpoints, running an io_context until a
// coroutine finishes, and a blocking-API fixture with timeouts so nothing hangs.
#pragma once

#include "zmtp/socket.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>

namespace zmtp_test {

using namespace std::chrono_literals;

/// A fresh ipc endpoint under /tmp, unique per process and call.
inline std::string unique_ipc()
{
    static std::atomic<int> counter{0};
    return "ipc:///tmp/zmtp-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".ipc";
}

/// A fresh inproc name, unique per process and call.
inline std::string unique_inproc()
{
    static std::atomic<int> counter{0};
    return "inproc://zmtp-test-" + std::to_string(counter++);
}

/// Options with a receive/send timeout so blocking calls in tests cannot hang.
inline zmtp::socket_options test_options(zmtp::socket_options o = {})
{
    if (!o.receive_timeout)
        o.receive_timeout = 5s;
    if (!o.send_timeout)
        o.send_timeout = 5s;
    return o;
}

/// Runs `io` until the coroutine `body` finishes (rethrowing its exception) or `limit`
/// passes (a failure).
template <class Body>
void run_coroutine(asio::io_context& io, Body body, std::chrono::milliseconds limit = 10s)
{
    std::future<void> done = asio::co_spawn(io, std::move(body), asio::use_future);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (done.wait_for(0s) != std::future_status::ready && std::chrono::steady_clock::now() < deadline)
        io.run_for(10ms);
    REQUIRE_MESSAGE(done.wait_for(0s) == std::future_status::ready, "coroutine did not finish in time");
    done.get();
}

/// Sleeps inside a coroutine.
inline asio::awaitable<void> sleep_for(std::chrono::milliseconds d)
{
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    co_await t.async_wait(asio::use_awaitable);
}

/// The frames of `m` as strings, for easy comparison.
inline std::vector<std::string> parts(const zmtp::message& m)
{
    std::vector<std::string> out;
    for (const zmtp::frame& f : m)
        out.push_back(f.to_string());
    return out;
}

using strings = std::vector<std::string>;

} // namespace zmtp_test
