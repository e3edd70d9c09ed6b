// STREAM sockets: raw TCP peers, no ZMTP.
#include "zmtp/socket.hpp"

#include "socket_test_support.hpp"
#include "zmtp/context.hpp"

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <doctest/doctest.h>

#include <string>

using namespace zmtp_test;
using zmtp::errc;
using zmtp::message;
using zmtp::socket_type;
using asio::ip::tcp;

namespace {

tcp::endpoint tcp_endpoint_of(const std::string& zmtp_endpoint)
{
    const auto colon = zmtp_endpoint.rfind(':');
    return {asio::ip::make_address("127.0.0.1"),
            static_cast<unsigned short>(std::stoi(zmtp_endpoint.substr(colon + 1)))};
}

/// Receives from `stream` until `expected` bytes came from `id` (they may come in pieces).
std::string receive_bytes(zmtp::socket& stream, const std::string& id, std::size_t expected)
{
    std::string got;
    while (got.size() < expected) {
        const message m = stream.receive();
        REQUIRE(m.size() == 2);
        REQUIRE(m[0].to_string() == id);
        REQUIRE_FALSE(m[1].empty());
        got += m[1].to_string();
    }
    return got;
}

std::string read_exactly(tcp::socket& s, std::size_t n)
{
    std::string data(n, '\0');
    asio::read(s, asio::buffer(data));
    return data;
}

} // namespace

TEST_CASE("stream: a plain TCP client: connect and disconnect notices, bytes both ways, closing by empty frame")
{
    zmtp::context ctx;
    zmtp::socket stream(ctx, socket_type::stream, test_options());
    stream.bind("tcp://127.0.0.1:*");
    asio::io_context io;
    tcp::socket client(io);
    client.connect(tcp_endpoint_of(stream.last_endpoint()));

    const message hello = stream.receive();
    REQUIRE(hello.size() == 2);
    const std::string id = hello[0].to_string();
    CHECK(id.size() == 5);
    CHECK(id[0] == '\0'); // generated, as a ROUTER's
    CHECK(hello[1].empty());

    // ZMTP bytes are just bytes here: a greeting is not parsed.
    const std::string greeting("\xff\0\0\0\0\0\0\0\x01\x7f\x03\x01NULL", 16);
    asio::write(client, asio::buffer(greeting));
    CHECK(receive_bytes(stream, id, greeting.size()) == greeting);

    stream.send(message{id, "hello, ", "raw"}); // frames after the id: their bytes in order
    CHECK(read_exactly(client, 10) == "hello, raw");

    const std::string big(1 << 20, 'b'); // large bodies go out without a copy, whole
    stream.send(message{id, big});
    CHECK(read_exactly(client, big.size()) == big);

    stream.send(message{id, ""}); // close it
    std::error_code ec;
    char byte;
    client.read_some(asio::buffer(&byte, 1), ec);
    CHECK(ec == asio::error::eof);
    const message bye = stream.receive();
    CHECK(parts(bye) == strings{id, ""});

    std::error_code send_ec;
    stream.send(message{id, "gone"}, zmtp::send_flags::dontwait, send_ec);
    CHECK(send_ec == errc::host_unreachable);
}

TEST_CASE("stream: each connection its own id, a client that goes away is reported")
{
    zmtp::context ctx;
    zmtp::socket stream(ctx, socket_type::stream, test_options());
    stream.bind("tcp://127.0.0.1:*");
    asio::io_context io;
    tcp::socket a(io), b(io);
    a.connect(tcp_endpoint_of(stream.last_endpoint()));
    const std::string id_a = stream.receive()[0].to_string();
    b.connect(tcp_endpoint_of(stream.last_endpoint()));
    const std::string id_b = stream.receive()[0].to_string();
    CHECK(id_a != id_b);
    asio::write(b, asio::buffer(std::string("from b")));
    CHECK(receive_bytes(stream, id_b, 6) == "from b");
    stream.send(message{id_a, "to a"});
    CHECK(read_exactly(a, 4) == "to a");
    a.close();
    CHECK(parts(stream.receive()) == strings{id_a, ""});
}

TEST_CASE("stream: connecting to a plain TCP server, and stream_notify off")
{
    zmtp::context ctx;
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    zmtp::socket_options o = test_options();
    o.stream_notify = false;
    zmtp::socket quiet(ctx, socket_type::stream, o);
    quiet.connect("tcp://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()));
    tcp::socket server = acceptor.accept();
    asio::write(server, asio::buffer(std::string("ping")));
    const message m = quiet.receive(); // no connect notice first
    REQUIRE(m.size() == 2);
    CHECK(m[1].to_string() == "ping");
    quiet.send(message{m[0].to_string(), "pong"});
    CHECK(read_exactly(server, 4) == "pong");

    zmtp::socket loud(ctx, socket_type::stream, test_options());
    loud.connect("tcp://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()));
    tcp::socket second = acceptor.accept();
    const message notice = loud.receive();
    REQUIRE(notice.size() == 2);
    CHECK(notice[1].empty());
    second.close();
    CHECK(parts(loud.receive()) == strings{notice[0].to_string(), ""});
}

TEST_CASE("stream: a STREAM socket is no ZMTP peer: a DEALER gets no handshake from it")
{
    zmtp::context ctx;
    zmtp::socket stream(ctx, socket_type::stream, test_options());
    stream.bind("tcp://127.0.0.1:*");
    zmtp::socket dealer(ctx, socket_type::dealer, test_options());
    dealer.connect(stream.last_endpoint());
    const message notice = stream.receive();
    const std::string id = notice[0].to_string();
    // The DEALER's greeting arrives as raw bytes (at least its first 10, which a ZMTP
    // peer sends before waiting for ours).
    const message first = stream.receive();
    REQUIRE(first[0].to_string() == id);
    CHECK(first[1].bytes()[0] == std::byte{0xff});
}

TEST_CASE("stream: connect_routing_id names the connection: its notice and its bytes carry it, sends may go at once")
{
    zmtp::context ctx;
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    zmtp::socket client(ctx, socket_type::stream, test_options());
    client.set(&zmtp::socket_options::connect_routing_id, std::string("web"));
    client.connect("tcp://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()));
    client.send(message{"web", "GET /"}); // before the connection is made
    tcp::socket server = acceptor.accept();
    CHECK(parts(client.receive()) == strings{"web", ""}); // the connect notice, with our id
    CHECK(read_exactly(server, 5) == "GET /");
    asio::write(server, asio::buffer(std::string("200")));
    CHECK(parts(client.receive()) == strings{"web", "200"});
}
