// local_thr (zmtp): binds a ROUTER, receives <count> messages of <message-size> bytes (each
// arriving as [routing id, body]) and prints the throughput from the first to the last.
// Written for speed: one io_context thread, one async_receive, then everything already
// queued is drained with try_receive before awaiting again.
// After the last message it sends the DEALER one empty message: remote_thr waits for it
// before closing (see docs/BENCHMARKS.md, "Method": a libzmq receiver over ipc drops what is
// still unread in its kernel buffer when the sender closes).
#include "bench_common.hpp"

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

asio::awaitable<void> receive_all(zmtp::socket& router, const bench::args& a, outcome& out)
{
    const auto check = [&](const zmtp::message& m) {
        if (m.size() != 2 || m[1].size() != a.size)
            ++out.bad;
    };
    zmtp::message m = co_await router.async_receive(asio::use_awaitable);
    out.first = bench::clock::now();
    check(m);
    std::uint64_t received = 1;
    std::error_code ec;
    while (received < a.count) {
        // Drain what is already queued, then wait for more.
        while (received < a.count) {
            std::optional<zmtp::message> next = router.try_receive(ec);
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
        m = co_await router.async_receive(asio::use_awaitable);
        check(m);
        ++received;
    }
    out.last = bench::clock::now();
    out.done = true;
    zmtp::message ack;
    ack.push_back(m[0]); // the sender's routing id
    ack.push_back(zmtp::frame());
    co_await router.async_send(std::move(ack), asio::use_awaitable);
    router.close(); // lingers until the acknowledgement is written
}

} // namespace

int main(int argc, char** argv)
{
    const bench::args a = bench::parse_args(argc, argv, "<bind-endpoint> <message-size> <message-count>");
    asio::io_context io(1);
    zmtp::socket router(io, zmtp::socket_type::router);
    router.bind(a.endpoint);
    outcome out;
    asio::co_spawn(io, receive_all(router, a, out), [](std::exception_ptr e) {
        if (e)
            std::rethrow_exception(e);
    });
    try {
        io.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "local_thr: %s\n", e.what());
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
