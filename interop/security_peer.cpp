// zmtp's side of the pyzmq security tests (interop/pyzmq/security_pyzmq.py): one zmtp
// socket, PLAIN or NULL, as a client or as a server with a zmtp ZAP handler in this
// process, reporting what happened one line at a time on stdout. Frames are printed as
// "x" + hex. Every wait is bounded.
//
//   zmtp_security_peer client ENDPOINT USER PASSWORD [dealer|req]
//     USER "-": a NULL client. Sends ["hello"], then prints the first handshake outcome,
//     the reply (or none within 3 s of a success), and, 500 ms later, the handshake counts:
//       outcome <EVENT> [<error>]
//       reply <frames>   |   reply none
//       handshakes <succeeded> <failed>
//   zmtp_security_peer server ENDPOINT plain|null-DOMAIN [zap|no-zap]
//     A ROUTER: plain_server, or NULL with zap_domain DOMAIN. Prints "endpoint <resolved>",
//     then, as they happen, "event <EVENT> [<error>]" for handshake outcomes and
//     "received <frames>" for each message, answered with [routing id, "echo"] + the body.
//     On "quit" (or end of input) prints "zap <frames>" for each ZAP request and "done".
#include "support/message_parts.hpp"
#include "support/monitor_recorder.hpp"
#include "support/zap_handler.hpp"

#include <zmtp/context.hpp>
#include <zmtp/error.hpp>
#include <zmtp/monitor.hpp>
#include <zmtp/options.hpp>
#include <zmtp/socket.hpp>

#include <poll.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

std::string hex_frames(const std::vector<std::string>& frames)
{
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (const std::string& f : frames) {
        if (!out.empty())
            out += ' ';
        out += 'x';
        for (unsigned char c : f) {
            out += digits[c >> 4];
            out += digits[c & 15];
        }
    }
    return out;
}

/// The errc's name for those a security handshake ends with; "<category>:<value>" else.
std::string error_name(std::error_code ec)
{
    if (ec.category() == zmtp::error_category())
        switch (static_cast<zmtp::errc>(ec.value())) {
        case zmtp::errc::authentication_denied: return "authentication_denied";
        case zmtp::errc::authentication_unavailable: return "authentication_unavailable";
        case zmtp::errc::authentication_error: return "authentication_error";
        case zmtp::errc::malformed_command: return "malformed_command";
        case zmtp::errc::malformed_error_command: return "malformed_error_command";
        case zmtp::errc::peer_error: return "peer_error";
        case zmtp::errc::mechanism_mismatch: return "mechanism_mismatch";
        case zmtp::errc::unexpected_command: return "unexpected_command";
        case zmtp::errc::handshake_timeout: return "handshake_timeout";
        case zmtp::errc::connection_closed: return "connection_closed";
        default: break;
        }
    return std::string(ec.category().name()) + ":" + std::to_string(ec.value());
}

bool is_outcome(zmtp::monitor_event_type t)
{
    using enum zmtp::monitor_event_type;
    return t == handshake_succeeded || t == handshake_failed_auth || t == handshake_failed_protocol
        || t == handshake_failed_no_detail;
}

std::string describe(const zmtp::monitor_event& e)
{
    std::string out(zmtp::to_string(e.type));
    if (e.error)
        out += " " + error_name(e.error);
    return out;
}

void say(const std::string& line)
{
    std::cout << line << std::endl; // flushed: the script reads line by line
}

int run_client(const std::string& endpoint, const std::string& user, const std::string& password,
               const std::string& type)
{
    zmtp::context ctx;
    zmtp::socket_options o = zmtp_test::test_options();
    o.linger = 0ms;
    if (user != "-") {
        o.plain_username = user;
        o.plain_password = password;
    }
    zmtp::socket client(ctx, type == "req" ? zmtp::socket_type::req : zmtp::socket_type::dealer, o);
    zmtp_test::monitor_recorder events(client);
    client.connect(endpoint);
    std::error_code ec;
    client.send(zmtp::message{"hello"}, zmtp::send_flags::dontwait, ec);

    using enum zmtp::monitor_event_type;
    const auto outcome =
        events.wait_for_any({handshake_succeeded, handshake_failed_auth, handshake_failed_protocol,
                             handshake_failed_no_detail},
                            5s);
    if (!outcome) {
        say("outcome none");
        return 1;
    }
    say("outcome " + describe(*outcome));
    std::optional<zmtp::message> reply;
    if (outcome->type == handshake_succeeded)
        reply = client.receive_for(3s);
    say(reply ? "reply " + hex_frames(zmtp_test::parts(*reply)) : std::string("reply none"));
    std::this_thread::sleep_for(500ms);
    const std::size_t failed = events.count(handshake_failed_auth) + events.count(handshake_failed_protocol)
                             + events.count(handshake_failed_no_detail);
    say("handshakes " + std::to_string(events.count(handshake_succeeded)) + " " + std::to_string(failed));
    return 0;
}

/// True once stdin says "quit" or ends; waits at most `timeout` for it.
bool quit_requested(std::chrono::milliseconds timeout)
{
    pollfd in{0, POLLIN, 0};
    if (::poll(&in, 1, static_cast<int>(timeout.count())) <= 0)
        return false;
    std::string line;
    return !std::getline(std::cin, line) || line == "quit";
}

int run_server(const std::string& endpoint, const std::string& mode, bool with_zap)
{
    zmtp::context ctx;
    std::unique_ptr<zmtp_test::zap_handler> zap;
    if (with_zap)
        zap = std::make_unique<zmtp_test::zap_handler>(ctx);
    zmtp::socket_options o = zmtp_test::test_options();
    o.linger = 0ms;
    if (mode == "plain")
        o.plain_server = true;
    else if (mode.starts_with("null-"))
        o.zap_domain = mode.substr(5);
    else {
        std::cerr << "unknown server mode " << mode << "\n";
        return 2;
    }
    zmtp::socket server(ctx, zmtp::socket_type::router, o);
    zmtp_test::monitor_recorder events(server);
    server.bind(endpoint);
    say("endpoint " + server.last_endpoint());

    std::size_t reported = 0;
    // At most 60 s, in case the script dies without closing our input.
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!quit_requested(20ms) && std::chrono::steady_clock::now() < deadline) {
        const std::vector<zmtp::monitor_event> seen = events.events();
        for (; reported < seen.size(); ++reported)
            if (is_outcome(seen[reported].type))
                say("event " + describe(seen[reported]));
        std::error_code ec;
        zmtp::message m = server.receive(zmtp::recv_flags::dontwait, ec);
        if (ec)
            continue;
        const std::vector<std::string> frames = zmtp_test::parts(m);
        say("received " + hex_frames(frames));
        zmtp::message reply;
        reply.push_back(std::string_view(frames[0]));
        reply.push_back(std::string_view("echo"));
        for (std::size_t i = 1; i < frames.size(); ++i)
            reply.push_back(std::string_view(frames[i]));
        server.send(std::move(reply), zmtp::send_flags::dontwait, ec);
    }
    if (zap)
        for (const zmtp::message& r : zap->requests())
            say("zap " + hex_frames(zmtp_test::parts(r)));
    say("done");
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    const std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (args.size() >= 4 && args[0] == "client")
            return run_client(args[1], args[2], args[3], args.size() > 4 ? args[4] : "dealer");
        if (args.size() >= 3 && args[0] == "server")
            return run_server(args[1], args[2], args.size() < 4 || args[3] != "no-zap");
    } catch (const std::exception& e) {
        std::cerr << "zmtp_security_peer: " << e.what() << "\n";
        return 1;
    }
    std::cerr << "usage: zmtp_security_peer client ENDPOINT USER|- PASSWORD [dealer|req]\n"
                 "       zmtp_security_peer server ENDPOINT plain|null-DOMAIN [zap|no-zap]\n";
    return 2;
}
