// A DEALER and a ROUTER on one io_context, written as C++20 coroutines.
#include <zmtp/socket.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <iostream>

asio::awaitable<void> server(zmtp::socket& router)
{
    // A ROUTER receives [routing id, body...] and replies by putting the id first.
    zmtp::message request = co_await router.async_receive(asio::use_awaitable);
    std::cout << "server got: " << request[1].view() << '\n';
    zmtp::message reply;
    reply.push_back(request[0]);
    reply.push_back("world");
    co_await router.async_send(std::move(reply), asio::use_awaitable);
}

asio::awaitable<void> client(zmtp::socket& dealer)
{
    zmtp::message request{"hello"};
    co_await dealer.async_send(std::move(request), asio::use_awaitable);
    zmtp::message reply = co_await dealer.async_receive(asio::use_awaitable);
    std::cout << "client got: " << reply[0].view() << '\n';
}

int main()
{
    asio::io_context io;
    zmtp::socket router(io, zmtp::socket_type::router);
    zmtp::socket dealer(io, zmtp::socket_type::dealer);
    router.bind("tcp://127.0.0.1:*");        // an ephemeral port...
    dealer.connect(router.last_endpoint());  // ...read back here

    asio::co_spawn(io, server(router), asio::detached);
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        co_await client(dealer);
        router.close();
        dealer.close();
    }, asio::detached);
    io.run();
}
