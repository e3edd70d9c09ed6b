#include "zmtp/wire/frame_header.hpp"

#include "zmtp/detail/big_endian.hpp"

namespace zmtp::wire {

std::size_t encode_frame_header(std::span<std::byte, max_frame_header_size> out,
                                std::uint64_t size, bool more, bool command) noexcept
{
    std::uint8_t flags = (more ? frame_flag::more : 0) | (command ? frame_flag::command : 0);
    if (size <= max_short_frame_size) {
        out[0] = std::byte{flags};
        out[1] = static_cast<std::byte>(size);
        return 2;
    }
    out[0] = std::byte{static_cast<std::uint8_t>(flags | frame_flag::long_size)};
    detail::store_big_endian(out.data() + 1, size, 8);
    return 9;
}

} // namespace zmtp::wire
