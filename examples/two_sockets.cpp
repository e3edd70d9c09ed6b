// Waiting on two sockets at once: zmtp::poll in blocking code, `||` in a coroutine.
// Neither loses a message: a receive that loses the race gives its message back.
#include <zmtp/context.hpp>
#include <zmtp/poll.hpp>
#include <zmtp/socket.hpp>

#include <asio/co_spawn.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <iostream>
#include <string>

using namespace asio::experimental::awaitable_operators;

int main()
{
    zmtp::context ctx;
    zmtp::socket tasks(ctx, zmtp::socket_type::dealer);
    zmtp::socket updates(ctx, zmtp::socket_type::dealer);
    tasks.bind("tcp://127.0.0.1:*");
    updates.bind("inproc://updates");

    zmtp::socket task_source(ctx, zmtp::socket_type::dealer);
    zmtp::socket update_source(ctx, zmtp::socket_type::dealer);
    task_source.connect(tasks.last_endpoint());
    update_source.connect("inproc://updates");
    for (int i = 0; i < 4; ++i) {
        task_source.send("task " + std::to_string(i));
        update_source.send("update " + std::to_string(i));
    }

    // Blocking: zmtp::poll, like zmq_poll, until four messages came.
    zmtp::poll_item items[] = {{&tasks}, {&updates}};
    for (int received = 0; received < 4;) {
        zmtp::poll(items); // no timeout: until one is ready
        for (zmtp::poll_item& item : items) {
            // Both may be ready at once: take no more than four, the rest are for `||`.
            if (received < 4 && has(item.revents, zmtp::wait_type::read)) {
                std::cout << "poll: " << item.socket->receive()[0].view() << '\n';
                ++received;
            }
        }
    }

    // A coroutine: `||` of two receives, for the other four.
    asio::io_context io;
    auto done = asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 4; ++i) {
            auto got = co_await (tasks.async_receive(asio::use_awaitable) || updates.async_receive(asio::use_awaitable));
            const zmtp::message& m = got.index() == 0 ? std::get<0>(got) : std::get<1>(got);
            std::cout << "co_await ||: " << m[0].view() << '\n';
        }
    }, asio::use_future);
    io.run();
    done.get();
}
