// ZMTP 3.x greeting: 64 bytes each side sends first (sans-I/O).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <system_error>

namespace zmtp::wire {

inline constexpr std::size_t greeting_size = 64;
/// Length of the mechanism field.
inline constexpr std::size_t mechanism_field_size = 20;

/// The version we advertise: ZMTP 3.1, because we implement its PING/PONG heartbeats and
/// SUBSCRIBE/CANCEL commands; a 3.0 peer gets 3.0 behaviour (the lower version wins).
inline constexpr std::uint8_t our_major_version = 3;
inline constexpr std::uint8_t our_minor_version = 1;

/// The fields of a greeting that carry meaning.
struct greeting {
    std::uint8_t major = our_major_version;
    std::uint8_t minor = our_minor_version;
    /// "NULL", "PLAIN" or "CURVE": 1..20 characters of [A-Z0-9-_.+].
    std::string mechanism = "NULL";
    bool as_server = false;
};

/// The 64 greeting bytes for `g`: signature (0xFF, 8 zero padding bytes, 0x7F), version,
/// NUL-padded mechanism, as-server and zero filler. Precondition: mechanism is 1..20 chars.
std::array<std::byte, greeting_size> encode_greeting(const greeting& g) noexcept;

/// Reads a peer's greeting from any chunking of the stream.
///
/// Consumes exactly the 64 greeting bytes and no more, so the caller hands what follows
/// to the frame decoder. Legacy peers are recognised as early as their bytes allow: a first
/// byte other than 0xFF, or bit 0 of the tenth byte clear, is ZMTP 1.0; a major version of
/// 1 or 2 is ZMTP 2.0. Padding and filler are never validated. Errors are sticky.
class greeting_parser {
public:
    /// Consumes greeting bytes from `input`; returns how many. Sets `ec` on a bad or legacy
    /// greeting.
    std::size_t parse(std::span<const std::byte> input, std::error_code& ec);
    /// True once all 64 bytes have arrived and were valid.
    bool done() const noexcept { return filled_ == greeting_size && !error_; }
    /// The parsed greeting. Precondition: done().
    greeting result() const;

private:
    std::error_code check_prefix() const noexcept;

    std::array<std::byte, greeting_size> bytes_{};
    std::size_t filled_ = 0;
    std::error_code error_;
};

} // namespace zmtp::wire
