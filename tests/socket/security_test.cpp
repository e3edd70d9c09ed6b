// PLAIN and NULL+ZAP over real transports, with ZAP handlers written on zmtp's own sockets.
#include "zmtp/socket.hpp"

#include "security_test_support.hpp"
#include "socket_test_support.hpp"
#include "support/zap_handler.hpp"
#include "zmtp/context.hpp"
#include "zmtp/curve_key.hpp"
#include "zmtp/error.hpp"

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

using namespace zmtp_test;
using zmtp::errc;
using zmtp::message;
using zmtp::socket_type;

TEST_CASE("security: a PLAIN client with the right password talks to a PLAIN server, ZAP saw RFC 27's frames")
{
    for (const bool tcp : {true, false}) {
        CAPTURE(tcp);
        zmtp::context ctx;
        zap_handler zap(ctx);
        zmtp::socket_options server_options = plain_server_options();
        server_options.routing_id = "server-7";
        zmtp::socket server(ctx, socket_type::router, server_options);
        server.enable_monitor();
        server.bind(tcp ? std::string("tcp://127.0.0.1:*") : unique_ipc());
        zmtp::socket client(ctx, socket_type::dealer, plain_client_options("admin", "secret"));
        client.connect(server.last_endpoint());
        client.send(message{"hello"});
        const message got = server.receive();
        REQUIRE(got.size() == 2);
        CHECK(got[1] == std::string_view("hello"));
        CHECK(handshake_outcome(server).type == zmtp::monitor_event_type::handshake_succeeded);

        const std::vector<message> requests = zap.requests();
        REQUIRE(requests.size() == 1);
        const message& r = requests[0];
        REQUIRE(r.size() == 10);
        CHECK(r[1].empty());
        CHECK(r[2] == std::string_view("1.0"));
        CHECK(r[3] == std::string_view("1"));
        CHECK(r[4].empty());                                                   // no zap_domain set
        CHECK(r[5] == (tcp ? std::string("127.0.0.1") : own_ipc_address())); // the peer's address
        CHECK(r[6] == std::string_view("server-7")); // the server's own routing id, as libzmq
        CHECK(r[7] == std::string_view("PLAIN"));
        CHECK(r[8] == std::string_view("admin"));
        CHECK(r[9] == std::string_view("secret"));
    }
}

TEST_CASE("security: a wrong PLAIN password fails the handshake on both sides, and nothing is delivered")
{
    zmtp::context ctx;
    zap_handler zap(ctx);
    zmtp::socket server(ctx, socket_type::router, plain_server_options());
    server.enable_monitor();
    server.bind("tcp://127.0.0.1:*");
    zmtp::socket client(ctx, socket_type::dealer, plain_client_options("admin", "wrong"));
    client.enable_monitor();
    client.connect(server.last_endpoint());
    client.send(message{"must not arrive"}, zmtp::send_flags::dontwait);

    const zmtp::monitor_event at_server = handshake_outcome(server);
    CHECK(at_server.type == zmtp::monitor_event_type::handshake_failed_auth);
    CHECK(at_server.error == errc::authentication_denied);
    const zmtp::monitor_event at_client = handshake_outcome(client);
    CHECK(at_client.type == zmtp::monitor_event_type::handshake_failed_auth);
    CHECK(at_client.error == errc::authentication_denied); // the server's ERROR "400"
    std::error_code ec;
    (void)server.receive(zmtp::recv_flags::dontwait, ec);
    CHECK(ec == errc::would_block);
    std::this_thread::sleep_for(300ms); // a refused client does not come back (reconnect interval 100 ms)
    CHECK(zap.requests().size() == 1);
}

TEST_CASE("security: a PLAIN server without a ZAP handler refuses every client, as libzmq")
{
    zmtp::context ctx;
    zmtp::socket server(ctx, socket_type::router, plain_server_options());
    server.enable_monitor();
    server.bind("tcp://127.0.0.1:*");
    zmtp::socket client(ctx, socket_type::dealer, plain_client_options("admin", "secret"));
    client.connect(server.last_endpoint());
    client.send(message{"must not arrive"}, zmtp::send_flags::dontwait);
    const zmtp::monitor_event e = handshake_outcome(server);
    CHECK(e.type == zmtp::monitor_event_type::handshake_failed_auth);
    CHECK(e.error == errc::authentication_unavailable);
}

TEST_CASE("security: NULL asks ZAP only with a zap_domain, a denied peer gets ERROR 400")
{
    zmtp::context ctx;
    zap_handler zap(ctx);
    SUBCASE("no domain: not asked")
    {
        zmtp::socket server(ctx, socket_type::pull, test_options());
        server.bind("tcp://127.0.0.1:*");
        zmtp::socket client(ctx, socket_type::push, test_options());
        client.connect(server.last_endpoint());
        client.send(message{"a"});
        CHECK(server.receive()[0] == std::string_view("a"));
        CHECK(zap.requests().empty());
    }
    SUBCASE("domain admitted")
    {
        zmtp::socket_options o = test_options();
        o.zap_domain = "open";
        zmtp::socket server(ctx, socket_type::pull, o);
        server.bind("tcp://127.0.0.1:*");
        zmtp::socket client(ctx, socket_type::push, test_options());
        client.connect(server.last_endpoint());
        client.send(message{"a"});
        CHECK(server.receive()[0] == std::string_view("a"));
        const std::vector<message> requests = zap.requests();
        REQUIRE(requests.size() == 1);
        CHECK(requests[0].size() == 8); // NULL: no credentials
        CHECK(requests[0][4] == std::string_view("open"));
        CHECK(requests[0][7] == std::string_view("NULL"));
    }
    SUBCASE("domain denied")
    {
        zmtp::socket_options o = test_options();
        o.zap_domain = "closed";
        zmtp::socket server(ctx, socket_type::pull, o);
        server.enable_monitor();
        server.bind("tcp://127.0.0.1:*");
        zmtp::socket_options co = test_options();
        co.linger = 0ms;
        zmtp::socket client(ctx, socket_type::push, co);
        client.enable_monitor();
        client.connect(server.last_endpoint());
        client.send(message{"a"}, zmtp::send_flags::dontwait);
        CHECK(handshake_outcome(server).error == errc::authentication_denied);
        CHECK(handshake_outcome(client).error == errc::authentication_denied);
    }
}

TEST_CASE("security: a ZAP handler that never answers delays only its handshakes, which time out")
{
    zmtp::context ctx;
    zap_handler zap(ctx, /*silent=*/true);
    zmtp::socket_options o = plain_server_options();
    o.handshake_timeout = 300ms;
    zmtp::socket server(ctx, socket_type::router, o);
    server.enable_monitor();
    server.bind("tcp://127.0.0.1:*");
    zmtp::socket stuck(ctx, socket_type::dealer, plain_client_options("admin", "secret"));
    stuck.connect(server.last_endpoint());

    // Another socket of the same process, NULL, keeps working meanwhile.
    zmtp::socket pull(ctx, socket_type::pull, test_options());
    pull.bind("tcp://127.0.0.1:*");
    zmtp::socket push(ctx, socket_type::push, test_options());
    push.connect(pull.last_endpoint());
    push.send(message{"unaffected"});
    CHECK(pull.receive()[0] == std::string_view("unaffected"));

    const zmtp::monitor_event e = handshake_outcome(server);
    CHECK(e.type == zmtp::monitor_event_type::handshake_failed_no_detail);
    CHECK(e.error == errc::handshake_timeout);
    CHECK(zap.requests().size() >= 1);
}

TEST_CASE("security: CURVE DEALER/ROUTER and REQ/REP over tcp and ipc, without a ZAP handler (any key admitted)")
{
    for (const bool tcp : {true, false}) {
        CAPTURE(tcp);
        zmtp::context ctx;
        const curve_setup keys;
        zmtp::socket server(ctx, socket_type::router, keys.server_options());
        server.bind(tcp ? std::string("tcp://127.0.0.1:*") : unique_ipc());
        zmtp::socket client(ctx, socket_type::dealer, keys.client_options(keys.server.public_key));
        client.connect(server.last_endpoint());
        client.send(message{"a", "b"});
        const message got = server.receive();
        REQUIRE(got.size() == 3);
        CHECK(got[1] == std::string_view("a"));
        CHECK(got[2] == std::string_view("b"));
        message reply;
        reply.push_back(got[0]);
        reply.push_back(std::string_view("reply"));
        server.send(std::move(reply));
        CHECK(client.receive() == message{"reply"});

        zmtp::socket rep(ctx, socket_type::rep, keys.server_options());
        rep.bind(tcp ? std::string("tcp://127.0.0.1:*") : unique_ipc());
        zmtp::socket_options anonymous = test_options(); // no key pair: it makes its own
        anonymous.curve_server_key = keys.server.public_key;
        zmtp::socket req(ctx, socket_type::req, anonymous);
        req.connect(rep.last_endpoint());
        req.send(message{"ping"});
        CHECK(rep.receive() == message{"ping"});
        rep.send(message{"pong"});
        CHECK(req.receive() == message{"pong"});
    }
}

TEST_CASE("security: CURVE with a ZAP handler: the admitted key talks, another key and a wrong server key fail")
{
    zmtp::context ctx;
    const curve_setup keys;
    zap_handler::allowed_key = keys.client.public_key;
    zap_handler zap(ctx);
    zmtp::socket server(ctx, socket_type::router, keys.server_options());
    server.enable_monitor();
    server.bind("tcp://127.0.0.1:*");

    zmtp::socket good(ctx, socket_type::dealer, keys.client_options(keys.server.public_key));
    good.connect(server.last_endpoint());
    good.send(message{"admitted"});
    CHECK(server.receive()[1] == std::string_view("admitted"));
    CHECK(handshake_outcome(server).type == zmtp::monitor_event_type::handshake_succeeded);
    const std::vector<message> requests = zap.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0][7] == std::string_view("CURVE"));
    CHECK(requests[0][8].bytes().size() == 32);

    curve_setup stranger;
    zmtp::socket other(ctx, socket_type::dealer, stranger.client_options(keys.server.public_key));
    other.enable_monitor();
    other.connect(server.last_endpoint());
    other.send(message{"denied"}, zmtp::send_flags::dontwait);
    const zmtp::monitor_event refused = handshake_outcome(server);
    CHECK(refused.type == zmtp::monitor_event_type::handshake_failed_auth);
    CHECK(refused.error == errc::authentication_denied);
    CHECK(handshake_outcome(other).error == errc::authentication_denied);

    zmtp::socket wrong(ctx, socket_type::dealer, keys.client_options(stranger.server.public_key));
    wrong.connect(server.last_endpoint());
    wrong.send(message{"wrong server key"}, zmtp::send_flags::dontwait);
    const zmtp::monitor_event bad = handshake_outcome(server);
    CHECK(bad.type == zmtp::monitor_event_type::handshake_failed_protocol);
    CHECK(bad.error == errc::decryption_failed);
    std::error_code ec;
    (void)server.receive(zmtp::recv_flags::dontwait, ec);
    CHECK(ec == errc::would_block);
}

TEST_CASE("security: PUB/SUB over CURVE: subscriptions travel sealed and filter")
{
    zmtp::context ctx;
    const curve_setup keys;
    zmtp::socket pub(ctx, socket_type::pub, keys.server_options());
    pub.bind("tcp://127.0.0.1:*");
    zmtp::socket sub(ctx, socket_type::sub, keys.client_options(keys.server.public_key));
    sub.subscribe("weather");
    sub.connect(pub.last_endpoint());
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    message got;
    std::error_code ec;
    while (std::chrono::steady_clock::now() < deadline) {
        pub.send(message{"sports 1"});
        pub.send(message{"weather 2"});
        got = sub.receive(zmtp::recv_flags::dontwait, ec);
        if (!ec)
            break;
        std::this_thread::sleep_for(10ms);
    }
    REQUIRE_FALSE(ec);
    CHECK(got == message{"weather 2"});
}
