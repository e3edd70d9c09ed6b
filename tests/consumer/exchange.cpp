// Uses an installed zmtp the way an application would: a DEALER and a ROUTER over tcp
// (ephemeral port) as C++20 coroutines on an io_context, then REQ and REP over inproc with
// blocking calls on a zmtp::context. Prints "exchange ok" and exits 0 when every message
// arrived as sent. Built by tests/consumer/library_only.cmake with the flags of
// `pkg-config --cflags --libs zmtp` alone.
#include <zmtp/context.hpp>
#include <zmtp/socket.hpp>
#include <zmtp/version.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <iostream>
#include <string_view>

namespace {

int failures = 0;

void expect(bool ok, std::string_view what)
{
    if (!ok) {
        std::cout << "FAILED: " << what << '\n';
        ++failures;
    }
}

asio::awaitable<void> router_side(zmtp::socket& router)
{
    zmtp::message request = co_await router.async_receive(asio::use_awaitable);
    expect(request.size() == 2 && request[1].view() == "ping", "ROUTER got [id, ping]");
    zmtp::message reply;
    reply.push_back(request[0]);
    reply.push_back("pong");
    co_await router.async_send(std::move(reply), asio::use_awaitable);
}

asio::awaitable<void> dealer_side(zmtp::socket& dealer, zmtp::socket& router)
{
    zmtp::message request{"ping"};
    co_await dealer.async_send(std::move(request), asio::use_awaitable);
    zmtp::message reply = co_await dealer.async_receive(asio::use_awaitable);
    expect(reply.size() == 1 && reply[0].view() == "pong", "DEALER got pong");
    dealer.close();
    router.close();
}

} // namespace

int main()
{
    {
        asio::io_context io;
        zmtp::socket router(io, zmtp::socket_type::router);
        zmtp::socket dealer(io, zmtp::socket_type::dealer);
        router.bind("tcp://127.0.0.1:*");
        dealer.connect(router.last_endpoint());
        asio::co_spawn(io, router_side(router), asio::detached);
        asio::co_spawn(io, dealer_side(dealer, router), asio::detached);
        io.run();
    }
    {
        zmtp::context ctx;
        const zmtp::socket_options timeouts{.send_timeout = std::chrono::seconds(10),
                                            .receive_timeout = std::chrono::seconds(10)};
        zmtp::socket rep(ctx, zmtp::socket_type::rep, timeouts);
        zmtp::socket req(ctx, zmtp::socket_type::req, timeouts);
        rep.bind("inproc://consumer-exchange");
        req.connect("inproc://consumer-exchange");
        req.send(zmtp::message{"hello"});
        const zmtp::message request = rep.receive();
        expect(request.size() == 1 && request[0].view() == "hello", "REP got hello");
        rep.send(zmtp::message{"world"});
        const zmtp::message reply = req.receive();
        expect(reply.size() == 1 && reply[0].view() == "world", "REQ got world");
    }
    if (failures != 0)
        return 1;
    std::cout << "exchange ok (zmtp " << zmtp::version_string() << ")\n";
    return 0;
}
