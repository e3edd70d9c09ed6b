// Helpers for the socket tests: running an io_context until a coroutine finishes, draining
// a socket, and (from tests/support/, shared with the other test suites) unique endpoints,
// options with timeouts so nothing hangs, and messages as strings.
#pragma once

#include "support/endpoints.hpp"
#include "support/message_parts.hpp"
#include "support/test_options.hpp"
#include "zmtp/socket.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <future>

namespace zmtp_test {

using namespace std::chrono_literals;

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

/// Every message `s` receives within `quiet` of the last, as strings of frame 0.
inline strings drain(zmtp::socket& s, std::chrono::milliseconds quiet = 100ms)
{
    strings got;
    while (const auto m = s.receive_for(quiet))
        got.push_back((*m)[0].to_string());
    return got;
}

} // namespace zmtp_test
