// SOCKS5 (RFC 1928, username/password: RFC 1929), the client's messages: how a tcp connect
// goes through a proxy (ZMQ_SOCKS_PROXY). Sans-I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <vector>

namespace zmtp::detail::socks5 {

constexpr std::uint8_t version = 5;
constexpr std::uint8_t no_authentication = 0x00;
constexpr std::uint8_t username_password = 0x02;

/// The greeting: version 5 and the methods offered, no authentication (and with
/// credentials username/password too): 05 01 00, or 05 02 00 02.
std::vector<std::uint8_t> greeting(bool with_credentials);
/// The proxy's choice of method (2 bytes): the method, or an error (none acceptable, not
/// SOCKS5, username/password not offered).
std::error_code chosen_method(std::span<const std::uint8_t, 2> reply, bool with_credentials, std::uint8_t& method);
/// The username/password request: 01, then each as a length byte and its bytes (each at
/// most 255 bytes: socket_options::validate checks).
std::vector<std::uint8_t> credentials(std::string_view username, std::string_view password);
/// The answer to credentials() (2 bytes): {} when accepted.
std::error_code credentials_accepted(std::span<const std::uint8_t, 2> reply);
/// CONNECT to host:port: an IPv4 or IPv6 literal as an address, any other host as a
/// domain name the proxy resolves (at most 255 bytes: the caller checks).
std::vector<std::uint8_t> connect_request(std::string_view host, std::uint16_t port);
/// The first 5 bytes of the CONNECT reply (version, reply code, reserved, address type,
/// first address byte): how many bytes of it follow (the rest of the bound address and
/// port), or the error the proxy reported or the reply's malformation.
std::error_code connect_reply_rest(std::span<const std::uint8_t, 5> head, std::size_t& rest);

} // namespace zmtp::detail::socks5
