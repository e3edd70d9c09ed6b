// CURVE through wire::connection: the handshake between two connections in memory, then
// every frame (messages, PING/PONG, SUBSCRIBE) sealed in MESSAGEs, and the message limits
// applied to what is inside them.
#include "zmtp/wire/connection.hpp"

#include "handshake_driver.hpp"
#include "support/curve_fixture.hpp"
#include "test_bytes.hpp"
#include "zmtp/error.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

using namespace zmtp_test;
using namespace std::chrono_literals;
using zmtp::errc;
using zmtp::message;
using zmtp::socket_type;
using zmtp::wire::connection;
using zmtp::wire::connection_options;
using zmtp::wire::security_options;
using event = connection::event;

namespace {

connection_options curve_options(socket_type type, bool server, std::uint64_t seed)
{
    connection_options o;
    o.type = type;
    o.security.mechanism = security_options::mechanism_type::curve;
    o.security.server = server;
    o.security.curve_public = server ? curve::server_public : curve::client_public;
    o.security.curve_secret = zmtp::curve_secret_key(server ? curve::server_secret : curve::client_secret);
    o.security.curve_server = curve::server_public;
    o.security.random = curve::seeded_random(seed);
    return o;
}

const decide_fn admit_as_client_key = [](const zmtp::wire::authentication_request&) {
    return zap_reply("200", "client-key");
};

/// A client and a server that completed their handshake.
struct curve_pair {
    explicit curve_pair(socket_type client_type = socket_type::dealer, socket_type server_type = socket_type::router,
                        connection_options client_o = curve_options(socket_type::dealer, false, 1),
                        connection_options server_o = curve_options(socket_type::router, true, 2))
        : client((client_o.type = client_type, std::move(client_o))), server((server_o.type = server_type, std::move(server_o)))
    {
        run_handshake(client, server, 4096, admit_as_client_key);
        REQUIRE(client.conn.current_state() == connection::state::ready);
        REQUIRE(server.conn.current_state() == connection::state::ready);
        client.written.clear();
        server.written.clear();
    }
    handshake_side client;
    handshake_side server;
};

/// The frames in `bytes`, decoded without limits.
std::vector<zmtp::wire::decoded_frame> frames_of(const std::vector<std::byte>& bytes)
{
    zmtp::wire::output_queue q;
    q.append(bytes);
    std::error_code ec;
    std::vector<zmtp::wire::decoded_frame> frames = curve::take_frames(q, ec);
    CHECK_FALSE(ec);
    return frames;
}

/// True if every frame in `bytes` is a one-frame data frame carrying a MESSAGE command.
bool all_sealed(const std::vector<std::byte>& bytes)
{
    for (const auto& f : frames_of(bytes))
        if (f.command || f.more || f.body.size() < 33 || f.body.view().substr(0, 8) != "\x07MESSAGE")
            return false;
    return true;
}

} // namespace

TEST_CASE("curve connection: the handshake at any chunking, the client's key asked about, metadata both ways")
{
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{4096}}) {
        CAPTURE(chunk);
        handshake_side client(curve_options(socket_type::dealer, false, 11));
        handshake_side server(curve_options(socket_type::router, true, 12));
        run_handshake(client, server, chunk, admit_as_client_key);
        CHECK(client.events == std::vector<event>{event::handshake_succeeded});
        CHECK(server.events == std::vector<event>{event::authenticate, event::handshake_succeeded});
        REQUIRE(server.requests.size() == 1);
        CHECK(server.requests[0].mechanism == "CURVE");
        REQUIRE(server.requests[0].credentials.size() == 1);
        CHECK(server.requests[0].credentials[0]
              == std::string(reinterpret_cast<const char*>(curve::client_public.data()), 32));
        CHECK(server.conn.user_id() == "client-key");
        CHECK(client.conn.peer_type() == socket_type::router);
        CHECK(server.conn.peer_type() == socket_type::dealer);
        // Greetings: CURVE, as-server set by the server only.
        CHECK(client.written.size() > 64);
        CHECK(std::string(reinterpret_cast<const char*>(client.written.data()) + 12, 5) == "CURVE");
        CHECK(client.written[32] == std::byte{0});
        CHECK(server.written[32] == std::byte{1});
    }
}

TEST_CASE("curve connection: messages travel sealed, multipart and empty frames included, both ways")
{
    curve_pair p;
    const message sent{"routing", "", "a body that must not be seen in clear"};
    REQUIRE_FALSE(p.client.conn.send(sent));
    transfer(p.client, p.server);
    CHECK(all_sealed(p.client.written));
    CHECK(frames_of(p.client.written).size() == 3);
    const std::string wire(reinterpret_cast<const char*>(p.client.written.data()), p.client.written.size());
    CHECK(wire.find("must not be seen") == std::string::npos);
    feed_side(p.server, 4096, admit_as_client_key);
    CHECK(p.server.messages == std::vector<message>{sent});

    const std::string big(100'000, 'b');
    REQUIRE_FALSE(p.server.conn.send(message{big}));
    transfer(p.server, p.client);
    CHECK(all_sealed(p.server.written));
    feed_side(p.client, 1000, admit_as_client_key);
    CHECK(p.client.messages == std::vector<message>{message{big}});
}

TEST_CASE("curve connection: PING and PONG are sealed commands")
{
    connection_options co = curve_options(socket_type::dealer, false, 1);
    co.heartbeat_interval = 1s;
    curve_pair p(socket_type::dealer, socket_type::router, co);
    p.client.conn.on_timer(connection::time_point{} + 1s); // the PING is due
    transfer(p.client, p.server);
    REQUIRE_FALSE(p.client.written.empty());
    CHECK(all_sealed(p.client.written));
    feed_side(p.server, 4096, admit_as_client_key);
    transfer(p.server, p.client); // the PONG
    REQUIRE_FALSE(p.server.written.empty());
    CHECK(all_sealed(p.server.written));
    feed_side(p.client, 4096, admit_as_client_key);
    CHECK(p.client.conn.current_state() == connection::state::ready);
    CHECK(p.server.conn.current_state() == connection::state::ready);
}

TEST_CASE("curve connection: a SUB's subscription reaches a PUB as a sealed SUBSCRIBE")
{
    curve_pair p(socket_type::sub, socket_type::pub, curve_options(socket_type::sub, false, 3),
                 curve_options(socket_type::pub, true, 4));
    REQUIRE_FALSE(p.client.conn.send(message{std::string("\x01topic", 6)}));
    transfer(p.client, p.server);
    CHECK(all_sealed(p.client.written));
    std::size_t pos = 0;
    const auto r = p.server.conn.receive(p.server.unread, {});
    pos += r.consumed;
    CHECK(pos == p.server.unread.size());
    CHECK(r.what == event::subscribe);
    CHECK(p.server.conn.take_message() == message{"topic"});
}

TEST_CASE("curve connection: max_message_size and max_message_frames hold for what is inside the MESSAGEs")
{
    connection_options so = curve_options(socket_type::router, true, 2);
    so.limits.max_message_frames = 3;
    curve_pair frames_pair(socket_type::dealer, socket_type::router, curve_options(socket_type::dealer, false, 1), so);
    REQUIRE_FALSE(frames_pair.client.conn.send(message{"1", "2", "3", "4"})); // dropped whole
    REQUIRE_FALSE(frames_pair.client.conn.send(message{"a", "b", "c"}));      // delivered
    transfer(frames_pair.client, frames_pair.server);
    feed_side(frames_pair.server, 4096, admit_as_client_key);
    CHECK(frames_pair.server.messages == std::vector<message>{message{"a", "b", "c"}});
    CHECK(frames_pair.server.conn.current_state() == connection::state::ready);

    so = curve_options(socket_type::router, true, 2);
    so.limits.max_message_size = 100;
    curve_pair size_pair(socket_type::dealer, socket_type::router, curve_options(socket_type::dealer, false, 1), so);
    REQUIRE_FALSE(size_pair.client.conn.send(message{std::string(60, 'x'), std::string(40, 'y')})); // 100: fits
    REQUIRE_FALSE(size_pair.client.conn.send(message{std::string(60, 'x'), std::string(41, 'y')})); // 101
    transfer(size_pair.client, size_pair.server);
    feed_side(size_pair.server, 4096, admit_as_client_key);
    CHECK(size_pair.server.messages.size() == 1);
    CHECK(size_pair.server.conn.error() == errc::message_too_large);
}

TEST_CASE("curve connection: after the handshake a clear command or a MORE data frame ends the connection")
{
    SUBCASE("a clear PING")
    {
        curve_pair p;
        p.server.unread = bytes("04 07 04 'PING' 00 00");
        feed_side(p.server, 4096, admit_as_client_key);
        CHECK(p.server.conn.error() == errc::unexpected_command);
    }
    SUBCASE("a clear data frame with MORE")
    {
        curve_pair p;
        p.server.unread = bytes("01 01 'a' 00 01 'b'");
        feed_side(p.server, 4096, admit_as_client_key);
        CHECK(p.server.conn.error() == errc::unexpected_command);
    }
    SUBCASE("a MESSAGE changed in transit")
    {
        curve_pair p;
        REQUIRE_FALSE(p.client.conn.send(message{"hello"}));
        transfer(p.client, p.server);
        p.server.unread.back() ^= std::byte{1};
        feed_side(p.server, 4096, admit_as_client_key);
        CHECK(p.server.conn.error() == errc::decryption_failed);
        CHECK(p.server.messages.empty());
    }
}

TEST_CASE("curve connection: a client with the wrong server key never gets past HELLO")
{
    connection_options co = curve_options(socket_type::dealer, false, 1);
    co.security.curve_server = curve::client_public; // not the server's
    handshake_side client(co);
    handshake_side server(curve_options(socket_type::router, true, 2));
    run_handshake(client, server, 4096, admit_as_client_key);
    CHECK(server.conn.error() == errc::decryption_failed);
    CHECK(server.requests.empty());
    CHECK(client.conn.current_state() != connection::state::ready);
}
