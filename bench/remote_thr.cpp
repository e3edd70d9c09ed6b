// remote_thr (zmtp): connects a sender and sends messages of <message-size> bytes to
// local_thr. The optional fourth argument names the pattern (see bench::thr_pattern):
// - router (default): a DEALER sends <count> messages, then waits for local_thr's
//   acknowledgement (one empty message after the last one) and exits;
// - pull: a PUSH sends <count> messages, then waits for the acknowledgement on the control
//   pair (a DEALER connected to bench::control_endpoint);
// - sub: a PUB sends until that acknowledgement comes (it looks every
//   bench::sender_batch messages): what it sends before local_thr's subscription arrives,
//   or past its high-water mark, is dropped, as a PUB does.
// close() lingers while the io_context runs. Written for speed: try_send in a loop,
// co_await async_send only when it answers would_block; the body is built once and copied
// into each message (inline up to 40 bytes, else shared). With --curve the sender is a
// CURVE client of local_thr (bench::curve_test_keys).
#include "bench_common.hpp"
#include "zmtp_common.hpp"

#include <zmtp/socket.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <cstring>
#include <exception>
#include <optional>
#include <system_error>

namespace {

/// Sends `count` messages; waits while `out` says would_block.
asio::awaitable<void> send_count(zmtp::socket& out, const zmtp::frame& body, std::uint64_t count)
{
    for (std::uint64_t i = 0; i < count; ++i) {
        zmtp::message m;
        m.push_back(body);
        const std::error_code ec = out.try_send(m);
        if (!ec)
            continue;
        if (ec != zmtp::errc::would_block)
            throw std::system_error(ec);
        co_await out.async_send(std::move(m), asio::use_awaitable);
    }
}

/// Sends until a message arrives on `control`; counts what it sent in `sent`. Between
/// batches it lets the io_context run (the writes are on this thread, and a PUB's try_send
/// never waits).
asio::awaitable<void> send_until_stopped(zmtp::socket& out, zmtp::socket& control, const zmtp::frame& body,
                                         std::uint64_t& sent)
{
    const auto ex = co_await asio::this_coro::executor;
    std::error_code ec;
    for (;;) {
        co_await send_count(out, body, bench::sender_batch);
        sent += bench::sender_batch;
        if (control.try_receive(ec))
            co_return;
        if (ec != zmtp::errc::would_block)
            throw std::system_error(ec);
        co_await asio::post(ex, asio::use_awaitable);
    }
}

asio::awaitable<void> run(zmtp::socket& out, zmtp::socket* control, const zmtp::frame& body, const bench::thr_args& a,
                          std::uint64_t& sent)
{
    switch (a.pattern) {
    case bench::thr_pattern::router:
        co_await send_count(out, body, a.count);
        co_await out.async_receive(asio::use_awaitable); // local_thr has them all
        break;
    case bench::thr_pattern::pull:
        co_await send_count(out, body, a.count);
        co_await control->async_receive(asio::use_awaitable); // local_thr has them all
        break;
    case bench::thr_pattern::sub:
        co_await send_until_stopped(out, *control, body, sent);
        break;
    }
    out.close();
    if (control)
        control->close();
}

zmtp::socket_type sender_type(bench::thr_pattern p)
{
    switch (p) {
    case bench::thr_pattern::pull: return zmtp::socket_type::push;
    case bench::thr_pattern::sub: return zmtp::socket_type::pub;
    default: return zmtp::socket_type::dealer;
    }
}

} // namespace

int main(int argc, char** argv)
{
    const bench::thr_args a = bench::parse_thr_args(argc, argv, "connect");
    zmtp::frame body = zmtp::frame::with_size(a.size);
    std::memset(body.data(), 'x', body.size());

    asio::io_context io(1);
    std::uint64_t sent = 0;
    try {
        std::optional<zmtp::socket> control;
        if (a.pattern != bench::thr_pattern::router) {
            control.emplace(io, zmtp::socket_type::dealer);
            control->connect(bench::control_endpoint(a.endpoint));
        }
        zmtp::socket_options options = bench::data_options(a.curve, bench::curve_role::client);
        if (a.pattern == bench::thr_pattern::sub)
            options.linger = std::chrono::milliseconds(0); // what is still queued at the stop is not wanted
        zmtp::socket out(io, sender_type(a.pattern), options);
        out.connect(a.endpoint);
        asio::co_spawn(io, run(out, control ? &*control : nullptr, body, a, sent), [](std::exception_ptr e) {
            if (e)
                std::rethrow_exception(e);
        });
        io.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "remote_thr (%s): %s\n", bench::to_string(a.pattern), e.what());
        return 1;
    }
    if (a.pattern == bench::thr_pattern::sub)
        bench::print_sent(sent);
    return 0;
}
