#include "zmtp/options.hpp"

#include "runtime/accept_filter.hpp"
#include "zmtp/endpoint.hpp"
#include "zmtp/error.hpp"

#include <string_view>

namespace zmtp {
namespace {

/// Longest routing id: its length travels in one byte (RFC 23's Identity property).
constexpr std::size_t max_routing_id = 255;

/// Longest TCP_KEEPIDLE and TCP_KEEPINTVL Linux takes (its MAX_TCP_KEEPIDLE/KEEPINTVL).
constexpr std::chrono::seconds max_keepalive_seconds{32767};

/// Most TCP_KEEPCNT probes Linux takes (its MAX_TCP_KEEPCNT).
constexpr int max_keepalive_count = 127;

/// Longest interface name: IFNAMSIZ (16) less its terminating zero.
constexpr std::size_t max_device_name = 15;

/// The first broken constraint, as "field: reason"; empty while all hold.
class checker {
public:
    /// `value` must be within [low, high] milliseconds.
    void duration(std::string_view field, std::chrono::milliseconds value, std::chrono::milliseconds low,
                  std::chrono::milliseconds high, std::string_view hint = {})
    {
        if (!why_.empty())
            return;
        if (value < low)
            fail(field, (low.count() == 0 ? std::string("must not be negative")
                                          : "must be at least " + std::to_string(low.count()) + " ms")
                            + ", not " + std::to_string(value.count()) + " ms" + std::string(hint));
        else if (value > high)
            fail(field, "must be at most " + std::to_string(high.count()) + " ms, not "
                            + std::to_string(value.count()) + " ms" + std::string(hint));
    }

    void duration(std::string_view field, std::optional<std::chrono::milliseconds> value, std::chrono::milliseconds low,
                  std::string_view hint)
    {
        if (value)
            duration(field, *value, low, max_option_duration, hint);
    }

    /// An unset `value` or one within [1, high] seconds.
    void seconds(std::string_view field, std::optional<std::chrono::seconds> value, std::chrono::seconds high)
    {
        if (why_.empty() && value && (*value < std::chrono::seconds{1} || *value > high))
            fail(field, "must be 1.." + std::to_string(high.count()) + " s, not " + std::to_string(value->count())
                            + " s (std::nullopt leaves the system's)");
    }

    /// `value` must be at least `low`.
    void at_least(std::string_view field, std::uint64_t value, std::uint64_t low, std::string_view reason)
    {
        if (why_.empty() && value < low)
            fail(field, "must be at least " + std::to_string(low) + " (" + std::string(reason) + "), not "
                            + std::to_string(value));
    }

    /// Unless `holds`, `reason` is the first broken constraint (unless one came before).
    void require(std::string_view field, bool holds, std::string_view reason)
    {
        if (why_.empty() && !holds)
            fail(field, std::string(reason));
    }

    std::string& why() noexcept { return why_; }

private:
    void fail(std::string_view field, const std::string& reason) { why_ = std::string(field) + ": " + reason; }

    std::string why_;
};

} // namespace

std::error_code validate(const socket_options& o, std::string& why)
{
    using std::chrono::milliseconds;
    constexpr milliseconds zero{0};
    checker c;
    for (const auto& [name, id] : {std::pair<const char*, const std::string&>{"routing_id", o.routing_id},
                                   {"connect_routing_id", o.connect_routing_id}}) {
        c.require(name, id.size() <= max_routing_id, "must be at most 255 bytes, not " + std::to_string(id.size()));
        c.require(name, id.empty() || id.front() != '\0',
                  "must not start with a zero byte (those are the ids a ROUTER generates)");
    }
    c.duration("linger", o.linger, zero, " (std::nullopt waits forever)");
    c.duration("reconnect_interval", o.reconnect_interval, zero, " (std::nullopt never reconnects)");
    c.duration("reconnect_interval_max", o.reconnect_interval_max, zero, max_option_duration);
    c.duration("heartbeat_interval", o.heartbeat_interval, zero, max_option_duration);
    c.duration("heartbeat_timeout", o.heartbeat_timeout, milliseconds{1},
               " (std::nullopt means heartbeat_interval)");
    c.duration("heartbeat_ttl", o.heartbeat_ttl, zero, max_heartbeat_ttl,
               " (the PING's TTL field holds 65535 deciseconds)");
    c.at_least("max_command_size", o.max_command_size, min_command_size, "the smallest READY");
    c.at_least("max_message_frames", o.max_message_frames, 1, "a message has a frame");
    c.at_least("max_handshake_size", o.max_handshake_size, min_handshake_size, "a greeting and the smallest READY");
    c.duration("handshake_timeout", o.handshake_timeout, zero, max_option_duration);
    c.at_least("max_subscriptions", o.max_subscriptions, 1, "a subscriber needs one");
    c.duration("send_timeout", o.send_timeout, zero, " (std::nullopt waits forever)");
    c.duration("receive_timeout", o.receive_timeout, zero, " (std::nullopt waits forever)");
    c.require("backlog", o.backlog >= 0, "must not be negative, not " + std::to_string(o.backlog));
    c.require("use_fd", o.use_fd >= -1, "must be a descriptor or -1 (none), not " + std::to_string(o.use_fd));
    c.duration("connect_timeout", o.connect_timeout, zero, max_option_duration);
    c.seconds("tcp_keepalive_idle", o.tcp_keepalive_idle, max_keepalive_seconds);
    c.seconds("tcp_keepalive_interval", o.tcp_keepalive_interval, max_keepalive_seconds);
    c.require("tcp_keepalive_count", o.tcp_keepalive_count.value_or(1) >= 1 && o.tcp_keepalive_count.value_or(1) <= max_keepalive_count,
              "must be 1..127, not " + std::to_string(o.tcp_keepalive_count.value_or(0)));
    c.duration("tcp_max_retransmit_timeout", o.tcp_max_retransmit_timeout, zero, max_option_duration);
    c.require("type_of_service", o.type_of_service >= 0 && o.type_of_service <= 255,
              "must be 0..255, not " + std::to_string(o.type_of_service));
    c.require("bind_to_device", o.bind_to_device.size() <= max_device_name,
              "must be at most 15 bytes (an interface name), not " + std::to_string(o.bind_to_device.size()));
    c.require("bind_to_device", o.bind_to_device.find('\0') == std::string::npos, "must not hold a zero byte");
    c.require("send_buffer_size", o.send_buffer_size.value_or(0) >= 0,
              "must not be negative, not " + std::to_string(o.send_buffer_size.value_or(0)) + " (std::nullopt leaves the system's)");
    c.require("receive_buffer_size", o.receive_buffer_size.value_or(0) >= 0,
              "must not be negative, not " + std::to_string(o.receive_buffer_size.value_or(0)) + " (std::nullopt leaves the system's)");
    if (!o.socks_proxy.empty()) {
        endpoint proxy;
        c.require("socks_proxy", !parse_endpoint("tcp://" + o.socks_proxy, proxy) && proxy.port != 0,
                  "'" + o.socks_proxy + "' is no host:port");
    }
    c.require("socks_username", o.socks_username.size() <= 255, "must be at most 255 bytes");
    c.require("socks_password", o.socks_password.size() <= 255, "must be at most 255 bytes");
    for (const std::string& filter : o.tcp_accept_filters)
        c.require("tcp_accept_filters", detail::parse_accept_filter(filter).has_value(),
                  "'" + filter + "' is no IPv4 or IPv6 address or CIDR block (e.g. 10.0.0.0/8, fe80::/10)");
    c.require("plain_server", !o.plain_server || (!o.plain_username && !o.plain_password),
              "a socket is a PLAIN server or a PLAIN client (plain_username/plain_password), not both");
    const bool plain = o.plain_server || o.plain_username || o.plain_password;
    c.require("curve_server", !o.curve_server || (!o.curve_server_key && !plain),
              "a socket is a CURVE server, a CURVE client (curve_server_key) or a PLAIN socket, one of them");
    c.require("curve_server_key", !o.curve_server_key || !plain, "a socket is a CURVE client or a PLAIN socket, not both");
    c.require("curve_secret_key", !o.curve_server || o.curve_secret_key, "a CURVE server needs its secret key");
    c.require("curve_secret_key", !o.curve_public_key || o.curve_secret_key,
              "a public key without its secret key is of no use");
    c.require("curve_public_key", !o.curve_public_key || !o.curve_secret_key || *o.curve_public_key == curve_public(*o.curve_secret_key),
              "is not the public key of curve_secret_key");
    c.require("plain_username", o.plain_username.value_or("").size() <= 255, "must be at most 255 bytes");
    c.require("plain_password", o.plain_password.value_or("").size() <= 255, "must be at most 255 bytes");
    c.require("zap_domain", o.zap_domain.size() <= 255, "must be at most 255 bytes");
    for (const auto& [name, value] : o.metadata) {
        c.require("metadata", name.size() > 2 && name.size() <= 255 && (name[0] == 'X' || name[0] == 'x') && name[1] == '-'
                                  && wire::is_valid_property_name(name),
                  "'" + name + "': a name starts with X- and has at most 255 characters of [A-Za-z0-9-_.+]");
        c.require("metadata", value.size() <= 0x7FFF'FFFF, "'" + name + "': a value is at most 2^31 - 1 bytes");
    }
    if (c.why().empty())
        return {};
    why = std::move(c.why());
    return errc::invalid_argument;
}

} // namespace zmtp
