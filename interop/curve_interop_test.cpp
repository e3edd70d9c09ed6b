// CURVE between zmtp and libzmq's C API, both directions, tcp and ipc: DEALER/ROUTER with
// multipart and large messages, REQ/REP, PUB/SUB (subscriptions inside MESSAGE boxes), a wrong
// server key. The zmq_curve(7) test keys; libzmq without a ZAP handler admits any key, and
// so does zmtp.
#include "interop_helpers.hpp"

#include "support/zap_handler.hpp"
#include "zmtp/curve_key.hpp"

#include <doctest/doctest.h>
#include <zmq.h>

#include <unistd.h>

#include <optional>
#include <string>
#include <string_view>

using namespace interop;
using zmtp::socket_type;

namespace {

// zmq_curve(7)'s test keys (Z85, as libzmq's options take them).
constexpr const char* client_public = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
constexpr const char* client_secret = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
constexpr const char* server_public = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
constexpr const char* server_secret = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";

zmtp::socket_options zmtp_server_options()
{
    zmtp::socket_options o;
    o.receive_timeout = io_timeout;
    o.send_timeout = io_timeout;
    o.linger = std::chrono::milliseconds(0);
    o.curve_server = true;
    o.curve_secret_key = zmtp::parse_curve_secret_key(server_secret);
    return o;
}

zmtp::socket_options zmtp_client_options(const char* server_key = server_public)
{
    zmtp::socket_options o;
    o.receive_timeout = io_timeout;
    o.send_timeout = io_timeout;
    o.linger = std::chrono::milliseconds(0);
    o.curve_server_key = zmtp::parse_curve_public_key(server_key);
    o.curve_secret_key = zmtp::parse_curve_secret_key(client_secret);
    return o;
}

void libzmq_server(zmq_sock& s)
{
    s.set(ZMQ_CURVE_SERVER, 1);
    s.set(ZMQ_CURVE_SECRETKEY, server_secret);
}

void libzmq_client(zmq_sock& s, const char* server_key = server_public)
{
    s.set(ZMQ_CURVE_SERVERKEY, server_key);
    s.set(ZMQ_CURVE_PUBLICKEY, client_public);
    s.set(ZMQ_CURVE_SECRETKEY, client_secret);
}

} // namespace

TEST_CASE("curve interop: zmtp DEALER client -> libzmq ROUTER server, messages both ways")
{
    for (const transport_kind t : {transport_kind::tcp, transport_kind::ipc}) {
        CAPTURE(static_cast<int>(t));
        zmq_context zctx;
        zmq_sock server(zctx, ZMQ_ROUTER);
        libzmq_server(server);
        const std::string ep = server.bind(bind_endpoint(t));
        zmtp::context ctx;
        zmtp::socket client(ctx, socket_type::dealer, zmtp_client_options());
        zconnect(client, ep);
        const std::string big = pattern(200'000, 3);
        REQUIRE(zsend(client, {"hello", "", big}));
        const std::optional<parts> got = server.recv();
        REQUIRE(got.has_value());
        REQUIRE(got->size() == 4);
        CHECK((*got)[1] == "hello");
        CHECK((*got)[2].empty());
        CHECK((*got)[3] == big);
        REQUIRE(server.send({(*got)[0], "reply", pattern(5000, 4)}));
        CHECK(zrecv(client) == parts{"reply", pattern(5000, 4)});
    }
}

TEST_CASE("curve interop: libzmq DEALER client -> zmtp ROUTER server, messages both ways")
{
    for (const transport_kind t : {transport_kind::tcp, transport_kind::ipc}) {
        CAPTURE(static_cast<int>(t));
        zmtp::context ctx;
        zmtp::socket server(ctx, socket_type::router, zmtp_server_options());
        const std::string ep = zbind(server, bind_endpoint(t));
        zmq_context zctx;
        zmq_sock client(zctx, ZMQ_DEALER);
        libzmq_client(client);
        client.connect(ep);
        const std::string big = pattern(200'000, 5);
        REQUIRE(client.send({"hello", big}));
        const std::optional<parts> got = zrecv(server);
        REQUIRE(got.has_value());
        REQUIRE(got->size() == 3);
        CHECK((*got)[1] == "hello");
        CHECK((*got)[2] == big);
        REQUIRE(zsend(server, {(*got)[0], "reply"}));
        CHECK(client.recv() == parts{"reply"});
    }
}

TEST_CASE("curve interop: properties of libzmq's messages read by zmtp, and of zmtp's read by libzmq")
{
    using opt = std::optional<std::string_view>;
    for (const transport_kind t : {transport_kind::tcp, transport_kind::ipc}) {
        CAPTURE(static_cast<int>(t));
        zmtp::context ctx;
        zmtp_test::zap_handler::allowed_key = zmtp::parse_curve_public_key(client_public);
        zmtp_test::zap_handler zap(ctx);
        zmtp::socket_options o = zmtp_server_options();
        o.metadata = {{"X-Role", "zmtp-server"}};
        zmtp::socket server(ctx, socket_type::router, o);
        const std::string ep = zbind(server, bind_endpoint(t));
        zmq_context zctx;
        zmq_sock client(zctx, ZMQ_DEALER);
        libzmq_client(client);
        client.set(ZMQ_ROUTING_ID, std::string_view("libzmq-client"));
        client.set(zmq_metadata_option, std::string_view("X-Role:libzmq-client"));
        client.connect(ep);
        REQUIRE(client.send({"hello"}));
        std::error_code ec;
        const zmtp::message got = server.receive(zmtp::recv_flags::none, ec);
        REQUIRE_MESSAGE(!ec, ec.message());
        CHECK(to_parts(got) == parts{"libzmq-client", "hello"});
        CHECK(got.property("Socket-Type") == opt("DEALER"));
        CHECK(got.property("Routing-Id") == opt("libzmq-client"));
        CHECK(got.property("X-Role") == opt("libzmq-client"));
        CHECK(got.property("User-Id") == opt("admin-id"));
        CHECK(got.property("Hello") == opt("World"));
        const std::string address = t == transport_kind::tcp
                                      ? std::string("127.0.0.1")
                                      : "localhost:" + std::to_string(::getuid()) + ":" + std::to_string(::getgid())
                                            + ":" + std::to_string(::getpid());
        CHECK(got.property("Peer-Address") == opt(address));

        REQUIRE(zsend(server, {"libzmq-client", "reply"}));
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        REQUIRE(zmq_msg_recv(&msg, client.get(), 0) == 5);
        const char* type = zmq_msg_gets(&msg, "Socket-Type");
        const char* role = zmq_msg_gets(&msg, "X-Role");
        const char* peer = zmq_msg_gets(&msg, "Peer-Address");
        CHECK(std::string(type ? type : "(none)") == "ROUTER");
        CHECK(std::string(role ? role : "(none)") == "zmtp-server");
        CHECK(std::string(peer ? peer : "(none)") == address);
        zmq_msg_close(&msg);
    }
}

TEST_CASE("curve interop: PUB/SUB both ways, subscriptions inside the boxes")
{
    SUBCASE("libzmq SUB -> zmtp PUB")
    {
        zmtp::context ctx;
        zmtp::socket pub(ctx, socket_type::pub, zmtp_server_options());
        const std::string ep = zbind(pub, "tcp://127.0.0.1:*");
        zmq_context zctx;
        zmq_sock sub(zctx, ZMQ_SUB, 100);
        libzmq_client(sub);
        sub.set(ZMQ_SUBSCRIBE, "weather");
        sub.connect(ep);
        std::optional<parts> got;
        for (int i = 0; i < 50 && !got; ++i) {
            REQUIRE(zsend(pub, {"sports"}));
            REQUIRE(zsend(pub, {"weather today"}));
            got = sub.try_recv();
        }
        REQUIRE(got.has_value());
        CHECK(*got == parts{"weather today"});
    }
    SUBCASE("zmtp SUB -> libzmq PUB")
    {
        zmq_context zctx;
        zmq_sock pub(zctx, ZMQ_PUB);
        libzmq_server(pub);
        const std::string ep = pub.bind("tcp://127.0.0.1:*");
        zmtp::context ctx;
        zmtp::socket_options o = zmtp_client_options();
        o.receive_timeout = std::chrono::milliseconds(100);
        zmtp::socket sub(ctx, socket_type::sub, o);
        sub.subscribe("weather");
        zconnect(sub, ep);
        std::optional<parts> got;
        for (int i = 0; i < 50 && !got; ++i) {
            REQUIRE(pub.send({"sports"}));
            REQUIRE(pub.send({"weather today"}));
            std::error_code ec;
            zmtp::message m = sub.receive(zmtp::recv_flags::none, ec);
            if (!ec)
                got = parts{m[0].to_string()};
        }
        REQUIRE(got.has_value());
        CHECK(*got == parts{"weather today"});
    }
}

TEST_CASE("curve interop: REQ/REP both ways, three round trips each")
{
    for (const transport_kind t : {transport_kind::tcp, transport_kind::ipc}) {
        CAPTURE(static_cast<int>(t));
        zmtp::context ctx;
        zmq_context zctx;
        {
            zmtp::socket rep(ctx, socket_type::rep, zmtp_server_options());
            const std::string ep = zbind(rep, bind_endpoint(t));
            zmq_sock req(zctx, ZMQ_REQ);
            libzmq_client(req);
            req.connect(ep);
            for (int i = 0; i < 3; ++i) {
                const std::string n = std::to_string(i);
                REQUIRE(req.send({"request " + n, pattern(100 + i, i)}));
                CHECK(zrecv(rep) == parts{"request " + n, pattern(100 + i, i)});
                REQUIRE(zsend(rep, {"reply " + n}));
                CHECK(req.recv() == parts{"reply " + n});
            }
        }
        zmq_sock rep(zctx, ZMQ_REP);
        libzmq_server(rep);
        const std::string ep = rep.bind(bind_endpoint(t));
        zmtp::socket req(ctx, socket_type::req, zmtp_client_options());
        zconnect(req, ep);
        for (int i = 0; i < 3; ++i) {
            const std::string n = std::to_string(i);
            REQUIRE(zsend(req, {"request " + n}));
            CHECK(rep.recv() == parts{"request " + n});
            REQUIRE(rep.send({"reply " + n, ""}));
            CHECK(zrecv(req) == parts{"reply " + n, ""});
        }
    }
}

TEST_CASE("curve interop: a wrong server key fails the handshake on both sides, nothing delivered")
{
    SUBCASE("libzmq client with the wrong key -> zmtp server")
    {
        zmtp::context ctx;
        zmtp::socket server(ctx, socket_type::router, zmtp_server_options());
        event_log events(server);
        const std::string ep = zbind(server, "tcp://127.0.0.1:*");
        zmq_context zctx;
        zmq_sock client(zctx, ZMQ_DEALER, 300);
        libzmq_client(client, client_public); // not the server's key
        client.connect(ep);
        (void)client.try_send({"must not arrive"}, ZMQ_DONTWAIT);
        REQUIRE(events.wait_for_any({zmtp::monitor_event_type::handshake_failed_protocol}, 5s));
        CHECK(events.count(zmtp::monitor_event_type::handshake_succeeded) == 0);
        std::error_code ec;
        (void)server.receive(zmtp::recv_flags::dontwait, ec);
        CHECK(ec == zmtp::errc::would_block);
    }
    SUBCASE("zmtp client with the wrong key -> libzmq server")
    {
        zmq_context zctx;
        zmq_sock server(zctx, ZMQ_ROUTER, 300);
        libzmq_server(server);
        const std::string ep = server.bind("tcp://127.0.0.1:*");
        zmtp::context ctx;
        zmtp::socket client(ctx, socket_type::dealer, zmtp_client_options(client_public));
        zconnect(client, ep);
        std::error_code ec;
        client.send(zmtp::message{"must not arrive"}, zmtp::send_flags::dontwait, ec);
        CHECK_FALSE(server.try_recv().has_value()); // waits its 300 ms
    }
}
