// Hostile peers at a CURVE server (issue 13): ZMTP 1.0 bytes, a data frame before the
// handshake ends, 8 MiB in an "INITIATE", and a flood of forged HELLOs, each costing the
// server a public-key operation. Every one is closed; a well-behaved CURVE client keeps
// talking throughout, and the server's heap comes back.
#include "hostile_inputs.hpp"
#include "hostile_support.hpp"
#include "zmtp/context.hpp"
#include "zmtp/curve_key.hpp"
#include "zmtp/socket.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

using namespace hostile;

namespace {

/// A CURVE greeting (as-server 0, ZMTP 3.1).
const bytes curve_greeting = cat(0xFF, zeros(8), 0x7F, 3, 1, "CURVE", zeros(15), 0, zeros(31));

/// A CURVE ROUTER and a well-behaved CURVE DEALER connected to it.
struct curve_server {
    zmtp::context ctx;
    zmtp::curve_key_pair keys = zmtp::curve_keypair();
    zmtp::socket router;
    zmtp::socket dealer;
    std::uint16_t port = 0;

    curve_server()
        : router(ctx, zmtp::socket_type::router, server_options()), dealer(ctx, zmtp::socket_type::dealer, client_options())
    {
        router.bind("tcp://127.0.0.1:*");
        const std::string ep = router.last_endpoint();
        port = static_cast<std::uint16_t>(std::stoi(ep.substr(ep.rfind(':') + 1)));
        dealer.connect(ep);
        CHECK(round_trip("hello"));
    }

    zmtp::socket_options server_options() const
    {
        zmtp::socket_options o;
        o.curve_server = true;
        o.curve_secret_key = keys.secret_key;
        o.receive_timeout = 5s;
        o.send_timeout = 5s;
        o.handshake_timeout = 2s;
        return o;
    }
    zmtp::socket_options client_options() const
    {
        zmtp::socket_options o;
        o.curve_server_key = keys.public_key;
        o.receive_timeout = 5s;
        o.send_timeout = 5s;
        o.linger = 0ms;
        return o;
    }

    /// The good client's message reaches the server and the answer comes back.
    bool round_trip(const std::string& text)
    {
        std::error_code ec;
        dealer.send(zmtp::message{text}, zmtp::send_flags::none, ec);
        if (ec)
            return false;
        zmtp::message got = router.receive(zmtp::recv_flags::none, ec);
        if (ec || got.size() != 2 || got[1] != std::string_view(text))
            return false;
        router.send(std::move(got), zmtp::send_flags::none, ec);
        if (ec)
            return false;
        const zmtp::message back = dealer.receive(zmtp::recv_flags::none, ec);
        return !ec && back.size() == 1 && back[0] == std::string_view(text);
    }

    /// Nothing but the good client's messages ever reached the server.
    void nothing_else_delivered()
    {
        std::error_code ec;
        (void)router.receive(zmtp::recv_flags::dontwait, ec);
        CHECK(ec == zmtp::errc::would_block);
    }
};

} // namespace

TEST_CASE("curve hostile: ZMTP 1.0 bytes, and a data frame before the handshake ends, are closed")
{
    curve_server s;
    for (const bytes& attack : {inputs::zmtp_1_0, cat(curve_greeting, 0x00, 0x05, "hello")}) {
        raw_peer peer(s.port);
        peer.send(attack);
        const raw_peer::close_result r = peer.wait_closed(3s);
        CHECK(r.closed);
        CHECK(s.round_trip("after"));
    }
    s.nothing_else_delivered();
}

TEST_CASE("curve hostile: 8 MiB announced in an INITIATE is refused before it is read, the heap stays small")
{
    curve_server s;
    const std::size_t before = heap_in_use();
    raw_peer peer(s.port);
    // A long command frame of 8 MiB: "INITIATE" and then the bytes of a huge metadata.
    peer.send(cat(curve_greeting, 0x06, be64(8u << 20), 8, "INITIATE"));
    std::size_t sent = peer.flood(repeat('m', 4096), 8u << 20, 2s, [] {});
    const raw_peer::close_result r = peer.wait_closed(3s);
    CHECK(r.closed);
    CHECK(sent < (8u << 20)); // closed long before 8 MiB went in
    const std::size_t after = heap_in_use();
    CHECK_MESSAGE(after < before + (1u << 20), "heap grew by " << (after - before) << " bytes");
    CHECK(s.round_trip("still here"));
    s.nothing_else_delivered();
}

TEST_CASE("curve hostile: a flood of forged HELLOs is closed one by one while the good client is served")
{
    curve_server s;
    // HELLO's layout (200 bytes): 05 HELLO, version 1.0, 72 zero bytes, C' (32), nonce (8),
    // signature box (80). A forged one: a random C' and a box no key opens.
    const bytes hello = cat(0x04, 200, 5, "HELLO", 1, 0, zeros(72), repeat(0x42, 32), be64(1), repeat(0x17, 80));
    REQUIRE(hello.size() == 202);
    constexpr int flood = 200;
    std::vector<std::unique_ptr<raw_peer>> peers;
    for (int i = 0; i < flood; ++i) {
        peers.push_back(std::make_unique<raw_peer>(s.port));
        peers.back()->send(cat(curve_greeting, hello));
        if (i % 50 == 0)
            CHECK(s.round_trip("during " + std::to_string(i)));
    }
    int closed = 0;
    for (auto& p : peers)
        closed += p->wait_closed(5s).closed ? 1 : 0;
    CHECK(closed == flood);
    CHECK(s.round_trip("after the flood"));
    s.nothing_else_delivered();
}
