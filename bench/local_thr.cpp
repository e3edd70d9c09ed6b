// local_thr (zmtp): binds a receiver and receives <count> messages of <message-size> bytes,
// printing the throughput from the first to the last. The optional fourth argument names
// the pattern (see bench::thr_pattern): router (default: a ROUTER, each message arriving
// as [routing id, body]), pull (a PULL) or sub (a SUB subscribed to everything). With
// --curve the receiver is a CURVE server (bench::curve_test_keys).
// Written for speed: one io_context thread, one async_receive, then everything already
// queued is drained with try_receive before awaiting again.
// After the last message it sends the sender one empty message: through the ROUTER, or for
// pull and sub on the control pair (a DEALER bound at bench::control_endpoint). remote_thr
// waits for it before closing (see docs/BENCHMARKS.md, "Method": a libzmq receiver over ipc
// drops what is still unread in its kernel buffer when the sender closes); for sub it is
// also the signal to stop sending.
#include "bench_common.hpp"
#include "zmtp_common.hpp"

#include <zmtp/socket.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <exception>
#include <optional>
#include <system_error>

namespace {

struct outcome {
    bench::clock::time_point first{}, last{};
    std::uint64_t bad = 0;
    bool done = false;
};

/// Receives a.count messages of `frames` frames (the body last); returns the last one.
asio::awaitable<zmtp::message> receive_all(zmtp::socket& in, const bench::args& a, std::size_t frames, outcome& out)
{
    const auto check = [&](const zmtp::message& m) {
        if (m.size() != frames || m[frames - 1].size() != a.size)
            ++out.bad;
    };
    zmtp::message m = co_await in.async_receive(asio::use_awaitable);
    out.first = bench::clock::now();
    check(m);
    std::uint64_t received = 1;
    std::error_code ec;
    while (received < a.count) {
        // Drain what is already queued, then wait for more.
        while (received < a.count) {
            std::optional<zmtp::message> next = in.try_receive(ec);
            if (!next)
                break;
            check(*next);
            ++received;
            if (received == a.count)
                m = std::move(*next);
        }
        if (received == a.count)
            break;
        if (ec && ec != zmtp::errc::would_block)
            throw std::system_error(ec);
        m = co_await in.async_receive(asio::use_awaitable);
        check(m);
        ++received;
    }
    out.last = bench::clock::now();
    out.done = true;
    co_return m;
}

asio::awaitable<void> run(zmtp::socket& in, zmtp::socket* control, const bench::thr_args& a, outcome& out)
{
    const std::size_t frames = a.pattern == bench::thr_pattern::router ? 2 : 1;
    zmtp::message last = co_await receive_all(in, a, frames, out);
    zmtp::message ack;
    if (!control) {
        ack.push_back(last[0]); // the sender's routing id
        ack.push_back(zmtp::frame());
        co_await in.async_send(std::move(ack), asio::use_awaitable);
        in.close(); // lingers until the acknowledgement is written
    } else {
        in.close(); // a SUB stops taking what the PUB still sends
        ack.push_back(zmtp::frame());
        co_await control->async_send(std::move(ack), asio::use_awaitable);
        control->close(); // lingers until the acknowledgement is written
    }
}

zmtp::socket_type receiver_type(bench::thr_pattern p)
{
    switch (p) {
    case bench::thr_pattern::pull: return zmtp::socket_type::pull;
    case bench::thr_pattern::sub: return zmtp::socket_type::sub;
    default: return zmtp::socket_type::router;
    }
}

} // namespace

int main(int argc, char** argv)
{
    const bench::thr_args a = bench::parse_thr_args(argc, argv, "bind");
    asio::io_context io(1);
    outcome out;
    try {
        std::optional<zmtp::socket> control;
        if (a.pattern != bench::thr_pattern::router) {
            control.emplace(io, zmtp::socket_type::dealer);
            control->bind(bench::control_endpoint(a.endpoint)); // before the data endpoint listens
        }
        zmtp::socket in(io, receiver_type(a.pattern), bench::data_options(a.curve, bench::curve_role::server));
        if (a.pattern == bench::thr_pattern::sub)
            in.subscribe("");
        in.bind(a.endpoint);
        asio::co_spawn(io, run(in, control ? &*control : nullptr, a, out), [](std::exception_ptr e) {
            if (e)
                std::rethrow_exception(e);
        });
        io.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "local_thr (%s): %s\n", bench::to_string(a.pattern), e.what());
        return 1;
    }
    if (!out.done)
        return 1;
    bench::print_throughput(a.size, a.count, out.last - out.first);
    if (out.bad) {
        std::fprintf(stderr, "local_thr: %llu malformed messages\n", static_cast<unsigned long long>(out.bad));
        return 1;
    }
    return 0;
}
