#include "runtime/socks5.hpp"

#include <asio/error.hpp>
#include <asio/ip/address.hpp>

#include <string>

namespace zmtp::detail::socks5 {
namespace {

constexpr std::uint8_t connect_command = 0x01;
constexpr std::uint8_t ipv4_address = 0x01;
constexpr std::uint8_t domain_name = 0x03;
constexpr std::uint8_t ipv6_address = 0x04;

std::error_code malformed() { return std::make_error_code(std::errc::protocol_error); }

void append(std::vector<std::uint8_t>& out, std::string_view bytes)
{
    out.push_back(static_cast<std::uint8_t>(bytes.size()));
    out.insert(out.end(), bytes.begin(), bytes.end());
}

} // namespace

std::vector<std::uint8_t> greeting(bool with_credentials)
{
    if (with_credentials)
        return {version, 2, no_authentication, username_password};
    return {version, 1, no_authentication};
}

std::error_code chosen_method(std::span<const std::uint8_t, 2> reply, bool with_credentials, std::uint8_t& method)
{
    if (reply[0] != version)
        return malformed();
    method = reply[1];
    if (method == no_authentication || (method == username_password && with_credentials))
        return {};
    return std::make_error_code(std::errc::permission_denied); // 0xFF: no method acceptable
}

std::vector<std::uint8_t> credentials(std::string_view username, std::string_view password)
{
    std::vector<std::uint8_t> out{0x01};
    append(out, username);
    append(out, password);
    return out;
}

std::error_code credentials_accepted(std::span<const std::uint8_t, 2> reply)
{
    if (reply[0] != 0x01)
        return malformed();
    return reply[1] == 0 ? std::error_code{} : std::make_error_code(std::errc::permission_denied);
}

std::vector<std::uint8_t> connect_request(std::string_view host, std::uint16_t port)
{
    std::vector<std::uint8_t> out{version, connect_command, 0};
    std::error_code ec;
    const asio::ip::address literal = asio::ip::make_address(std::string(host), ec);
    if (!ec && literal.is_v4()) {
        out.push_back(ipv4_address);
        const auto bytes = literal.to_v4().to_bytes();
        out.insert(out.end(), bytes.begin(), bytes.end());
    } else if (!ec && literal.is_v6()) {
        out.push_back(ipv6_address);
        const auto bytes = literal.to_v6().to_bytes();
        out.insert(out.end(), bytes.begin(), bytes.end());
    } else {
        out.push_back(domain_name);
        append(out, host);
    }
    out.push_back(static_cast<std::uint8_t>(port >> 8));
    out.push_back(static_cast<std::uint8_t>(port));
    return out;
}

std::error_code connect_reply_rest(std::span<const std::uint8_t, 5> head, std::size_t& rest)
{
    if (head[0] != version || head[2] != 0)
        return malformed();
    switch (head[1]) { // RFC 1928 section 6's reply codes
    case 0x00: break;
    case 0x02: return std::make_error_code(std::errc::permission_denied);
    case 0x03: return make_error_code(asio::error::network_unreachable);
    case 0x04: return make_error_code(asio::error::host_unreachable);
    case 0x05: return make_error_code(asio::error::connection_refused);
    case 0x06: return make_error_code(asio::error::timed_out);
    default: return make_error_code(asio::error::connection_aborted);
    }
    switch (head[3]) { // the first address byte is in head already
    case ipv4_address: rest = 4 - 1 + 2; return {};
    case ipv6_address: rest = 16 - 1 + 2; return {};
    case domain_name: rest = std::size_t{head[4]} + 2; return {};
    default: return malformed();
    }
}

} // namespace zmtp::detail::socks5
