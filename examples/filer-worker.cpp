// filer-worker: one REP worker of the file service. Each request is JSON {"path": "..."},
// a path relative to the root directory (--root, default the current directory); the reply
// carries the file's content, a timestamp and our pid, or an error. Only regular files below
// the root and at most --max-bytes long are served (examples/filer_files.hpp).
#include "filer_protocol.hpp"
#include "filer_security.hpp"

#include <zmtp/context.hpp>
#include <zmtp/socket.hpp>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace {

volatile std::sig_atomic_t stopping = 0;

void stop(int) { stopping = 1; }

struct settings {
    std::string endpoint;
    filer::root_options files;
    filer::security_options security;
};

bool parse(int argc, char** argv, settings& s)
{
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc)
            return false;
        if (arg == "--connect")
            s.endpoint = argv[++i];
        else if (s.files.take(arg, argv[i + 1]) || s.security.take(arg, argv[i + 1]))
            ++i;
        else
            return false;
    }
    return !s.endpoint.empty();
}

} // namespace

int main(int argc, char** argv)
{
    settings s;
    if (!parse(argc, argv, s)) {
        std::fprintf(stderr, "usage: filer-worker --connect ENDPOINT [--root DIR] [--max-bytes N]\n"
                             "       [--curve-server-key Z85 [--curve-secret-key Z85] | --plain-user NAME "
                             "--plain-password PW]\n");
        return 2;
    }
    const std::optional<filer::file_root> files = s.files.open("filer-worker");
    if (!files)
        return 2;
    std::signal(SIGINT, stop);
    std::signal(SIGTERM, stop);

    // A short receive timeout lets the loop notice a signal promptly.
    zmtp::socket_options options{.linger = std::chrono::milliseconds(0),
                                 .receive_timeout = std::chrono::milliseconds(100)};
    if (!s.security.apply("filer-worker", false, options))
        return 2;
    zmtp::context ctx;
    zmtp::socket responder(ctx, zmtp::socket_type::rep, options);
    responder.connect(s.endpoint);
    while (!stopping) {
        std::error_code ec;
        const zmtp::message request = responder.receive(zmtp::recv_flags::none, ec);
        if (ec == zmtp::errc::would_block)
            continue;
        if (ec) {
            std::fprintf(stderr, "filer-worker: %s\n", ec.message().c_str());
            return 1;
        }
        responder.send(zmtp::message{filer::answer(request[0].view(), *files)}, zmtp::send_flags::none, ec);
    }
    return 0;
}
