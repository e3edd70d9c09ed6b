// handshake_rate (zmtp): connections per second, each one's handshake finished.
//   handshake_rate server <bind-endpoint> <message-size> <count> [--curve]
//       a ROUTER that echoes <count> messages, then exits
//   handshake_rate client <connect-endpoint> <message-size> <count> [--curve]
//       <count> times, one after the other: makes a DEALER, connects, sends one message of
//       <message-size> bytes, waits for its echo and closes the socket; prints the rate
// The echo is what says "handshake done": a peer takes a message only once its handshake
// is over (over CURVE, the message is boxed with the session's keys), so it arriving back
// means both sides finished, whatever each library reports when. The same criterion is
// kept by libzmq_handshake_rate, with the same sockets and the same wire traffic, so the
// rates compare; each connection also costs one small round trip, as it would in use.
// With --curve the server is a CURVE server, the client a CURVE client with the fixed
// client key pair (bench::curve_test_keys), so no connection makes a key pair.
#include "bench_common.hpp"
#include "zmtp_common.hpp"

#include <zmtp/socket.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <cstring>
#include <exception>
#include <optional>
#include <system_error>
#include <vector>

namespace {

struct outcome {
    bench::clock::duration total{};
    std::vector<double> handshake_us;
    std::uint64_t bad = 0;
    bool done = false;
};

asio::awaitable<void> echo(zmtp::socket& router, const bench::args& a, outcome& out)
{
    for (std::uint64_t i = 0; i < a.count; ++i) {
        zmtp::message m = co_await router.async_receive(asio::use_awaitable);
        if (m.size() != 2 || m[1].size() != a.size)
            ++out.bad;
        const std::error_code ec = router.try_send(m);
        if (ec == zmtp::errc::would_block)
            co_await router.async_send(std::move(m), asio::use_awaitable);
        else if (ec)
            throw std::system_error(ec);
    }
    out.done = true;
    router.close(); // lingers until the last echo is written
}

asio::awaitable<void> connect_each(asio::io_context& io, const zmtp::frame& body, const bench::args& a, outcome& out)
{
    const zmtp::socket_options options = bench::data_options(a.curve, bench::curve_role::client);
    out.handshake_us.reserve(a.count);
    const bench::clock::time_point start = bench::clock::now();
    for (std::uint64_t i = 0; i < a.count; ++i) {
        const bench::clock::time_point t0 = bench::clock::now();
        zmtp::socket dealer(io, zmtp::socket_type::dealer, options);
        dealer.connect(a.endpoint);
        zmtp::message m;
        m.push_back(body);
        co_await dealer.async_send(std::move(m), asio::use_awaitable); // queued until the handshake ends
        const zmtp::message reply = co_await dealer.async_receive(asio::use_awaitable);
        out.handshake_us.push_back(bench::micros(bench::clock::now() - t0));
        if (reply.size() != 1 || reply[0].size() != a.size)
            ++out.bad;
        dealer.close(); // nothing is queued: the connection goes down in the background
    }
    out.total = bench::clock::now() - start;
    out.done = true;
}

} // namespace

int main(int argc, char** argv)
{
    const bench::handshake_args a = bench::parse_handshake_args(argc, argv);
    const char* mode = a.server ? "server" : "client";
    zmtp::frame body = zmtp::frame::with_size(a.size);
    std::memset(body.data(), 'x', body.size());

    asio::io_context io(1);
    outcome out;
    try {
        std::optional<zmtp::socket> router;
        if (a.server) {
            router.emplace(io, zmtp::socket_type::router, bench::data_options(a.curve, bench::curve_role::server));
            router->bind(a.endpoint);
        }
        asio::co_spawn(io, router ? echo(*router, a, out) : connect_each(io, body, a, out), [](std::exception_ptr e) {
            if (e)
                std::rethrow_exception(e);
        });
        io.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "handshake_rate %s: %s\n", mode, e.what());
        return 1;
    }
    if (!out.done)
        return 1;
    if (!a.server)
        bench::print_handshakes(a.size, a.count, out.total, out.handshake_us);
    if (out.bad) {
        std::fprintf(stderr, "handshake_rate %s: %llu malformed messages\n", mode,
                     static_cast<unsigned long long>(out.bad));
        return 1;
    }
    return 0;
}
