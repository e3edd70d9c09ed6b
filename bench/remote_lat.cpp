// remote_lat (zmtp): connects a REQ socket, makes <roundtrips> request/reply round trips of
// <message-size> bytes and prints the average latency (half a round trip, as libzmq's
// remote_lat) plus the median and 99th percentile round trip. With --curve the REQ is a
// CURVE client of local_lat (bench::curve_test_keys).
#include "bench_common.hpp"
#include "zmtp_common.hpp"

#include <zmtp/socket.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <cstring>
#include <exception>
#include <system_error>
#include <vector>

namespace {

struct outcome {
    bench::clock::duration total{};
    std::vector<double> roundtrip_us;
    std::uint64_t bad = 0;
    bool done = false;
};

asio::awaitable<void> ping(zmtp::socket& req, const zmtp::frame& body, const bench::args& a, outcome& out)
{
    out.roundtrip_us.reserve(a.count);
    const bench::clock::time_point start = bench::clock::now();
    for (std::uint64_t i = 0; i < a.count; ++i) {
        const bench::clock::time_point t0 = bench::clock::now();
        zmtp::message m;
        m.push_back(body);
        const std::error_code ec = req.try_send(m);
        if (ec == zmtp::errc::would_block)
            co_await req.async_send(std::move(m), asio::use_awaitable);
        else if (ec)
            throw std::system_error(ec);
        zmtp::message reply = co_await req.async_receive(asio::use_awaitable);
        out.roundtrip_us.push_back(bench::micros(bench::clock::now() - t0));
        if (reply.size() != 1 || reply[0].size() != a.size)
            ++out.bad;
    }
    out.total = bench::clock::now() - start;
    out.done = true;
    req.close();
}

} // namespace

int main(int argc, char** argv)
{
    const bench::args a = bench::parse_curve_args(argc, argv, "<connect-endpoint> <message-size> <roundtrip-count>");
    zmtp::frame body = zmtp::frame::with_size(a.size);
    std::memset(body.data(), 'x', body.size());

    asio::io_context io(1);
    zmtp::socket req(io, zmtp::socket_type::req, bench::data_options(a.curve, bench::curve_role::client));
    req.connect(a.endpoint);
    outcome out;
    asio::co_spawn(io, ping(req, body, a, out), [](std::exception_ptr e) {
        if (e)
            std::rethrow_exception(e);
    });
    try {
        io.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "remote_lat: %s\n", e.what());
        return 1;
    }
    if (!out.done)
        return 1;
    bench::print_latency(a.size, a.count, out.total, out.roundtrip_us);
    if (out.bad) {
        std::fprintf(stderr, "remote_lat: %llu malformed replies\n", static_cast<unsigned long long>(out.bad));
        return 1;
    }
    return 0;
}
