// Received messages tell who sent them (libzmq's zmq_msg_gets): the peer's announced
// properties, the ZAP handler's User-Id and metadata, and the peer's address.
#include "zmtp/socket.hpp"

#include "security_test_support.hpp"
#include "socket_test_support.hpp"
#include "support/zap_handler.hpp"
#include "zmtp/context.hpp"
#include "zmtp/wire/command.hpp"
#include "zmtp/wire/greeting.hpp"

#include <doctest/doctest.h>

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace zmtp_test;
using zmtp::message;
using zmtp::socket_type;

namespace {

using opt = std::optional<std::string_view>;

enum class transport { tcp, ipc, inproc };

std::string bind_endpoint(transport t)
{
    switch (t) {
    case transport::tcp:
        return "tcp://127.0.0.1:*";
    case transport::ipc:
        return unique_ipc();
    case transport::inproc:
        return unique_inproc();
    }
    return {};
}

/// What Peer-Address says of a peer in this process over `t`.
opt expected_address(transport t, const std::string& ipc_address)
{
    switch (t) {
    case transport::tcp:
        return "127.0.0.1";
    case transport::ipc:
        return std::string_view(ipc_address);
    case transport::inproc:
        return std::nullopt;
    }
    return std::nullopt;
}

/// "host:port" of a tcp endpoint "tcp://host:port".
asio::ip::tcp::endpoint tcp_address(const std::string& endpoint)
{
    const std::string rest = endpoint.substr(std::string_view("tcp://").size());
    const std::size_t colon = rest.rfind(':');
    return {asio::ip::make_address(rest.substr(0, colon)),
            static_cast<unsigned short>(std::stoi(rest.substr(colon + 1)))};
}

} // namespace

TEST_CASE("properties: a received message tells the peer's socket type, routing id, metadata and address")
{
    const std::string ipc_address = own_ipc_address();
    for (const transport t : {transport::tcp, transport::ipc, transport::inproc}) {
        CAPTURE(static_cast<int>(t));
        zmtp::context ctx;
        zmtp::socket_options server_options = test_options();
        server_options.metadata = {{"X-Role", "server"}};
        zmtp::socket server(ctx, socket_type::router, server_options);
        server.bind(bind_endpoint(t));
        zmtp::socket_options client_options = test_options();
        client_options.routing_id = "client-1";
        client_options.metadata = {{"X-Color", "blue"}, {"X-Empty", ""}};
        zmtp::socket client(ctx, socket_type::dealer, client_options);
        client.connect(server.last_endpoint());

        client.send(message{"hello", "world"});
        const message got = server.receive();
        REQUIRE(got == message{"client-1", "hello", "world"});
        REQUIRE(got.properties() != nullptr);
        CHECK(got.property("Socket-Type") == opt("DEALER"));
        CHECK(got.property("Identity") == opt("client-1"));
        CHECK(got.property("Routing-Id") == opt("client-1"));
        CHECK(got.properties()->routing_id() == opt("client-1"));
        CHECK(got.property("X-Color") == opt("blue"));
        CHECK(got.property("X-Empty") == opt(""));
        CHECK(got.property("Peer-Address") == expected_address(t, ipc_address));
        CHECK(got.property("User-Id") == std::nullopt); // no ZAP handler was asked
        CHECK(got.property("X-Role") == std::nullopt);  // ours, not the peer's

        server.send(message{"client-1", "back"});
        const message reply = client.receive();
        REQUIRE(reply == message{"back"});
        CHECK(reply.property("Socket-Type") == opt("ROUTER"));
        CHECK(reply.property("X-Role") == opt("server"));
        CHECK(reply.property("Peer-Address") == expected_address(t, ipc_address));
    }
}

TEST_CASE("properties: each connection has its own, a message keeps them after its peer is gone")
{
    zmtp::context ctx;
    zmtp::socket pull(ctx, socket_type::pull, test_options());
    pull.bind("tcp://127.0.0.1:*");
    std::vector<message> received;
    {
        zmtp::socket_options a_options = test_options();
        a_options.metadata = {{"X-Name", "a"}};
        zmtp::socket a(ctx, socket_type::push, a_options);
        a.connect(pull.last_endpoint());
        zmtp::socket_options b_options = test_options();
        b_options.metadata = {{"X-Name", "b"}};
        zmtp::socket b(ctx, socket_type::push, b_options);
        b.connect(pull.last_endpoint());
        a.send(message{"from a"});
        b.send(message{"from b"});
        received.push_back(pull.receive());
        received.push_back(pull.receive());
    } // both peers close: their connections end
    zmtp::socket_options c_options = test_options();
    c_options.metadata = {{"X-Name", "c"}};
    zmtp::socket c(ctx, socket_type::push, c_options);
    c.connect(pull.last_endpoint());
    c.send(message{"from c"});
    received.push_back(pull.receive());

    for (const message& m : received) {
        CAPTURE(m[0].to_string());
        const std::string sender = m[0].to_string().substr(5);
        CHECK(m.property("X-Name") == opt(sender));
        CHECK(m.property("Socket-Type") == opt("PUSH"));
        CHECK(m.property("Identity") == std::nullopt); // a PUSH sends none
    }
    CHECK(received[0].properties() != received[1].properties());
}

TEST_CASE("properties: ZAP's User-Id and metadata, for PLAIN and for CURVE, CURVE without a handler has no User-Id")
{
    zmtp::context ctx;
    {
        zap_handler zap(ctx);
        zmtp::socket server(ctx, socket_type::router, plain_server_options());
        server.bind("tcp://127.0.0.1:*");
        zmtp::socket client(ctx, socket_type::dealer, plain_client_options("admin", "secret"));
        client.connect(server.last_endpoint());
        client.send(message{"plain"});
        const message got = server.receive();
        CHECK(got[1] == std::string_view("plain"));
        CHECK(got.property("User-Id") == opt("admin-id"));
        CHECK(got.properties()->user_id() == opt("admin-id"));
        CHECK(got.property("Hello") == opt("World")); // the handler's metadata
        CHECK(got.property("Socket-Type") == opt("DEALER"));
        CHECK(got.property("Peer-Address") == opt("127.0.0.1"));

        // The client asked no handler about the server: no User-Id on its side.
        server.send(message{got[0].to_string(), "reply"});
        const message reply = client.receive();
        CHECK(reply.property("User-Id") == std::nullopt);
        CHECK(reply.property("Socket-Type") == opt("ROUTER"));

        const curve_setup keys;
        zap_handler::allowed_key = keys.client.public_key;
        zmtp::socket curve_server(ctx, socket_type::pull, keys.server_options());
        curve_server.bind(unique_ipc());
        zmtp::socket curve_client(ctx, socket_type::push, keys.client_options(keys.server.public_key));
        curve_client.connect(curve_server.last_endpoint());
        curve_client.send(message{"curve"});
        const message sealed = curve_server.receive();
        CHECK(sealed == message{"curve"});
        CHECK(sealed.property("User-Id") == opt("admin-id"));
        CHECK(sealed.property("Hello") == opt("World"));
        CHECK(sealed.property("Socket-Type") == opt("PUSH"));
        CHECK(sealed.property("Peer-Address") == opt(own_ipc_address()));
    }
    // No handler bound: CURVE admits any key (as libzmq) and nobody named a User-Id.
    const curve_setup keys;
    zmtp::socket server(ctx, socket_type::pull, keys.server_options());
    server.bind("tcp://127.0.0.1:*");
    zmtp::socket client(ctx, socket_type::push, keys.client_options(keys.server.public_key));
    client.connect(server.last_endpoint());
    client.send(message{"anyone"});
    const message got = server.receive();
    CHECK(got == message{"anyone"});
    CHECK(got.property("User-Id") == std::nullopt);
    CHECK(got.property("Hello") == std::nullopt);
    CHECK(got.property("Socket-Type") == opt("PUSH"));
}

TEST_CASE("properties: a peer that announces its own User-Id and Peer-Address is not believed")
{
    zmtp::context ctx;
    zmtp::socket pull(ctx, socket_type::pull, test_options());
    pull.bind("tcp://127.0.0.1:*");

    asio::io_context io;
    asio::ip::tcp::socket raw(io);
    raw.connect(tcp_address(pull.last_endpoint()));
    zmtp::wire::metadata forged;
    forged.set("Socket-Type", "PUSH");
    forged.set("User-Id", "root");
    forged.set("Peer-Address", "10.9.8.7");
    forged.set("X-Claim", "admin");
    std::vector<std::byte> out;
    const auto greeting = zmtp::wire::encode_greeting({});
    out.insert(out.end(), greeting.begin(), greeting.end());
    const std::vector<std::byte> ready = zmtp::wire::encode_ready(forged);
    out.insert(out.end(), ready.begin(), ready.end());
    for (const std::byte b : {std::byte{0x00}, std::byte{0x02}, std::byte{'h'}, std::byte{'i'}})
        out.push_back(b); // a one-frame message "hi"
    asio::write(raw, asio::buffer(out));

    const message got = pull.receive();
    CHECK(got == message{"hi"});
    CHECK(got.property("User-Id") == std::nullopt);
    CHECK(got.property("Peer-Address") == opt("127.0.0.1"));
    CHECK(got.property("X-Claim") == opt("admin")); // what it may say, it says
    CHECK(got.property("Socket-Type") == opt("PUSH"));
}
