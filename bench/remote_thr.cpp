// remote_thr (zmtp): connects a DEALER, sends <count> messages of <message-size> bytes,
// waits for local_thr's acknowledgement (one empty message after the last one) and exits
// (close() lingers while the io_context runs). Written for
// speed: try_send in a loop, co_await async_send only when it answers would_block; the
// body is built once and copied into each message (inline up to 40 bytes, else shared).
#include "bench_common.hpp"

#include <zmtp/socket.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <cstring>
#include <exception>
#include <system_error>

namespace {

asio::awaitable<void> send_all(zmtp::socket& dealer, const zmtp::frame& body, std::uint64_t count)
{
    for (std::uint64_t i = 0; i < count; ++i) {
        zmtp::message m;
        m.push_back(body);
        const std::error_code ec = dealer.try_send(m);
        if (!ec)
            continue;
        if (ec != zmtp::errc::would_block)
            throw std::system_error(ec);
        co_await dealer.async_send(std::move(m), asio::use_awaitable);
    }
    co_await dealer.async_receive(asio::use_awaitable); // local_thr has them all
    dealer.close();
}

} // namespace

int main(int argc, char** argv)
{
    const bench::args a = bench::parse_args(argc, argv, "<connect-endpoint> <message-size> <message-count>");
    zmtp::frame body = zmtp::frame::with_size(a.size);
    std::memset(body.data(), 'x', body.size());

    asio::io_context io(1);
    zmtp::socket dealer(io, zmtp::socket_type::dealer);
    dealer.connect(a.endpoint);
    asio::co_spawn(io, send_all(dealer, body, a.count), [](std::exception_ptr e) {
        if (e)
            std::rethrow_exception(e);
    });
    try {
        io.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "remote_thr: %s\n", e.what());
        return 1;
    }
    return 0;
}
