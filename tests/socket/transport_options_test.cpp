// Transport options seen on the kernel's sockets: keepalive, TCP_USER_TIMEOUT, ToS, buffer
// sizes and device on connected and accepted tcp sockets (read back with getsockopt on the
// descriptors this process holds), a connect's source address, ipc in the abstract
// namespace, connect_timeout, listeners on given descriptors (use_fd).
#include "zmtp/socket.hpp"

#include "socket_test_support.hpp"
#include "zmtp/context.hpp"

#include <asio/error.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/read.hpp>
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

using namespace zmtp_test;
using zmtp::message;
using zmtp::socket_type;

namespace {

/// The descriptors open in this process.
std::vector<int> open_fds()
{
    std::vector<int> fds;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
        fds.push_back(std::stoi(entry.path().filename().string()));
    return fds;
}

/// The local (or, with `peer`, remote) address of `fd` in `out`; its size, 0 if none.
socklen_t address_of(int fd, bool peer, sockaddr_storage& out)
{
    out = {};
    socklen_t size = sizeof out;
    const int rc = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&out), &size)
                        : ::getsockname(fd, reinterpret_cast<sockaddr*>(&out), &size);
    return rc == 0 ? size : 0;
}

/// The local (or, with `peer`, remote) tcp port of `fd`; nullopt if it is no connected
/// IPv4 socket.
std::optional<std::uint16_t> tcp_port(int fd, bool peer)
{
    sockaddr_storage address;
    if (address_of(fd, peer, address) == 0 || address.ss_family != AF_INET)
        return std::nullopt;
    return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
}

/// The descriptors of a connection's two ends in this process.
struct connection_ends {
    int connected = -1;
    int accepted = -1;
};

/// The two ends of the one tcp connection in this process to `bound_port`.
connection_ends find_tcp_connection(std::uint16_t bound_port)
{
    connection_ends ends;
    int found = 0;
    for (const int fd : open_fds())
        if (tcp_port(fd, true) && tcp_port(fd, false) == bound_port) {
            ends.accepted = fd;
            ++found;
        }
    REQUIRE(found == 1);
    const std::uint16_t client_port = *tcp_port(ends.accepted, true);
    for (const int fd : open_fds())
        if (tcp_port(fd, false) == client_port && tcp_port(fd, true) == bound_port)
            ends.connected = fd;
    REQUIRE(ends.connected != -1);
    return ends;
}

/// The Unix socket address (path, or "@name" for an abstract one) of `fd`, local or peer.
std::optional<std::string> unix_path(int fd, bool peer)
{
    sockaddr_storage address;
    const socklen_t size = address_of(fd, peer, address);
    if (address.ss_family != AF_UNIX || size <= offsetof(sockaddr_un, sun_path))
        return std::nullopt;
    const auto& un = reinterpret_cast<const sockaddr_un&>(address);
    std::string path(un.sun_path, size - offsetof(sockaddr_un, sun_path));
    if (path.front() == '\0')
        path.front() = '@';
    else
        path.resize(std::strlen(path.c_str()));
    return path;
}

/// Whether `fd` is a connected socket (an accepted Unix socket's peer has no address).
bool has_peer(int fd)
{
    sockaddr_storage address;
    return address_of(fd, true, address) != 0;
}

/// The two ends of the one ipc connection in this process to `path`.
connection_ends find_ipc_connection(const std::string& path)
{
    connection_ends ends;
    int connected = 0;
    int accepted = 0;
    for (const int fd : open_fds()) {
        if (unix_path(fd, true) == path) {
            ends.connected = fd;
            ++connected;
        } else if (unix_path(fd, false) == path && has_peer(fd)) {
            ends.accepted = fd;
            ++accepted;
        }
    }
    REQUIRE(connected == 1);
    REQUIRE(accepted == 1);
    return ends;
}

int int_option(int fd, int level, int name)
{
    int value = -1;
    socklen_t size = sizeof value;
    REQUIRE(::getsockopt(fd, level, name, &value, &size) == 0);
    return value;
}

std::string device_of(int fd)
{
    char name[32] = {};
    socklen_t size = sizeof name;
    REQUIRE(::getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, &size) == 0);
    return std::string(name, std::strlen(name));
}

/// A DEALER with `dealer_options` connected (from `source`, "host:port;", if given) to a
/// ROUTER with `router_options` bound at `bind_to`, one message through each way.
struct connected_pair {
    zmtp::context ctx;
    zmtp::socket router;
    zmtp::socket dealer;

    connected_pair(zmtp::socket_options router_options, zmtp::socket_options dealer_options,
                   const std::string& bind_to = "tcp://127.0.0.1:*", const std::string& source = "")
        : router(ctx, socket_type::router, test_options(std::move(router_options))),
          dealer(ctx, socket_type::dealer, test_options(std::move(dealer_options)))
    {
        router.bind(bind_to);
        const std::string bound = router.last_endpoint();
        dealer.connect(source.empty() ? bound : "tcp://" + source + bound.substr(std::strlen("tcp://")));
        dealer.send(message{"ping"});
        last = router.receive();
        CHECK(parts(last) == strings{"d", "ping"});
        router.send(message{"d", "pong"});
        CHECK(parts(dealer.receive()) == strings{"pong"});
    }

    /// What the router received.
    message last;
};

zmtp::socket_options with_id(zmtp::socket_options o)
{
    o.routing_id = "d";
    return o;
}

/// A fresh name in the abstract namespace.
std::string unique_abstract()
{
    static std::atomic<int> counter{0};
    return "ipc://@zmtp-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

/// Whether the kernel lists the abstract Unix socket `@name` as bound.
bool abstract_socket_listed(const std::string& at_name)
{
    std::ifstream table("/proc/net/unix");
    std::string line;
    while (std::getline(table, line))
        if (line.size() >= at_name.size() + 1 && line.ends_with(" " + at_name))
            return true;
    return false;
}

} // namespace

TEST_CASE("transport options: keepalive, its timings, TCP_USER_TIMEOUT and ToS on both ends of a tcp connection")
{
    connected_pair pair({.tcp_keepalive = true,
                         .tcp_keepalive_idle = 40s,
                         .tcp_keepalive_interval = 6s,
                         .tcp_keepalive_count = 5,
                         .tcp_max_retransmit_timeout = 2500ms,
                         .type_of_service = 0x10},
                        with_id({.tcp_keepalive = true,
                                 .tcp_keepalive_idle = 30s,
                                 .tcp_keepalive_interval = 5s,
                                 .tcp_keepalive_count = 4,
                                 .tcp_max_retransmit_timeout = 1500ms,
                                 .type_of_service = 0x28}));
    const connection_ends ends = find_tcp_connection(port_of(pair.router.last_endpoint()));

    CHECK(int_option(ends.connected, SOL_SOCKET, SO_KEEPALIVE) == 1);
    CHECK(int_option(ends.connected, IPPROTO_TCP, TCP_KEEPIDLE) == 30);
    CHECK(int_option(ends.connected, IPPROTO_TCP, TCP_KEEPINTVL) == 5);
    CHECK(int_option(ends.connected, IPPROTO_TCP, TCP_KEEPCNT) == 4);
    CHECK(int_option(ends.connected, IPPROTO_TCP, TCP_USER_TIMEOUT) == 1500);
    CHECK(int_option(ends.connected, IPPROTO_IP, IP_TOS) == 0x28);

    CHECK(int_option(ends.accepted, SOL_SOCKET, SO_KEEPALIVE) == 1);
    CHECK(int_option(ends.accepted, IPPROTO_TCP, TCP_KEEPIDLE) == 40);
    CHECK(int_option(ends.accepted, IPPROTO_TCP, TCP_KEEPINTVL) == 6);
    CHECK(int_option(ends.accepted, IPPROTO_TCP, TCP_KEEPCNT) == 5);
    CHECK(int_option(ends.accepted, IPPROTO_TCP, TCP_USER_TIMEOUT) == 2500);
    CHECK(int_option(ends.accepted, IPPROTO_IP, IP_TOS) == 0x10);
}

TEST_CASE("transport options: unset, the system's defaults stay (keepalive off, no user timeout, ToS 0)")
{
    connected_pair pair({}, with_id({}));
    const connection_ends ends = find_tcp_connection(port_of(pair.router.last_endpoint()));
    for (const int fd : {ends.connected, ends.accepted}) {
        CHECK(int_option(fd, SOL_SOCKET, SO_KEEPALIVE) == 0);
        CHECK(int_option(fd, IPPROTO_TCP, TCP_USER_TIMEOUT) == 0);
        CHECK(int_option(fd, IPPROTO_IP, IP_TOS) == 0);
    }
}

TEST_CASE("transport options: tcp_keepalive false turns off the keepalive an accepted socket inherits")
{
    // An accepted socket inherits SO_KEEPALIVE from its listener: turned on there, it is on
    // in each connection unless tcp_keepalive = false turns it off.
    for (const std::optional<bool> keepalive : {std::optional<bool>{}, std::optional<bool>{false}}) {
        CAPTURE(keepalive.has_value());
        zmtp::context ctx;
        zmtp::socket router(ctx, socket_type::router, test_options({.tcp_keepalive = keepalive}));
        router.bind("tcp://127.0.0.1:*");
        const std::uint16_t port = port_of(router.last_endpoint());
        int listeners = 0;
        for (const int fd : open_fds())
            if (tcp_port(fd, false) == port && !tcp_port(fd, true)) {
                const int on = 1;
                REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) == 0);
                ++listeners;
            }
        REQUIRE(listeners == 1);
        zmtp::socket dealer(ctx, socket_type::dealer, test_options({.routing_id = "d"}));
        dealer.connect(router.last_endpoint());
        dealer.send(message{"x"});
        CHECK(parts(router.receive()) == strings{"d", "x"});
        const connection_ends ends = find_tcp_connection(port);
        CHECK(int_option(ends.accepted, SOL_SOCKET, SO_KEEPALIVE) == (keepalive ? 0 : 1));
        CHECK(int_option(ends.connected, SOL_SOCKET, SO_KEEPALIVE) == 0);
    }
}

TEST_CASE("transport options: send and receive buffer sizes on tcp and ipc connections (Linux doubles them)")
{
    const zmtp::socket_options buffers{.send_buffer_size = 65536, .receive_buffer_size = 98304};
    connected_pair tcp(buffers, with_id(buffers));
    const connection_ends t = find_tcp_connection(port_of(tcp.router.last_endpoint()));
    for (const int fd : {t.connected, t.accepted}) {
        CHECK(int_option(fd, SOL_SOCKET, SO_SNDBUF) == 2 * 65536);
        CHECK(int_option(fd, SOL_SOCKET, SO_RCVBUF) == 2 * 98304);
    }

    const std::string ipc = unique_ipc();
    connected_pair unix_pair(buffers, with_id(buffers), ipc);
    const connection_ends u = find_ipc_connection(ipc.substr(std::strlen("ipc://")));
    for (const int fd : {u.connected, u.accepted}) {
        CHECK(int_option(fd, SOL_SOCKET, SO_SNDBUF) == 2 * 65536);
        CHECK(int_option(fd, SOL_SOCKET, SO_RCVBUF) == 2 * 98304);
    }
}

TEST_CASE("transport options: bind_to_device binds listener and connection to the interface (lo)")
{
    connected_pair pair({.bind_to_device = "lo"}, with_id({.bind_to_device = "lo"}));
    const connection_ends ends = find_tcp_connection(port_of(pair.router.last_endpoint()));
    CHECK(device_of(ends.connected) == "lo");
    CHECK(device_of(ends.accepted) == "lo");

    connected_pair unbound({}, with_id({}));
    const connection_ends plain = find_tcp_connection(port_of(unbound.router.last_endpoint()));
    CHECK(device_of(plain.connected).empty());
    CHECK(device_of(plain.accepted).empty());
}

TEST_CASE("transport options: bind_to_device naming no interface fails bind with no_such_device")
{
    zmtp::context ctx;
    zmtp::socket router(ctx, socket_type::router, test_options({.bind_to_device = "zmtp-nodev9"}));
    std::error_code ec;
    router.bind("tcp://127.0.0.1:*", ec);
    CHECK(ec == std::errc::no_such_device);
}

TEST_CASE("transport options: a tcp connect from a source address (source before destination)")
{
    connected_pair pair({}, with_id({}), "tcp://127.0.0.1:*", "127.0.0.2:0;");
    CHECK(pair.last.property("Peer-Address") == std::optional<std::string_view>("127.0.0.2"));

    // A source port: one the system just gave out and took back.
    const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(probe >= 0);
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(probe, reinterpret_cast<sockaddr*>(&any), sizeof any) == 0);
    const std::optional<std::uint16_t> free_port = tcp_port(probe, false);
    ::close(probe);
    REQUIRE(free_port);
    const std::string source = "lo:" + std::to_string(*free_port) + ";";
    connected_pair fixed({}, with_id({}), "tcp://127.0.0.1:*", source);
    CHECK(fixed.last.property("Peer-Address") == std::optional<std::string_view>("127.0.0.1"));
    const connection_ends ends = find_tcp_connection(port_of(fixed.router.last_endpoint()));
    CHECK(tcp_port(ends.accepted, true) == free_port);
}

TEST_CASE("transport options: bind refuses an endpoint with a source")
{
    zmtp::context ctx;
    zmtp::socket router(ctx, socket_type::router, test_options());
    router.bind("tcp://127.0.0.1:*");
    const std::string text = "tcp://127.0.0.2:0;" + router.last_endpoint().substr(std::strlen("tcp://"));
    zmtp::socket other(ctx, socket_type::router, test_options());
    std::error_code ec;
    other.bind(text, ec);
    CHECK(ec == zmtp::errc::invalid_endpoint);
    CHECK(zmtp::describe_endpoint_error(text, ec) == text + ": bind takes no source (source;destination is for connect)");
}

TEST_CASE("transport options: ipc in the abstract namespace makes no file and gives its name back")
{
    const std::string text = unique_abstract();
    const std::string name = text.substr(std::strlen("ipc://"));
    {
        connected_pair pair({}, with_id({}), text);
        CHECK(pair.router.last_endpoint() == text);
        CHECK(abstract_socket_listed(name));
        CHECK_FALSE(std::filesystem::exists(name));
        CHECK_FALSE(std::filesystem::exists(name.substr(1)));
        const connection_ends ends = find_ipc_connection(name);
        CHECK(unix_path(ends.accepted, false) == name);
    }
    CHECK_FALSE(abstract_socket_listed(name));

    // Bound twice: the second is refused; once closed, the name is free again.
    zmtp::context ctx;
    zmtp::socket first(ctx, socket_type::router, test_options());
    first.bind(text);
    zmtp::socket second(ctx, socket_type::router, test_options());
    std::error_code ec;
    second.bind(text, ec);
    CHECK(ec == zmtp::errc::address_in_use);
    first.close();
    second.bind(text);
    CHECK(second.last_endpoint() == text);
}

TEST_CASE("transport options: connect_timeout ends a tcp connect the peer never answers")
{
    // A listener whose accept queue is full: the kernel drops further SYNs, so a connect
    // waits for minutes unless something ends it.
    const int full = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(full >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(full, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(full, 0) == 0);
    const std::uint16_t port = *tcp_port(full, false);
    address.sin_port = htons(port);
    const int queued = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(::connect(queued, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    // A listener's TCP_INFO counts its accept queue in tcpi_unacked.
    for (;;) {
        tcp_info info{};
        socklen_t size = sizeof info;
        REQUIRE(::getsockopt(full, IPPROTO_TCP, TCP_INFO, &info, &size) == 0);
        if (info.tcpi_unacked >= 1)
            break;
        std::this_thread::sleep_for(1ms);
    }

    zmtp::context ctx;
    zmtp::socket dealer(ctx, socket_type::dealer, test_options({.reconnect_interval = 10s, .connect_timeout = 50ms}));
    dealer.enable_monitor();
    const std::string target = "tcp://127.0.0.1:" + std::to_string(port);
    dealer.connect(target);
    std::future<zmtp::monitor_event> next = dealer.async_next_event(asio::use_future);
    REQUIRE(next.wait_for(20s) == std::future_status::ready);
    CHECK(next.get().type == zmtp::monitor_event_type::connect_delayed);
    next = dealer.async_next_event(asio::use_future);
    REQUIRE(next.wait_for(20s) == std::future_status::ready);
    const zmtp::monitor_event e = next.get();
    CHECK(e.type == zmtp::monitor_event_type::connect_retried);
    CHECK(e.endpoint == target);
    CHECK(e.error == asio::error::timed_out);
    ::close(queued);
    ::close(full);
}

namespace {

/// The first byte `client` receives (a greeting's 0xFF), or nullopt when the other end
/// closes the connection at once.
template <class Stream>
std::optional<int> first_byte(Stream& client)
{
    unsigned char byte = 0;
    std::error_code ec;
    asio::read(client, asio::buffer(&byte, 1), ec);
    if (ec == asio::error::eof || ec == asio::error::connection_reset)
        return std::nullopt;
    REQUIRE_FALSE(ec);
    return byte;
}

/// What a raw tcp client from `source` to 127.0.0.1:`port` reads first: the greeting's
/// first byte, 0xFF, or nullopt when the connection is closed without a byte.
std::optional<int> first_byte_from(const char* source, std::uint16_t port)
{
    asio::io_context io;
    asio::ip::tcp::socket client(io, asio::ip::tcp::v4());
    client.bind({asio::ip::make_address(source), 0});
    client.connect({asio::ip::make_address("127.0.0.1"), port});
    return first_byte(client);
}

} // namespace

TEST_CASE("transport options: tcp_accept_filters close connections from other addresses at once")
{
    zmtp::context ctx;
    zmtp::socket router(ctx, socket_type::router, test_options({.tcp_accept_filters = {"127.0.0.2", "10.0.0.0/8"}}));
    router.bind("tcp://127.0.0.1:*");
    const std::uint16_t port = port_of(router.last_endpoint());
    CHECK(first_byte_from("127.0.0.1", port) == std::nullopt);
    CHECK(first_byte_from("127.0.0.3", port) == std::nullopt);
    CHECK(first_byte_from("127.0.0.2", port) == 0xFF);

    zmtp::socket dealer(ctx, socket_type::dealer, test_options({.routing_id = "d"}));
    dealer.connect("tcp://127.0.0.2:0;" + router.last_endpoint().substr(std::strlen("tcp://")));
    dealer.send(message{"through"});
    CHECK(parts(router.receive()) == strings{"d", "through"});

    // A block admits its addresses; no filter at all admits everyone.
    router.set(&zmtp::socket_options::tcp_accept_filters, std::vector<std::string>{"127.0.0.0/31"});
    CHECK(first_byte_from("127.0.0.1", port) == 0xFF);
    CHECK(first_byte_from("127.0.0.2", port) == std::nullopt);
    router.set(&zmtp::socket_options::tcp_accept_filters, std::vector<std::string>{});
    CHECK(first_byte_from("127.0.0.3", port) == 0xFF);
}

namespace {

/// Connects to the ipc listener at `path`: first_byte() of the connection.
std::optional<int> first_byte_from_ipc(const std::string& path)
{
    asio::io_context io;
    asio::local::stream_protocol::socket client(io);
    client.connect(asio::local::stream_protocol::endpoint(path));
    return first_byte(client);
}

/// A group id this process's user is not in.
gid_t foreign_group()
{
    std::vector<gid_t> ours(static_cast<std::size_t>(::getgroups(0, nullptr)));
    ours.resize(static_cast<std::size_t>(::getgroups(static_cast<int>(ours.size()), ours.data())));
    gid_t g = 54321;
    while (g == ::getgid() || std::find(ours.begin(), ours.end(), g) != ours.end())
        ++g;
    return g;
}

} // namespace

TEST_CASE("transport options: ipc_accept_pids, _uids and _gids admit local processes by their credentials")
{
    zmtp::context ctx;
    const std::string endpoint = unique_ipc();
    const std::string path = endpoint.substr(std::strlen("ipc://"));
    zmtp::socket router(ctx, socket_type::router, test_options({.ipc_accept_uids = {::getuid() + 1}}));
    router.bind(endpoint);
    CHECK(first_byte_from_ipc(path) == std::nullopt); // another user's filter
    router.set(&zmtp::socket_options::ipc_accept_gids, std::vector<gid_t>{foreign_group()});
    CHECK(first_byte_from_ipc(path) == std::nullopt); // nor a group we are not in
    router.set(&zmtp::socket_options::ipc_accept_pids, std::vector<pid_t>{::getpid()});
    CHECK(first_byte_from_ipc(path) == 0xFF); // one filter that admits is enough

    router.set(&zmtp::socket_options::ipc_accept_pids, std::vector<pid_t>{});
    router.set(&zmtp::socket_options::ipc_accept_gids, std::vector<gid_t>{::getgid()});
    CHECK(first_byte_from_ipc(path) == 0xFF);
    router.set(&zmtp::socket_options::ipc_accept_gids, std::vector<gid_t>{});
    router.set(&zmtp::socket_options::ipc_accept_uids, std::vector<uid_t>{::getuid()});
    zmtp::socket dealer(ctx, socket_type::dealer, test_options({.routing_id = "d"}));
    dealer.connect(endpoint);
    dealer.send(message{"admitted"});
    CHECK(parts(router.receive()) == strings{"d", "admitted"});
    router.set(&zmtp::socket_options::ipc_accept_uids, std::vector<uid_t>{});
    CHECK(first_byte_from_ipc(path) == 0xFF); // no filter: every peer
}

namespace {

/// A stream socket bound (AF_INET: to 127.0.0.1 and an ephemeral port; AF_UNIX: to
/// `path`, "@name" in the abstract namespace) and, when `listening`, listening.
int bound_descriptor(int family, const std::string& path = "", bool listening = true)
{
    const int fd = ::socket(family, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_storage address{};
    socklen_t size = 0;
    if (family == AF_INET) {
        auto& in = reinterpret_cast<sockaddr_in&>(address);
        in.sin_family = AF_INET;
        in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        size = sizeof in;
    } else {
        auto& un = reinterpret_cast<sockaddr_un&>(address);
        un.sun_family = AF_UNIX;
        REQUIRE(path.size() < sizeof un.sun_path);
        std::memcpy(un.sun_path, path.data(), path.size());
        if (path.starts_with('@'))
            un.sun_path[0] = '\0';
        size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
    }
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), size) == 0);
    if (listening)
        REQUIRE(::listen(fd, 16) == 0);
    return fd;
}

bool is_open(int fd)
{
    return ::fcntl(fd, F_GETFD) != -1;
}

/// A dealer's options for connected_pair: should bind() name an address nobody listens on,
/// a test fails instead of waiting at close for its message to go.
const zmtp::socket_options unlingering_dealer = with_id({.linger = 0ms});

} // namespace

TEST_CASE("transport options: use_fd makes a tcp listener of a listening descriptor, and bind's address is ignored")
{
    const int fd = bound_descriptor(AF_INET);
    const std::string real = "tcp://127.0.0.1:" + std::to_string(*tcp_port(fd, false));
    {
        // As in libzmq, the endpoint only says tcp: its address is not the one listened on.
        connected_pair pair({.use_fd = fd}, unlingering_dealer, "tcp://192.0.2.1:5555");
        CHECK(pair.router.last_endpoint() == real);
        // The listener owns the descriptor: unbind (by either name) closes it.
        pair.router.unbind("tcp://192.0.2.1:5555");
        CHECK_FALSE(is_open(fd));
    }

    const int again = bound_descriptor(AF_INET);
    const std::string again_real = "tcp://127.0.0.1:" + std::to_string(*tcp_port(again, false));
    {
        connected_pair pair({.use_fd = again}, unlingering_dealer);
        CHECK(pair.router.last_endpoint() == again_real);
        pair.router.unbind(again_real);
        CHECK_FALSE(is_open(again));
    }
}

TEST_CASE("transport options: use_fd makes an ipc listener of a listening Unix socket, its file left at close")
{
    const std::string real = unique_ipc();
    const std::string real_path = real.substr(std::strlen("ipc://"));
    const std::string given = unique_ipc();
    const int fd = bound_descriptor(AF_UNIX, real_path);
    {
        connected_pair pair({.use_fd = fd}, unlingering_dealer, given);
        CHECK(pair.router.last_endpoint() == real);
        CHECK_FALSE(std::filesystem::exists(given.substr(std::strlen("ipc://"))));
    }
    CHECK_FALSE(is_open(fd));
    // libzmq leaves the file of a socket it did not bind.
    CHECK(std::filesystem::is_socket(real_path));
    std::filesystem::remove(real_path);

    const std::string abstract = unique_abstract();
    const int named = bound_descriptor(AF_UNIX, abstract.substr(std::strlen("ipc://")));
    {
        connected_pair pair({.use_fd = named}, unlingering_dealer, unique_ipc());
        CHECK(pair.router.last_endpoint() == abstract);
    }
    CHECK_FALSE(is_open(named));
}

TEST_CASE("transport options: use_fd refuses a descriptor not listening, of the other transport, or in use")
{
    zmtp::context ctx;
    const std::string path = unique_ipc().substr(std::strlen("ipc://"));
    const int not_listening = bound_descriptor(AF_INET, "", false);
    const int datagram = ::socket(AF_INET, SOCK_DGRAM, 0);
    const int tcp = bound_descriptor(AF_INET);
    const int unix_socket = bound_descriptor(AF_UNIX, path);
    struct refused {
        int fd;
        std::string endpoint;
    };
    for (const refused& r : {refused{not_listening, "tcp://127.0.0.1:*"}, refused{datagram, "tcp://127.0.0.1:*"},
                             refused{tcp, unique_ipc()}, refused{unix_socket, "tcp://127.0.0.1:*"}}) {
        CAPTURE(r.endpoint);
        zmtp::socket router(ctx, socket_type::router, test_options({.use_fd = r.fd}));
        std::error_code ec;
        router.bind(r.endpoint, ec);
        CHECK(ec == zmtp::errc::invalid_argument);
        CHECK(router.last_endpoint().empty());
        router.close();
        CHECK(is_open(r.fd)); // not taken: still the caller's
    }

    // Held by a listener of this socket: a second tcp or ipc bind is refused; inproc ignores it.
    zmtp::socket router(ctx, socket_type::router, test_options({.use_fd = tcp}));
    router.bind("tcp://127.0.0.1:*");
    std::error_code ec;
    router.bind("tcp://127.0.0.1:*", ec);
    CHECK(ec == zmtp::errc::address_in_use);
    const std::string inproc = unique_inproc();
    router.bind(inproc);
    CHECK(router.last_endpoint() == inproc);
    router.close();
    CHECK_FALSE(is_open(tcp));

    ::close(not_listening);
    ::close(datagram);
    ::close(unix_socket);
    std::filesystem::remove(path);
}
