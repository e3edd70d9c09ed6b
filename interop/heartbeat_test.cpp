// Heartbeats (ZMTP 3.1 PING/PONG) between zmtp and libzmq, a dead peer detected by our
// heartbeat timeout, and reconnection to a libzmq ROUTER rebound on the same port.
#include "interop_helpers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

using namespace interop;
using zmtp::monitor_event_type;
using zmtp::socket_type;

namespace {

struct heartbeat_setup {
    bool zmtp_heartbeats;
    bool libzmq_heartbeats;
    bool zmtp_binds;
    bool with_ttl;
};

void run_idle_connection(const heartbeat_setup& h)
{
    zmq_context zctx;
    zmtp::context ctx;

    zmtp::socket_options o = zmtp_options();
    if (h.zmtp_heartbeats) {
        o.heartbeat_interval = 100ms;
        o.heartbeat_timeout = 300ms;
        if (h.with_ttl)
            o.heartbeat_ttl = 1000ms;
    }
    zmtp::socket ours(ctx, socket_type::dealer, o);
    event_log our_events(ours);

    zmq_sock theirs(zctx, ZMQ_DEALER);
    if (h.libzmq_heartbeats) {
        theirs.set(ZMQ_HEARTBEAT_IVL, 100);
        theirs.set(ZMQ_HEARTBEAT_TIMEOUT, 300);
        if (h.with_ttl)
            theirs.set(ZMQ_HEARTBEAT_TTL, 1000);
    }
    zmq_monitor their_events(zctx, theirs);

    if (h.zmtp_binds)
        theirs.connect(zbind(ours, "tcp://127.0.0.1:*"));
    else
        zconnect(ours, theirs.bind("tcp://127.0.0.1:*"));

    auto exchange = [&](const std::string& tag) {
        REQUIRE(zsend(ours, {"ping from zmtp", tag}));
        auto got = theirs.recv();
        REQUIRE(got.has_value());
        CHECK(*got == parts{"ping from zmtp", tag});
        REQUIRE(theirs.send({"ping from libzmq", tag}));
        auto back = zrecv(ours);
        REQUIRE(back.has_value());
        CHECK(*back == parts{"ping from libzmq", tag});
    };

    exchange("before");
    std::this_thread::sleep_for(1000ms); // idle: only heartbeats on the wire
    exchange("after");

    their_events.drain();
    CHECK_MESSAGE(our_events.count(monitor_event_type::disconnected) == 0, "zmtp events: " << our_events.describe());
    CHECK_MESSAGE(our_events.count(monitor_event_type::handshake_succeeded) == 1, "zmtp events: " << our_events.describe());
    CHECK_MESSAGE(their_events.count(ZMQ_EVENT_DISCONNECTED) == 0, "libzmq events: " << their_events.describe());
    CHECK_MESSAGE(their_events.count(ZMQ_EVENT_HANDSHAKE_SUCCEEDED) == 1, "libzmq events: " << their_events.describe());
}

/// A TCP server that does the ZMTP 3.1 NULL handshake as a ROUTER and then never writes
/// again (so PINGs go unanswered); it records what it receives until the peer closes.
class silent_router_server {
public:
    silent_router_server()
    {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(listen_fd_ >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(listen_fd_, 8) == 0);
        socklen_t len = sizeof addr;
        REQUIRE(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~silent_router_server()
    {
        stop_ = true;
        thread_.join();
        ::close(listen_fd_);
    }

    std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
    /// Waits for the serving thread to finish (peer closed, or timeout); returns the bytes
    /// received and whether the peer closed the connection.
    std::string received()
    {
        std::unique_lock<std::mutex> lock(mutex_);
        done_cv_.wait_for(lock, 5s, [&] { return done_; });
        return received_;
    }
    bool peer_closed()
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return peer_closed_;
    }

private:
    void serve()
    {
        pollfd lp{listen_fd_, POLLIN, 0};
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (!stop_ && ::poll(&lp, 1, 50) == 0)
            if (std::chrono::steady_clock::now() > deadline)
                return finish(false);
        if (stop_)
            return finish(false);
        const int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0)
            return finish(false);

        unsigned char greeting[64] = {};
        greeting[0] = 0xff;
        greeting[9] = 0x7f;
        greeting[10] = 3;
        greeting[11] = 1;
        std::memcpy(greeting + 12, "NULL", 4);
        static const unsigned char ready[] = {
            0x04, 0x1c, 0x05, 'R', 'E', 'A', 'D', 'Y', 0x0b, 'S', 'o', 'c', 'k', 'e', 't', '-', 'T', 'y', 'p', 'e',
            0x00, 0x00, 0x00, 0x06, 'R', 'O', 'U', 'T', 'E', 'R'};
        std::string out(reinterpret_cast<const char*>(greeting), sizeof greeting);
        out.append(reinterpret_cast<const char*>(ready), sizeof ready);
        if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) {
            ::close(fd);
            return finish(false);
        }

        bool closed = false;
        while (!stop_ && std::chrono::steady_clock::now() < deadline) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0)
                continue;
            char buf[4096];
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) {
                closed = true;
                break;
            }
            std::lock_guard<std::mutex> lock(mutex_);
            received_.append(buf, static_cast<std::size_t>(n));
        }
        ::close(fd);
        finish(closed);
    }

    void finish(bool closed)
    {
        std::lock_guard<std::mutex> lock(mutex_);
        peer_closed_ = closed;
        done_ = true;
        done_cv_.notify_all();
    }

    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::condition_variable done_cv_;
    bool done_ = false;
    bool peer_closed_ = false;
    std::string received_;
    std::thread thread_;
};

} // namespace

TEST_SUITE("heartbeat")
{
    // Idle for 1 s with heartbeats, then messages still flow and neither monitor saw a
    // disconnection. {zmtp heartbeats, libzmq heartbeats, zmtp binds, TTL 1 s}
    TEST_CASE("heartbeat idle: both heartbeat, zmtp binds") { run_idle_connection({true, true, true, false}); }
    TEST_CASE("heartbeat idle: both heartbeat, libzmq binds") { run_idle_connection({true, true, false, false}); }
    TEST_CASE("heartbeat idle: both heartbeat with TTL 1 s, zmtp binds") { run_idle_connection({true, true, true, true}); }
    TEST_CASE("heartbeat idle: both heartbeat with TTL 1 s, libzmq binds") { run_idle_connection({true, true, false, true}); }
    TEST_CASE("heartbeat idle: only zmtp heartbeats, libzmq answers PONG") { run_idle_connection({true, false, false, false}); }
    TEST_CASE("heartbeat idle: only libzmq heartbeats, zmtp answers PONG") { run_idle_connection({false, true, true, false}); }

    TEST_CASE("a peer that never answers PINGs is dropped by our heartbeat timeout")
    {
        silent_router_server server;
        zmtp::context ctx;
        zmtp::socket_options o = zmtp_options();
        o.heartbeat_interval = 100ms;
        o.heartbeat_timeout = 300ms;
        o.reconnect_interval = 2000ms; // keep the silent server's single connection the only one
        zmtp::socket dealer(ctx, socket_type::dealer, o);
        event_log events(dealer);
        zconnect(dealer, server.endpoint());

        const auto up = events.wait_for(monitor_event_type::handshake_succeeded);
        REQUIRE_MESSAGE(up.has_value(), "no handshake with the raw server; events: " << events.describe());
        const auto t0 = std::chrono::steady_clock::now();
        const auto down = events.wait_for(monitor_event_type::disconnected, 1, 2000ms);
        const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
        REQUIRE_MESSAGE(down.has_value(), "no DISCONNECTED within 2 s; events: " << events.describe());
        MESSAGE("DISCONNECTED " << elapsed.count() << " ms after HANDSHAKE_SUCCEEDED: " << down->error.message());
        CHECK(elapsed <= 1000ms);
        CHECK(elapsed >= 250ms); // PING after 100 ms, then 300 ms without an answer
        CHECK_MESSAGE(down->error == zmtp::errc::heartbeat_timeout, "error: " << down->error.message());

        const std::string bytes = server.received();
        CHECK(server.peer_closed());
        // Our greeting and READY, then at least one PING command (04 size 04 "PING" ...).
        REQUIRE(bytes.size() >= 64);
        CHECK(static_cast<unsigned char>(bytes[0]) == 0xff);
        CHECK(bytes.find(std::string("\x04PING", 5), 64) != std::string::npos);
    }

    TEST_CASE("our DEALER reconnects to a libzmq ROUTER rebound on the same port")
    {
        zmq_context zctx;
        zmtp::context ctx;
        auto router = std::make_unique<zmq_sock>(zctx, ZMQ_ROUTER);
        const std::string ep = router->bind("tcp://127.0.0.1:*");

        zmtp::socket_options o = zmtp_options();
        o.routing_id = "dlr";
        zmtp::socket dealer(ctx, socket_type::dealer, o);
        event_log events(dealer);
        zconnect(dealer, ep);

        REQUIRE(zsend(dealer, {"one"}));
        auto got = router->recv();
        REQUIRE(got.has_value());
        CHECK(*got == parts{"dlr", "one"});
        REQUIRE(router->send({"dlr", "ack one"}));
        auto ack = zrecv(dealer);
        REQUIRE(ack.has_value());
        CHECK(*ack == parts{"ack one"});

        router.reset(); // zmq_close: the connection drops
        REQUIRE_MESSAGE(events.wait_for(monitor_event_type::disconnected), "events: " << events.describe());

        router = std::make_unique<zmq_sock>(zctx, ZMQ_ROUTER);
        REQUIRE_MESSAGE(retry_for(io_timeout, [&] { return zmq_bind(router->get(), ep.c_str()) == 0; }),
                        "could not bind " << ep << " again: " << zmq_error());

        // Sent right away, before the reconnection is necessarily complete: they wait in
        // the connection's queue and arrive once it is up.
        REQUIRE(zsend(dealer, {"two"}));
        REQUIRE(zsend(dealer, {"three", ""}));
        got = router->recv();
        REQUIRE_MESSAGE(got.has_value(), "events: " << events.describe());
        CHECK(*got == parts{"dlr", "two"});
        got = router->recv();
        REQUIRE(got.has_value());
        CHECK(*got == parts{"dlr", "three", ""});
        REQUIRE(router->send({"dlr", "ack two"}));
        ack = zrecv(dealer);
        REQUIRE(ack.has_value());
        CHECK(*ack == parts{"ack two"});
        CHECK(events.count(monitor_event_type::handshake_succeeded) == 2);
    }
}
