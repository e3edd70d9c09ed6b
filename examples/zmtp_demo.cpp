// zmtp_demo: two ZMTP 3.1 connections, a DEALER and a ROUTER, wired together in memory.
// It shows the sans-I/O core at work: every byte each side puts on the wire, annotated,
// through the greeting, the NULL handshake, a request and a reply. No sockets involved.
#include <zmtp/version.hpp>
#include <zmtp/wire/connection.hpp>

#include <cstdio>
#include <string>
#include <vector>

using zmtp::message;
using zmtp::socket_type;
using zmtp::wire::connection;

namespace {

std::string hex(std::span<const std::byte> bytes, std::size_t limit = 48)
{
    std::string out;
    for (std::size_t i = 0; i < bytes.size() && i < limit; ++i) {
        char b[4];
        std::snprintf(b, sizeof b, "%02x ", static_cast<unsigned>(bytes[i]));
        out += b;
    }
    if (bytes.size() > limit)
        out += "...";
    return out;
}

const char* name(connection::event e)
{
    switch (e) {
    case connection::event::handshake_succeeded: return "handshake succeeded";
    case connection::event::message: return "message";
    case connection::event::subscribe: return "subscribe";
    case connection::event::cancel: return "cancel";
    case connection::event::closed: return "closed";
    case connection::event::authenticate: return "authenticate";
    case connection::event::none: break;
    }
    return "none";
}

void print_message(const char* who, const message& m)
{
    std::printf("  %s received a message of %zu frame(s):", who, m.size());
    for (const zmtp::frame& f : m)
        std::printf(" [%s]", f.to_string().c_str());
    std::printf("\n");
}

/// Writes everything `from` has queued into `to`, printing the bytes and what `to` made of them.
void transfer(const char* from_name, connection& from, const char* to_name, connection& to)
{
    while (from.wants_write()) {
        std::size_t written = 0;
        for (std::span<const std::byte> piece : from.start_write()) {
            std::printf("%s -> %s  %3zu bytes: %s\n", from_name, to_name, piece.size(), hex(piece).c_str());
            while (!piece.empty()) {
                const connection::receive_result r = to.receive(piece, connection::clock::now());
                piece = piece.subspan(r.consumed);
                written += r.consumed;
                if (r.what != connection::event::none)
                    std::printf("  %s: %s\n", to_name, name(r.what));
                if (r.what == connection::event::message)
                    print_message(to_name, to.take_message());
                if (r.what == connection::event::closed)
                    return;
            }
        }
        from.finish_write(written);
    }
}

} // namespace

int main()
{
    std::printf("zmtp %s: a DEALER and a ROUTER speaking ZMTP 3.1 in memory\n\n",
                std::string(zmtp::version_string()).c_str());

    zmtp::wire::connection_options dealer_options;
    dealer_options.type = socket_type::dealer;
    dealer_options.routing_id = "client-7";
    zmtp::wire::connection_options router_options;
    router_options.type = socket_type::router;

    connection dealer(dealer_options, connection::clock::now());
    connection router(router_options, connection::clock::now());

    std::printf("-- handshake: each side sends its 64-byte greeting (signature, version 3.1,\n"
                "   mechanism NULL) and, once it has the peer's, a READY command carrying its\n"
                "   Socket-Type and Identity; bytes queued together go out in one write\n");
    while (dealer.wants_write() || router.wants_write()) {
        transfer("DEALER", dealer, "ROUTER", router);
        transfer("ROUTER", router, "DEALER", dealer);
    }

    std::printf("-- the ROUTER learned the DEALER's identity: %s\n",
                std::string(router.peer_metadata().get("Identity").value_or("(none)")).c_str());

    std::printf("-- a two-frame request (empty delimiter + body) and the reply\n");
    if (dealer.send(message{"", "What is the answer?"}))
        return 1;
    transfer("DEALER", dealer, "ROUTER", router);
    if (router.send(message{"", "42"}))
        return 1;
    transfer("ROUTER", router, "DEALER", dealer);

    const bool ok = dealer.current_state() == connection::state::ready
        && router.current_state() == connection::state::ready;
    std::printf("\n%s\n", ok ? "both connections are ready and healthy" : "something went wrong");
    return ok ? 0 : 1;
}
