// ZMTP 3.x commands: READY, ERROR, PING, PONG, SUBSCRIBE, CANCEL (sans-I/O).
#pragma once

#include "zmtp/wire/metadata.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace zmtp::wire {

/// A command body split into its name and data; views into the frame it came from.
struct command {
    std::string_view name;
    std::span<const std::byte> data;
};

/// Largest PING context (ZMTP 3.1).
inline constexpr std::size_t max_ping_context_size = 16;
/// Largest ERROR reason: its length is one byte.
inline constexpr std::size_t max_error_reason_size = 255;

/// Splits a command body: `name-size(1) name data`. The name must be 1..255 letters.
/// Error: errc::malformed_command.
std::error_code parse_command(std::span<const std::byte> body, command& out) noexcept;

/// PING data: TTL in deciseconds (0: none) and the context the PONG must echo.
struct ping {
    std::uint16_t ttl_deciseconds = 0;
    std::span<const std::byte> context;
};

/// Parses PING data: `ttl(2, BE) context(0..16)`. Error: errc::malformed_ping.
std::error_code parse_ping(std::span<const std::byte> data, ping& out) noexcept;

/// Parses ERROR data: `reason-size(1) reason`. Error: errc::malformed_error_command.
std::error_code parse_error(std::span<const std::byte> data, std::string& reason);

/// A whole command frame (header and body) named `name` carrying `data`.
std::vector<std::byte> encode_command(std::string_view name, std::span<const std::byte> data);
/// READY carrying `properties`.
std::vector<std::byte> encode_ready(const metadata& properties);
/// ERROR with `reason` (cut to 255 bytes).
std::vector<std::byte> encode_error(std::string_view reason);
/// PING with a TTL and a context of at most 16 bytes (longer is cut).
std::vector<std::byte> encode_ping(std::uint16_t ttl_deciseconds, std::span<const std::byte> context);
/// PONG echoing `context` (at most 16 bytes; longer is cut).
std::vector<std::byte> encode_pong(std::span<const std::byte> context);

} // namespace zmtp::wire
