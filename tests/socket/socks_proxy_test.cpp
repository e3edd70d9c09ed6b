// socks_proxy: tcp connects through a SOCKS5 proxy (RFC 1928, RFC 1929), checked byte for
// byte by a proxy in the test that then relays the connection.
#include "zmtp/socket.hpp"

#include "socket_test_support.hpp"
#include "zmtp/context.hpp"

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <doctest/doctest.h>

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

using namespace zmtp_test;
using zmtp::message;
using zmtp::socket_type;
using asio::ip::tcp;
using bytes = std::vector<std::uint8_t>;

namespace {

/// A SOCKS5 proxy for one connection: records what the client sends, answers with
/// `method` (0x00, 0x02 or 0xFF) and `reply` (0x00: succeeded), then relays the
/// connection to the requested address (a domain name is resolved here).
class test_proxy {
public:
    test_proxy(std::uint8_t method, std::uint8_t reply) : method_(method), reply_(reply)
    {
        thread_ = std::thread([this] { serve(); });
    }
    ~test_proxy()
    {
        std::error_code ignored;
        acceptor_.close(ignored);
        thread_.join();
    }
    std::string address() const { return "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

    bytes greeting, credentials, request; // as the client sent them; read once joined
    void join() { thread_.join(); thread_ = std::thread([] {}); }

private:
    bytes read(tcp::socket& s, std::size_t n)
    {
        bytes b(n);
        asio::read(s, asio::buffer(b));
        return b;
    }
    static void append(bytes& to, const bytes& from) { to.insert(to.end(), from.begin(), from.end()); }

    void serve()
    {
        std::error_code ec;
        tcp::socket client(io_);
        acceptor_.accept(client, ec);
        if (ec)
            return;
        greeting = read(client, 2);
        append(greeting, read(client, greeting[1]));
        asio::write(client, asio::buffer(bytes{5, method_}));
        if (method_ == 0xFF)
            return;
        if (method_ == 0x02) {
            credentials = read(client, 2);
            append(credentials, read(client, credentials[1]));
            const bytes password_size = read(client, 1);
            append(credentials, password_size);
            append(credentials, read(client, password_size[0]));
            asio::write(client, asio::buffer(bytes{1, 0}));
        }
        request = read(client, 5);
        std::string host;
        if (request[3] == 1) {
            append(request, read(client, 3 + 2));
            host = std::to_string(request[4]) + "." + std::to_string(request[5]) + "." + std::to_string(request[6]) + "." +
                   std::to_string(request[7]);
        } else {
            const bytes rest = read(client, request[4] + 2u);
            append(request, rest);
            host.assign(request.begin() + 5, request.end() - 2);
        }
        const auto port = static_cast<std::uint16_t>(request[request.size() - 2] << 8 | request.back());
        asio::write(client, asio::buffer(bytes{5, reply_, 0, 1, 127, 0, 0, 1, 0, 0}));
        if (reply_ != 0)
            return;
        tcp::socket target(io_);
        asio::connect(target, tcp::resolver(io_).resolve(host, std::to_string(port)));
        std::thread back([&] { relay(target, client); });
        relay(client, target);
        back.join();
    }
    /// Copies `from` to `to` until `from` ends, then ends `to`'s sending.
    static void relay(tcp::socket& from, tcp::socket& to)
    {
        std::uint8_t buffer[4096];
        std::error_code ec;
        for (;;) {
            const std::size_t n = from.read_some(asio::buffer(buffer), ec);
            if (ec || asio::write(to, asio::buffer(buffer, n), ec) != n)
                break;
        }
        to.shutdown(tcp::socket::shutdown_send, ec);
    }

    asio::io_context io_;
    tcp::acceptor acceptor_{io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)};
    std::uint8_t method_;
    std::uint8_t reply_;
    std::thread thread_;
};

} // namespace

TEST_CASE("socks_proxy: a connect goes through the proxy, which is asked for the endpoint's address")
{
    zmtp::context ctx;
    zmtp::socket router(ctx, socket_type::router, test_options());
    router.bind("tcp://127.0.0.1:*");
    const std::uint16_t port = port_of(router.last_endpoint());
    test_proxy proxy(0x00, 0x00);
    zmtp::socket dealer(ctx, socket_type::dealer, test_options({.routing_id = "d", .socks_proxy = proxy.address()}));
    dealer.connect(router.last_endpoint());
    dealer.send(message{"through the proxy"});
    CHECK(parts(router.receive()) == strings{"d", "through the proxy"});
    router.send(message{"d", "and back"});
    CHECK(parts(dealer.receive()) == strings{"and back"});
    dealer.close();
    router.close();
    proxy.join();
    CHECK(proxy.greeting == bytes{5, 1, 0}); // version 5, one method: no authentication
    CHECK(proxy.request == bytes{5, 1, 0, 1, 127, 0, 0, 1, static_cast<std::uint8_t>(port >> 8), static_cast<std::uint8_t>(port)});
}

TEST_CASE("socks_proxy: a host name goes to the proxy unresolved, and credentials when the proxy asks")
{
    zmtp::context ctx;
    zmtp::socket router(ctx, socket_type::router, test_options());
    router.bind("tcp://127.0.0.1:*");
    const std::uint16_t port = port_of(router.last_endpoint());
    test_proxy proxy(0x02, 0x00);
    zmtp::socket dealer(ctx, socket_type::dealer,
                        test_options({.routing_id = "d", .socks_proxy = proxy.address(), .socks_username = "user",
                                      .socks_password = "secret"}));
    dealer.connect("tcp://localhost:" + std::to_string(port));
    dealer.send(message{"named"});
    CHECK(parts(router.receive()) == strings{"d", "named"});
    dealer.close();
    router.close();
    proxy.join();
    CHECK(proxy.greeting == bytes{5, 2, 0, 2}); // no authentication, or username/password
    CHECK(proxy.credentials == bytes{1, 4, 'u', 's', 'e', 'r', 6, 's', 'e', 'c', 'r', 'e', 't'});
    CHECK(proxy.request == bytes{5, 1, 0, 3, 9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't',
                                 static_cast<std::uint8_t>(port >> 8), static_cast<std::uint8_t>(port)});
}

TEST_CASE("socks_proxy: a proxy that refuses the connect or every method leaves the socket unconnected")
{
    for (const auto& answer : {std::pair<std::uint8_t, std::uint8_t>{0x00, 0x05}, {0xFF, 0x00}}) {
        const std::uint8_t method = answer.first, reply = answer.second; // not a structured binding: CAPTURE's lambda uses it
        CAPTURE(int(method));
        zmtp::context ctx;
        zmtp::socket router(ctx, socket_type::router, test_options());
        router.bind("tcp://127.0.0.1:*");
        test_proxy proxy(method, reply);
        zmtp::socket dealer(ctx, socket_type::dealer,
                            test_options({.routing_id = "d", .linger = 0ms, .reconnect_interval = 10s, .socks_proxy = proxy.address()}));
        dealer.connect(router.last_endpoint());
        dealer.send(message{"lost"});
        CHECK_FALSE(router.receive_for(300ms));
        proxy.join();
        CHECK(proxy.greeting == bytes{5, 1, 0});
    }
}

TEST_CASE("socks_proxy: validate() refuses what is no host:port and over-long credentials")
{
    zmtp::context ctx;
    CHECK_THROWS_AS(zmtp::socket(ctx, socket_type::dealer, test_options({.socks_proxy = "no-port"})), std::system_error);
    CHECK_THROWS_AS(zmtp::socket(ctx, socket_type::dealer, test_options({.socks_username = std::string(256, 'u')})),
                    std::system_error);
    zmtp::socket ok(ctx, socket_type::dealer, test_options({.socks_proxy = "[::1]:1080"}));
}
