// ZMQ_TCP_ACCEPT_FILTER: which peer addresses a tcp listener admits.
#pragma once

#include <asio/ip/address.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zmtp::detail {

/// One filter: the peers whose first `prefix_bits` bits are those of `address`.
struct accept_filter {
    asio::ip::address address;
    unsigned prefix_bits = 0;

    bool matches(const asio::ip::address& peer) const;
};

/// Parses an IPv4 or IPv6 address ("10.1.2.3", "::1": the address alone) or CIDR block
/// ("10.0.0.0/8", "fe80::/10"); nullopt for anything else.
std::optional<accept_filter> parse_accept_filter(std::string_view text);

/// Whether a listener with these filters (socket_options::tcp_accept_filters, each valid)
/// admits `peer`: none at all admits every peer, else one must match. An IPv4 peer seen
/// on an IPv6 socket (::ffff:a.b.c.d) is matched as IPv4.
bool admitted(const std::vector<std::string>& filters, const asio::ip::address& peer);

} // namespace zmtp::detail
