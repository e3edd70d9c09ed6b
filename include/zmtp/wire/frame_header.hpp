// ZMTP 3.x frame header: flags byte and 1- or 8-byte size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

namespace zmtp::wire {

/// Bits of a frame's flags byte (ZMTP 3.x, RFC 23/37).
namespace frame_flag {
inline constexpr std::uint8_t more = 0x01;      ///< More frames of this message follow.
inline constexpr std::uint8_t long_size = 0x02; ///< Size is 8 bytes big-endian, not 1.
inline constexpr std::uint8_t command = 0x04;   ///< The frame is a command, not message data.
inline constexpr std::uint8_t reserved = 0xF8;  ///< Must be zero.
} // namespace frame_flag

/// A header is at most a flags byte plus an 8-byte size.
inline constexpr std::size_t max_frame_header_size = 9;

/// Largest body the short (1-byte size) form can carry; senders must use it up to here.
inline constexpr std::uint64_t max_short_frame_size = 255;

/// Largest size a long frame may announce (the top bit must be clear).
inline constexpr std::uint64_t max_long_frame_size = std::numeric_limits<std::uint64_t>::max() >> 1;

/// Writes the header of a frame with `size` body bytes, in short form when it fits.
/// Returns the header length: 2 or 9.
std::size_t encode_frame_header(std::span<std::byte, max_frame_header_size> out,
                                std::uint64_t size, bool more, bool command) noexcept;

} // namespace zmtp::wire
