// filer-worker: one REP worker of the file service. Each request is JSON {"path": "..."};
// the reply carries the file's content, a timestamp and our pid, or an error.
#include "filer_protocol.hpp"

#include <zmtp/context.hpp>
#include <zmtp/socket.hpp>

#include <csignal>
#include <cstdio>
#include <string>

namespace {

volatile std::sig_atomic_t stopping = 0;

void stop(int) { stopping = 1; }

} // namespace

int main(int argc, char** argv)
{
    std::string endpoint;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string(argv[i]) == "--connect")
            endpoint = argv[++i];
    if (endpoint.empty()) {
        std::fprintf(stderr, "usage: filer-worker --connect ENDPOINT\n");
        return 2;
    }
    std::signal(SIGINT, stop);
    std::signal(SIGTERM, stop);

    zmtp::context ctx;
    // A short receive timeout lets the loop notice a signal promptly.
    zmtp::socket responder(ctx, zmtp::socket_type::rep,
                           {.linger = std::chrono::milliseconds(0), .receive_timeout = std::chrono::milliseconds(100)});
    responder.connect(endpoint);
    while (!stopping) {
        std::error_code ec;
        const zmtp::message request = responder.receive(zmtp::recv_flags::none, ec);
        if (ec == zmtp::errc::would_block)
            continue;
        if (ec) {
            std::fprintf(stderr, "filer-worker: %s\n", ec.message().c_str());
            return 1;
        }
        responder.send(zmtp::message{filer::answer(request[0].view())}, zmtp::send_flags::none, ec);
    }
    return 0;
}
