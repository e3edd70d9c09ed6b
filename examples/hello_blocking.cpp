// REQ and REP with blocking calls: a zmtp::context runs the I/O on its own thread.
#include <zmtp/context.hpp>
#include <zmtp/socket.hpp>

#include <iostream>

int main()
{
    zmtp::context ctx;
    zmtp::socket rep(ctx, zmtp::socket_type::rep);
    zmtp::socket req(ctx, zmtp::socket_type::req, {.receive_timeout = std::chrono::seconds(5)});
    rep.bind("ipc://hello-blocking.ipc");
    req.connect("ipc://hello-blocking.ipc");

    req.send(zmtp::message{"hello"});
    std::cout << "rep got: " << rep.receive()[0].view() << '\n';
    rep.send(zmtp::message{"world"});
    std::cout << "req got: " << req.receive()[0].view() << '\n';
}
