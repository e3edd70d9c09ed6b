// local_lat (zmtp): binds a REP socket and echoes <roundtrips> messages of <message-size>
// bytes back to the requester. One io_context thread; a request already queued is taken
// with try_receive, the reply goes out with try_send (REP never waits). With --curve the
// REP is a CURVE server (bench::curve_test_keys).
#include "bench_common.hpp"
#include "zmtp_common.hpp"

#include <zmtp/socket.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <exception>
#include <optional>
#include <system_error>

namespace {

asio::awaitable<void> echo(zmtp::socket& rep, const bench::args& a, std::uint64_t& bad, bool& done)
{
    std::error_code ec;
    for (std::uint64_t i = 0; i < a.count; ++i) {
        // (No co_await inside ?: : GCC 12 miscompiles that.)
        std::optional<zmtp::message> queued = rep.try_receive(ec);
        zmtp::message m;
        if (queued)
            m = std::move(*queued);
        else
            m = co_await rep.async_receive(asio::use_awaitable);
        if (m.size() != 1 || m[0].size() != a.size)
            ++bad;
        ec = rep.try_send(m);
        if (ec == zmtp::errc::would_block)
            co_await rep.async_send(std::move(m), asio::use_awaitable);
        else if (ec)
            throw std::system_error(ec);
    }
    done = true;
    rep.close(); // lingers until the last reply is written
}

} // namespace

int main(int argc, char** argv)
{
    const bench::args a = bench::parse_curve_args(argc, argv, "<bind-endpoint> <message-size> <roundtrip-count>");
    asio::io_context io(1);
    zmtp::socket rep(io, zmtp::socket_type::rep, bench::data_options(a.curve, bench::curve_role::server));
    rep.bind(a.endpoint);
    std::uint64_t bad = 0;
    bool done = false;
    asio::co_spawn(io, echo(rep, a, bad, done), [](std::exception_ptr e) {
        if (e)
            std::rethrow_exception(e);
    });
    try {
        io.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "local_lat: %s\n", e.what());
        return 1;
    }
    if (bad)
        std::fprintf(stderr, "local_lat: %llu malformed messages\n", static_cast<unsigned long long>(bad));
    return done && !bad ? 0 : 1;
}
