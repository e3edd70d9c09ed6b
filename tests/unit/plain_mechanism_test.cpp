#include "zmtp/wire/plain_mechanism.hpp"

#include "handshake_driver.hpp"
#include "test_bytes.hpp"
#include "zmtp/error.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace zmtp_test;
using zmtp::errc;
using zmtp::message;
using zmtp::socket_type;
using zmtp::wire::connection;
using zmtp::wire::connection_options;
using zmtp::wire::security_options;
using event = connection::event;

namespace {

connection_options plain_options(socket_type type, bool server, std::string user = {}, std::string password = {})
{
    connection_options o;
    o.type = type;
    o.security.mechanism = security_options::mechanism_type::plain;
    o.security.server = server;
    o.security.plain_username = std::move(user);
    o.security.plain_password = std::move(password);
    return o;
}

handshake_side plain_client_side(std::string user = "admin", std::string password = "secret")
{
    return handshake_side(plain_options(socket_type::dealer, false, std::move(user), std::move(password)));
}

handshake_side plain_server_side()
{
    return handshake_side(plain_options(socket_type::router, true));
}

std::vector<std::byte> mechanism_greeting(std::string_view mechanism, bool as_server)
{
    const auto g = zmtp::wire::encode_greeting({3, 1, std::string(mechanism), as_server});
    return {g.begin(), g.end()};
}

const decide_fn admit_as_admin = [](const zmtp::wire::authentication_request&) { return zap_reply("200", "admin"); };

} // namespace

TEST_CASE("plain: the whole handshake, byte for byte, at every chunking")
{
    for (std::size_t chunk = 1; chunk <= 80; ++chunk) {
        CAPTURE(chunk);
        handshake_side client = plain_client_side();
        handshake_side server = plain_server_side();
        run_handshake(client, server, chunk, admit_as_admin);

        CHECK(client.events == std::vector<event>{event::handshake_succeeded});
        CHECK(server.events == std::vector<event>{event::authenticate, event::handshake_succeeded});
        REQUIRE(server.requests.size() == 1);
        CHECK(server.requests[0].mechanism == "PLAIN");
        CHECK(server.requests[0].credentials == std::vector<std::string>{"admin", "secret"});
        CHECK(server.conn.user_id() == "admin");

        // Client: greeting (as-server 0), HELLO (libzmq's bytes for admin/secret), INITIATE.
        CHECK(client.written
              == concat({mechanism_greeting("PLAIN", false), bytes("04 13 05 'HELLO' 05 'admin' 06 'secret'"),
                         bytes("04 2c 08 'INITIATE' 0b 'Socket-Type' 00 00 00 06 'DEALER' 08 'Identity' 00 00 00 00")}));
        // Server: greeting (as-server 1), WELCOME, READY.
        CHECK(server.written
              == concat({mechanism_greeting("PLAIN", true), bytes("04 08 07 'WELCOME'"),
                         bytes("04 29 05 'READY' 0b 'Socket-Type' 00 00 00 06 'ROUTER' 08 'Identity' 00 00 00 00")}));
        CHECK(client.conn.peer_type() == socket_type::router);
        CHECK(server.conn.peer_type() == socket_type::dealer);
    }
}

TEST_CASE("plain: messages flow after the handshake, unchanged on the wire")
{
    handshake_side client = plain_client_side();
    handshake_side server = plain_server_side();
    run_handshake(client, server, 4096, admit_as_admin);
    REQUIRE(client.conn.current_state() == connection::state::ready);
    const std::size_t before = client.written.size();
    REQUIRE_FALSE(client.conn.send(message{"hello"}));
    transfer(client, server);
    CHECK(std::vector<std::byte>(client.written.begin() + static_cast<std::ptrdiff_t>(before), client.written.end())
          == bytes("00 05 'hello'"));
    feed_side(server, 4096, admit_as_admin);
    CHECK(server.messages == std::vector<message>{message{"hello"}});
}

TEST_CASE("plain: a refusal reaches the client as libzmq's ERROR, and nothing after HELLO is answered")
{
    for (const char* status : {"400", "500"}) {
        CAPTURE(status);
        handshake_side client = plain_client_side("admin", "wrong");
        handshake_side server = plain_server_side();
        run_handshake(client, server, 4096, [&](const auto&) { return zap_reply(status); });
        const errc expected = std::string(status) == "400" ? errc::authentication_denied : errc::authentication_error;
        CHECK(server.conn.error() == expected);
        CHECK(client.conn.error() == expected); // the peer's ERROR with a ZAP status code
        CHECK(client.conn.peer_error_reason() == status);
        CHECK(server.written
              == concat({mechanism_greeting("PLAIN", true), bytes("04 0a 05 'ERROR' 03"), text_bytes(status)}));
    }
    handshake_side client = plain_client_side();
    handshake_side server = plain_server_side();
    run_handshake(client, server, 4096, [](const auto&) { return zap_reply("300"); });
    CHECK(server.conn.error() == errc::authentication_unavailable);
    CHECK(server.written == mechanism_greeting("PLAIN", true)); // a temporary failure sends no ERROR
}

TEST_CASE("plain: a HELLO whose lengths do not add up is malformed")
{
    for (const char* hello : {"04 11 05 'HELLO' 05 'admin' 06 'secr'", // password runs past the end
                              "04 0e 05 'HELLO' 05 'admin' 00 'x'",    // a byte after the password
                              "04 06 05 'HELLO'",                      // no lengths at all
                              "04 0c 05 'HELLO' 09 'admin'"}) {        // user name runs past the end
        CAPTURE(hello);
        handshake_side server = plain_server_side();
        server.unread = concat({mechanism_greeting("PLAIN", false), bytes(hello)});
        feed_side(server, 4096, admit_as_admin);
        CHECK(server.conn.error() == errc::malformed_command);
        CHECK(server.requests.empty());
    }
}

TEST_CASE("plain: commands out of order end the handshake")
{
    SUBCASE("INITIATE before HELLO")
    {
        handshake_side server = plain_server_side();
        server.unread = concat({mechanism_greeting("PLAIN", false), bytes("04 09 08 'INITIATE'")});
        feed_side(server, 4096, admit_as_admin);
        CHECK(server.conn.error() == errc::unexpected_command);
    }
    SUBCASE("a second HELLO after WELCOME")
    {
        handshake_side server = plain_server_side();
        server.unread = concat({mechanism_greeting("PLAIN", false), bytes("04 0c 05 'HELLO' 02 'ab' 02 'cd'"),
                                bytes("04 0c 05 'HELLO' 02 'ab' 02 'cd'")});
        feed_side(server, 4096, admit_as_admin);
        CHECK(server.conn.error() == errc::unexpected_command);
    }
    SUBCASE("READY before WELCOME, at the client")
    {
        handshake_side client = plain_client_side();
        client.unread = concat({mechanism_greeting("PLAIN", true), bytes("04 1c 05 'READY' 0b 'Socket-Type' 00 00 00 06 'ROUTER'")});
        feed_side(client, 4096, admit_as_admin);
        CHECK(client.conn.error() == errc::unexpected_command);
    }
    SUBCASE("WELCOME with data")
    {
        handshake_side client = plain_client_side();
        client.unread = concat({mechanism_greeting("PLAIN", true), bytes("04 09 07 'WELCOME' 00")});
        feed_side(client, 4096, admit_as_admin);
        CHECK(client.conn.error() == errc::malformed_command);
    }
}

TEST_CASE("plain: a NULL peer is a mechanism mismatch")
{
    handshake_side server = plain_server_side();
    connection_options null_options;
    handshake_side client(null_options);
    run_handshake(client, server, 4096, admit_as_admin);
    CHECK(server.conn.error() == errc::mechanism_mismatch);
    CHECK(client.conn.error() == errc::mechanism_mismatch);
}

TEST_CASE("plain: credentials of 255 bytes fit, longer ones are cut to 255")
{
    const std::string user(300, 'u');
    handshake_side client = plain_client_side(user, "p");
    handshake_side server = plain_server_side();
    run_handshake(client, server, 4096, admit_as_admin);
    REQUIRE(server.requests.size() == 1);
    CHECK(server.requests[0].credentials[0] == std::string(255, 'u'));
    CHECK(client.conn.current_state() == connection::state::ready);
}

TEST_CASE("plain: libzmq 4.3.4's malformed ERROR (5E RROR) in a handshake is read as the refusal it is")
{
    handshake_side client = plain_client_side();
    client.unread = concat({mechanism_greeting("PLAIN", false), bytes("04 09 5e 'RROR' 03 '400'")});
    feed_side(client, 4096, admit_as_admin);
    CHECK(client.conn.error() == errc::authentication_denied);
    CHECK(client.conn.peer_error_reason() == "400");

    // Anywhere else it is the malformed command it looks like.
    handshake_side ready_client = plain_client_side();
    handshake_side server = plain_server_side();
    run_handshake(ready_client, server, 4096, admit_as_admin);
    REQUIRE(ready_client.conn.current_state() == connection::state::ready);
    ready_client.unread = bytes("04 09 5e 'RROR' 03 '400'");
    feed_side(ready_client, 4096, admit_as_admin);
    CHECK(ready_client.conn.error() == errc::malformed_command);
}
