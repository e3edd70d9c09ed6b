// Unit tests for zmtp::validate(socket_options): each constraint accepted at its
// boundary and refused just past it, with a reason that names the field.
#include "zmtp/options.hpp"

#include <doctest/doctest.h>

#include "zmtp/error.hpp"
#include "zmtp/wire/command.hpp"
#include "zmtp/wire/connection.hpp"
#include "zmtp/wire/greeting.hpp"
#include "zmtp/wire/metadata.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using zmtp::socket_options;
using zmtp::wire::connection;

namespace {

/// Checks that `o` is accepted and `why` is left as it was.
void check_accepted(const socket_options& o)
{
    std::string why = "untouched";
    CHECK(zmtp::validate(o, why) == std::error_code{});
    CHECK(why == "untouched");
}

/// Checks that `o` is refused with errc::invalid_argument and returns the reason.
std::string refusal(const socket_options& o)
{
    std::string why;
    const std::error_code ec = zmtp::validate(o, why);
    CHECK(ec == zmtp::errc::invalid_argument);
    CHECK(ec == std::errc::invalid_argument);
    return why;
}

/// Checks that `o` is refused and the reason starts with "<field>: ".
void check_refused(const socket_options& o, const std::string& field)
{
    const std::string why = refusal(o);
    INFO("why: " << why);
    CHECK(why.rfind(field + ": ", 0) == 0);
}

/// Checks that the duration `member` accepts 0 and max_option_duration, and refuses -1 ms
/// and one more than the maximum with exact reasons (ending in `hint`), and the extremes.
template <class Duration>
void check_duration_range(const std::string& field, Duration socket_options::*member, const std::string& hint)
{
    CAPTURE(field);
    socket_options o;
    o.*member = 0ms;
    check_accepted(o);
    o.*member = zmtp::max_option_duration;
    check_accepted(o);

    o.*member = -1ms;
    CHECK(refusal(o) == field + ": must not be negative, not -1 ms" + hint);
    o.*member = zmtp::max_option_duration + 1ms;
    CHECK(refusal(o) == field + ": must be at most 2147483647 ms, not 2147483648 ms" + hint);
    o.*member = std::chrono::milliseconds::min();
    check_refused(o, field);
    o.*member = std::chrono::milliseconds::max();
    check_refused(o, field);
}

/// The state a REQ connection with these limits reaches once it has read a REP's greeting
/// and READY (Socket-Type REP, nothing else: the smallest READY there is).
connection::state req_with_limits(std::size_t max_handshake_size, std::uint64_t max_command_size)
{
    const connection::time_point t0{};
    zmtp::wire::connection_options req;
    req.type = zmtp::socket_type::req;
    req.max_handshake_size = max_handshake_size;
    req.limits.max_command_size = max_command_size;
    connection c(req, t0);

    zmtp::wire::metadata rep;
    rep.set("Socket-Type", "REP");
    const auto greeting = zmtp::wire::encode_greeting({3, 1, "NULL", false});
    std::vector<std::byte> input(greeting.begin(), greeting.end());
    const std::vector<std::byte> ready = zmtp::wire::encode_ready(rep);
    REQUIRE(input.size() + ready.size() == zmtp::min_handshake_size);
    input.insert(input.end(), ready.begin(), ready.end());

    std::span<const std::byte> rest(input);
    while (!rest.empty() && c.current_state() != connection::state::closed)
        rest = rest.subspan(c.receive(rest, t0).consumed);
    return c.current_state();
}

} // namespace

TEST_CASE("options: the defaults are valid")
{
    check_accepted(socket_options{});
}

TEST_CASE("options: routing_id is empty or 1..255 bytes, not starting with a zero byte")
{
    check_accepted({.routing_id = ""});
    check_accepted({.routing_id = "a"});
    check_accepted({.routing_id = std::string(255, 'x')});
    check_accepted({.routing_id = std::string("a\0b", 3)}); // a zero byte elsewhere is fine
    check_accepted({.routing_id = "\x01"});

    CHECK(refusal({.routing_id = std::string(256, 'x')}) == "routing_id: must be at most 255 bytes, not 256");
    CHECK(refusal({.routing_id = std::string(1, '\0')})
          == "routing_id: must not start with a zero byte (those are the ids a ROUTER generates)");
    check_refused({.routing_id = std::string("\0abcd", 5)}, "routing_id");
    check_refused({.routing_id = std::string(1 << 20, 'x')}, "routing_id");
}

TEST_CASE("options: linger, send_timeout, receive_timeout and reconnect_interval are unset or 0..max_option_duration")
{
    for (const auto& [field, member] : {std::pair{"linger", &socket_options::linger},
                                        std::pair{"send_timeout", &socket_options::send_timeout},
                                        std::pair{"receive_timeout", &socket_options::receive_timeout}}) {
        socket_options o;
        o.*member = std::nullopt;
        check_accepted(o);
        check_duration_range(field, member, " (std::nullopt waits forever)");
    }
    socket_options never;
    never.reconnect_interval = std::nullopt;
    check_accepted(never);
    check_duration_range("reconnect_interval", &socket_options::reconnect_interval, " (std::nullopt never reconnects)");
}

TEST_CASE("options: reconnect intervals, heartbeat_interval and handshake_timeout are 0..max_option_duration")
{
    for (const auto& [field, member] :
         {std::pair{"reconnect_interval_max", &socket_options::reconnect_interval_max},
          std::pair{"heartbeat_interval", &socket_options::heartbeat_interval},
          std::pair{"handshake_timeout", &socket_options::handshake_timeout}})
        check_duration_range(field, member, "");
}

TEST_CASE("options: reconnect_interval_max below reconnect_interval is allowed (no backoff, as libzmq)")
{
    check_accepted({.reconnect_interval = 1000ms, .reconnect_interval_max = 10ms});
}

TEST_CASE("options: heartbeat_timeout is unset or 1 ms..max_option_duration")
{
    check_accepted({.heartbeat_timeout = std::nullopt});
    check_accepted({.heartbeat_timeout = 1ms});
    check_accepted({.heartbeat_timeout = zmtp::max_option_duration});
    CHECK(refusal({.heartbeat_timeout = 0ms})
          == "heartbeat_timeout: must be at least 1 ms, not 0 ms (std::nullopt means heartbeat_interval)");
    check_refused({.heartbeat_timeout = -5ms}, "heartbeat_timeout");
    check_refused({.heartbeat_timeout = zmtp::max_option_duration + 1ms}, "heartbeat_timeout");
}

TEST_CASE("options: heartbeat_ttl fits the PING's 16-bit decisecond field")
{
    CHECK(zmtp::max_heartbeat_ttl == 6553599ms);
    CHECK(zmtp::max_heartbeat_ttl / 100ms == 0xFFFF);
    check_accepted({.heartbeat_ttl = 0ms});
    check_accepted({.heartbeat_ttl = 99ms}); // rounds down to "no TTL", as libzmq
    check_accepted({.heartbeat_ttl = 6553599ms});
    CHECK(refusal({.heartbeat_ttl = 6553600ms})
          == "heartbeat_ttl: must be at most 6553599 ms, not 6553600 ms"
             " (the PING's TTL field holds 65535 deciseconds)");
    check_refused({.heartbeat_ttl = -1ms}, "heartbeat_ttl");
}

TEST_CASE("options: max_message_frames is at least 1")
{
    check_accepted({.max_message_frames = 1});
    check_accepted({.max_message_frames = UINT64_MAX});
    CHECK(refusal({.max_message_frames = 0})
          == "max_message_frames: must be at least 1 (a message has a frame), not 0");
}

TEST_CASE("options: max_command_size and max_handshake_size leave room for the smallest READY")
{
    check_accepted({.max_command_size = zmtp::min_command_size});
    check_accepted({.max_handshake_size = zmtp::min_handshake_size});
    CHECK(refusal({.max_command_size = zmtp::min_command_size - 1})
          == "max_command_size: must be at least 25 (the smallest READY), not 24");
    check_refused({.max_command_size = 0}, "max_command_size");
    CHECK(refusal({.max_handshake_size = zmtp::min_handshake_size - 1})
          == "max_handshake_size: must be at least 91 (a greeting and the smallest READY), not 90");
    check_refused({.max_handshake_size = 0}, "max_handshake_size");
}

TEST_CASE("options: the smallest limits validate() accepts complete a handshake, one byte less does not")
{
    // The constants are not guessed: a REP's READY is the smallest a peer can send, and a
    // REQ that reads it gets through its handshake with these limits, not with one less.
    CHECK(req_with_limits(zmtp::min_handshake_size, 64 * 1024) == connection::state::ready);
    CHECK(req_with_limits(zmtp::min_handshake_size - 1, 64 * 1024) == connection::state::closed);
    CHECK(req_with_limits(64 * 1024, zmtp::min_command_size) == connection::state::ready);
    CHECK(req_with_limits(64 * 1024, zmtp::min_command_size - 1) == connection::state::closed);
}

TEST_CASE("options: backlog is not negative")
{
    check_accepted({.backlog = 0});
    check_accepted({.backlog = INT32_MAX});
    CHECK(refusal({.backlog = -1}) == "backlog: must not be negative, not -1");
}

TEST_CASE("options: use_fd is a descriptor or -1")
{
    check_accepted({.use_fd = -1});
    check_accepted({.use_fd = 0});
    check_accepted({.use_fd = INT32_MAX});
    CHECK(refusal({.use_fd = -2}) == "use_fd: must be a descriptor or -1 (none), not -2");
}

TEST_CASE("options: fields without constraints accept any value")
{
    check_accepted({.send_hwm = 0, .receive_hwm = 0, .max_message_size = 0, .max_monitor_events = 0});
    check_accepted({.send_hwm = SIZE_MAX, .receive_hwm = SIZE_MAX, .max_message_size = UINT64_MAX,
                    .max_monitor_events = SIZE_MAX});
}

TEST_CASE("options: the first broken field in declaration order is the one reported")
{
    const socket_options o{.routing_id = std::string(1, '\0'), .linger = -1ms, .backlog = -1};
    CHECK(refusal(o).rfind("routing_id: ", 0) == 0);
    CHECK(refusal({.linger = -1ms, .backlog = -1}).rfind("linger: ", 0) == 0);
}

TEST_CASE("options: PLAIN is a server or a client, with credentials of at most 255 bytes")
{
    socket_options o;
    o.plain_server = true;
    check_accepted(o);
    o.plain_username = "admin";
    CHECK(refusal(o) == "plain_server: a socket is a PLAIN server or a PLAIN client (plain_username/plain_password), not both");
    o.plain_server = false;
    o.plain_password = std::string(255, 'p');
    check_accepted(o);
    o.plain_password = std::string(256, 'p');
    CHECK(refusal(o) == "plain_password: must be at most 255 bytes");
    o.plain_password.reset();
    o.plain_username = std::string(256, 'u');
    CHECK(refusal(o) == "plain_username: must be at most 255 bytes");
}

TEST_CASE("options: zap_domain is at most 255 bytes, metadata names start with X-")
{
    socket_options o;
    o.zap_domain = std::string(255, 'd');
    check_accepted(o);
    o.zap_domain += 'd';
    CHECK(refusal(o) == "zap_domain: must be at most 255 bytes");

    socket_options m;
    m.metadata = {{"X-Colour", "blue"}, {"x-lower", ""}};
    check_accepted(m);
    for (const char* bad : {"Colour", "X-", "X-with space", "Y-x"}) {
        CAPTURE(bad);
        socket_options b;
        b.metadata = {{bad, "v"}};
        check_refused(b, "metadata");
    }
    socket_options long_name;
    long_name.metadata = {{"X-" + std::string(254, 'n'), "v"}};
    check_refused(long_name, "metadata");
}

TEST_CASE("options: connect_timeout and tcp_max_retransmit_timeout are 0..max_option_duration")
{
    check_duration_range("connect_timeout", &socket_options::connect_timeout, "");
    check_duration_range("tcp_max_retransmit_timeout", &socket_options::tcp_max_retransmit_timeout, "");
}

TEST_CASE("options: tcp keepalive idle and interval are unset or 1..32767 s, the count unset or 1..127")
{
    check_accepted({.tcp_keepalive = true, .tcp_keepalive_idle = 1s, .tcp_keepalive_interval = 1s, .tcp_keepalive_count = 1});
    check_accepted({.tcp_keepalive = false, .tcp_keepalive_idle = 32767s, .tcp_keepalive_interval = 32767s,
                    .tcp_keepalive_count = 127});
    CHECK(refusal({.tcp_keepalive_idle = 0s}) == "tcp_keepalive_idle: must be 1..32767 s, not 0 s (std::nullopt leaves the system's)");
    CHECK(refusal({.tcp_keepalive_idle = 32768s})
          == "tcp_keepalive_idle: must be 1..32767 s, not 32768 s (std::nullopt leaves the system's)");
    CHECK(refusal({.tcp_keepalive_interval = -1s})
          == "tcp_keepalive_interval: must be 1..32767 s, not -1 s (std::nullopt leaves the system's)");
    check_refused({.tcp_keepalive_interval = 32768s}, "tcp_keepalive_interval");
    CHECK(refusal({.tcp_keepalive_count = 0}) == "tcp_keepalive_count: must be 1..127, not 0");
    CHECK(refusal({.tcp_keepalive_count = 128}) == "tcp_keepalive_count: must be 1..127, not 128");
    check_refused({.tcp_keepalive_count = -1}, "tcp_keepalive_count");
}

TEST_CASE("options: type_of_service is 0..255")
{
    check_accepted({.type_of_service = 0});
    check_accepted({.type_of_service = 255});
    CHECK(refusal({.type_of_service = 256}) == "type_of_service: must be 0..255, not 256");
    CHECK(refusal({.type_of_service = -1}) == "type_of_service: must be 0..255, not -1");
}

TEST_CASE("options: bind_to_device is an interface name of at most 15 bytes")
{
    check_accepted({.bind_to_device = "lo"});
    check_accepted({.bind_to_device = std::string(15, 'e')});
    CHECK(refusal({.bind_to_device = std::string(16, 'e')})
          == "bind_to_device: must be at most 15 bytes (an interface name), not 16");
    CHECK(refusal({.bind_to_device = std::string("l\0o", 3)}) == "bind_to_device: must not hold a zero byte");
}

TEST_CASE("options: send and receive buffer sizes are unset or not negative")
{
    check_accepted({.send_buffer_size = 0, .receive_buffer_size = 0});
    check_accepted({.send_buffer_size = INT32_MAX, .receive_buffer_size = INT32_MAX});
    CHECK(refusal({.send_buffer_size = -1})
          == "send_buffer_size: must not be negative, not -1 (std::nullopt leaves the system's)");
    CHECK(refusal({.receive_buffer_size = -1})
          == "receive_buffer_size: must not be negative, not -1 (std::nullopt leaves the system's)");
}

TEST_CASE("options: tcp_accept_filters are IPv4 or IPv6 addresses or CIDR blocks")
{
    check_accepted({.tcp_accept_filters = {"127.0.0.1", "10.0.0.0/8", "::1", "fe80::/10", "0.0.0.0/0"}});
    CHECK(refusal({.tcp_accept_filters = {"10.0.0.0/8", "10.0.0.0/33"}})
          == "tcp_accept_filters: '10.0.0.0/33' is no IPv4 or IPv6 address or CIDR block (e.g. 10.0.0.0/8, fe80::/10)");
    check_refused({.tcp_accept_filters = {"localhost"}}, "tcp_accept_filters");
    check_refused({.tcp_accept_filters = {""}}, "tcp_accept_filters");
}
