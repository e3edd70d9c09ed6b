// Network byte order helpers for the wire codecs.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zmtp::detail {

inline std::uint64_t load_big_endian(const std::byte* p, std::size_t width) noexcept
{
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i)
        value = (value << 8) | static_cast<std::uint8_t>(p[i]);
    return value;
}

inline void store_big_endian(std::byte* p, std::uint64_t value, std::size_t width) noexcept
{
    for (std::size_t i = width; i-- > 0;) {
        p[i] = static_cast<std::byte>(value & 0xFF);
        value >>= 8;
    }
}

} // namespace zmtp::detail
