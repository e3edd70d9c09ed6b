// zmtp's side of the security interop tests against pyzmq (interop/pyzmq/security_pyzmq.py)
// and Node.js `zeromq` (interop/node/security_node.js): one zmtp socket, NULL, PLAIN or
// CURVE, as a client or as a server with a ZAP handler in this process, reporting what
// happened one line at a time on stdout. Frames are written as "x" + hex ("x" alone is an
// empty frame). Keys are Z85 text, as libzmq's options take them. Every wait is bounded.
//
//   zmtp_security_peer client ENDPOINT [OPTION...]
//     --plain USER PASSWORD     a PLAIN client
//     --curve SERVER_KEY SECRET_KEY   a CURVE client of the server with that public key
//     (neither: a NULL client)
//     --req                     a REQ socket (default: a DEALER)
//     --metadata NAME VALUE     a property (X-...) sent in the handshake; repeatable
//     --send "FRAME..."         a message to send; repeatable (default: one "hello")
//   Sends the first message, then prints the first handshake outcome; after a success,
//   prints each reply (waiting at most 3 s) and sends the next message; after the last
//   one, or the first missing reply, waits 500 ms and prints the handshake counts:
//       outcome <EVENT> [<error>]
//       reply <frames>   |   reply none          (one line a message, up to the first none)
//       handshakes <succeeded> <failed>
//
//   zmtp_security_peer server ENDPOINT [OPTION...]
//     --plain                   a PLAIN server
//     --null-domain DOMAIN      NULL, asking ZAP with this zap_domain
//     --curve SECRET_KEY        a CURVE server
//     --metadata NAME VALUE     a property (X-...) sent in the handshake; repeatable
//     ZAP handler (default: the test handler of tests/support/zap_handler.hpp, which admits
//     admin/secret and domain "open"):
//     --certificates DIR        zmtp::authenticator admitting the CURVE keys of the
//                               certificate files in DIR
//     --allow-curve KEY         zmtp::authenticator admitting this CURVE client key
//   A ROUTER. Prints "endpoint <resolved>", then, as they happen, "event <EVENT> [<error>]"
//   for handshake outcomes and "received <frames>" for each message, answered with
//   [routing id, "echo"] + the body. On "quit" (or end of input) prints "zap <frames>" for
//   each request the test handler saw, "certificates <n>" for the keys found in DIR, and
//   "done".
#include "support/message_parts.hpp"
#include "support/monitor_recorder.hpp"
#include "support/zap_handler.hpp"

#include <zmtp/authenticator.hpp>
#include <zmtp/context.hpp>
#include <zmtp/curve_key.hpp>
#include <zmtp/error.hpp>
#include <zmtp/monitor.hpp>
#include <zmtp/options.hpp>
#include <zmtp/socket.hpp>

#include <asio/error.hpp>

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
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

/// The message written as hex_frames() writes one: "x" + hex per frame, space-separated.
zmtp::message parse_hex_frames(std::string_view text)
{
    auto nibble = [](char c) {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        throw std::invalid_argument("not a hex digit in a frame");
    };
    zmtp::message m;
    while (!text.empty()) {
        const std::string_view word = text.substr(0, text.find(' '));
        text.remove_prefix(std::min(text.size(), word.size() + 1));
        if (word.empty())
            continue;
        if (word[0] != 'x' || word.size() % 2 == 0)
            throw std::invalid_argument("a frame is x followed by pairs of hex digits");
        std::string bytes;
        for (std::size_t i = 1; i < word.size(); i += 2)
            bytes += static_cast<char>(nibble(word[i]) << 4 | nibble(word[i + 1]));
        m.push_back(std::string_view(bytes));
    }
    if (m.empty())
        throw std::invalid_argument("a message needs at least one frame");
    return m;
}

/// The errc's name for those a security handshake ends with, "end_of_file" for the peer
/// closing the connection; "<category>:<value>" else.
std::string error_name(std::error_code ec)
{
    if (ec == asio::error::eof)
        return "end_of_file";
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
        case zmtp::errc::decryption_failed: return "decryption_failed";
        case zmtp::errc::nonce_not_increasing: return "nonce_not_increasing";
        case zmtp::errc::invalid_cookie: return "invalid_cookie";
        case zmtp::errc::invalid_vouch: return "invalid_vouch";
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
    std::cout << line << std::endl; // flushed: the scripts read line by line
}

/// The command line after "client|server ENDPOINT", as the usage at the top describes it.
struct peer_args {
    std::optional<std::pair<std::string, std::string>> plain_credentials; // client --plain
    bool plain_server = false;                                             // server --plain
    std::optional<std::string> null_domain;
    std::optional<std::string> curve_server_key;
    std::optional<std::string> curve_secret_key;
    bool req = false;
    std::map<std::string, std::string> metadata;
    std::vector<zmtp::message> messages;
    std::optional<std::string> certificates;
    std::optional<std::string> allow_curve;
};

peer_args parse_args(bool client, const std::vector<std::string>& args)
{
    peer_args out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& flag = args[i];
        auto value = [&] {
            if (++i >= args.size())
                throw std::invalid_argument(flag + " needs a value");
            return args[i];
        };
        if (flag == "--plain" && client) {
            std::string user = value();
            out.plain_credentials.emplace(std::move(user), value());
        } else if (flag == "--plain")
            out.plain_server = true;
        else if (flag == "--curve" && client) {
            out.curve_server_key = value();
            out.curve_secret_key = value();
        } else if (flag == "--curve")
            out.curve_secret_key = value();
        else if (flag == "--metadata") {
            std::string name = value();
            out.metadata[name] = value();
        } else if (flag == "--req" && client)
            out.req = true;
        else if (flag == "--send" && client)
            out.messages.push_back(parse_hex_frames(value()));
        else if (flag == "--null-domain" && !client)
            out.null_domain = value();
        else if (flag == "--certificates" && !client)
            out.certificates = value();
        else if (flag == "--allow-curve" && !client)
            out.allow_curve = value();
        else
            throw std::invalid_argument("unknown option " + flag);
    }
    if (out.messages.empty())
        out.messages.push_back(zmtp::message{"hello"});
    return out;
}

/// The options all peers share: test timeouts, no linger, the CURVE keys and metadata.
zmtp::socket_options common_options(const peer_args& a)
{
    zmtp::socket_options o = zmtp_test::test_options();
    o.linger = 0ms;
    if (a.curve_server_key)
        o.curve_server_key = zmtp::parse_curve_public_key(*a.curve_server_key);
    if (a.curve_secret_key)
        o.curve_secret_key = zmtp::parse_curve_secret_key(*a.curve_secret_key);
    o.metadata = a.metadata;
    return o;
}

int run_client(const std::string& endpoint, const peer_args& a)
{
    zmtp::context ctx;
    zmtp::socket_options o = common_options(a);
    if (a.plain_credentials) {
        o.plain_username = a.plain_credentials->first;
        o.plain_password = a.plain_credentials->second;
    }
    zmtp::socket client(ctx, a.req ? zmtp::socket_type::req : zmtp::socket_type::dealer, o);
    zmtp_test::monitor_recorder events(client);
    client.connect(endpoint);
    std::error_code ec;
    client.send(zmtp::message(a.messages.front()), zmtp::send_flags::dontwait, ec);

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
    for (std::size_t i = 0; i < a.messages.size(); ++i) {
        if (i > 0)
            client.send(zmtp::message(a.messages[i]));
        std::optional<zmtp::message> reply;
        if (outcome->type == handshake_succeeded)
            reply = client.receive_for(3s);
        say(reply ? "reply " + hex_frames(zmtp_test::parts(*reply)) : std::string("reply none"));
        if (!reply)
            break;
    }
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

int run_server(const std::string& endpoint, const peer_args& a)
{
    zmtp::context ctx;
    std::unique_ptr<zmtp_test::zap_handler> test_zap;
    std::unique_ptr<zmtp::authenticator> auth;
    std::size_t certificates = 0;
    if (a.certificates || a.allow_curve) {
        auth = std::make_unique<zmtp::authenticator>(ctx);
        if (a.certificates)
            certificates = auth->load_curve_certificates(*a.certificates);
        if (a.allow_curve)
            auth->allow_curve(zmtp::parse_curve_public_key(*a.allow_curve));
        auth->start();
    } else
        test_zap = std::make_unique<zmtp_test::zap_handler>(ctx);

    zmtp::socket_options o = common_options(a);
    o.plain_server = a.plain_server;
    o.curve_server = a.curve_secret_key.has_value();
    if (a.null_domain)
        o.zap_domain = *a.null_domain;
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
    if (test_zap)
        for (const zmtp::message& r : test_zap->requests())
            say("zap " + hex_frames(zmtp_test::parts(r)));
    if (a.certificates)
        say("certificates " + std::to_string(certificates));
    say("done");
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    const std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (args.size() >= 2 && (args[0] == "client" || args[0] == "server")) {
            const bool client = args[0] == "client";
            const peer_args parsed = parse_args(client, {args.begin() + 2, args.end()});
            return client ? run_client(args[1], parsed) : run_server(args[1], parsed);
        }
    } catch (const std::exception& e) {
        std::cerr << "zmtp_security_peer: " << e.what() << "\n";
        return 2;
    }
    std::cerr << "usage: zmtp_security_peer client ENDPOINT [--plain USER PASSWORD | --curve SERVER_KEY SECRET_KEY]\n"
                 "           [--req] [--metadata NAME VALUE]... [--send FRAMES]...\n"
                 "       zmtp_security_peer server ENDPOINT [--plain | --null-domain DOMAIN | --curve SECRET_KEY]\n"
                 "           [--metadata NAME VALUE]... [--certificates DIR] [--allow-curve KEY]\n";
    return 2;
}
