#include "zmtp/wire/greeting.hpp"

#include "zmtp/error.hpp"

#include <algorithm>
#include <cstring>

namespace zmtp::wire {
namespace {

constexpr std::size_t signature_end_offset = 9;
constexpr std::size_t major_offset = 10;
constexpr std::size_t minor_offset = 11;
constexpr std::size_t mechanism_offset = 12;
constexpr std::size_t as_server_offset = 32;

bool is_mechanism_char(std::uint8_t c) noexcept
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
        || c == '+';
}

} // namespace

std::array<std::byte, greeting_size> encode_greeting(const greeting& g) noexcept
{
    std::array<std::byte, greeting_size> out{};
    out[0] = std::byte{0xFF};
    out[signature_end_offset] = std::byte{0x7F};
    out[major_offset] = std::byte{g.major};
    out[minor_offset] = std::byte{g.minor};
    std::memcpy(out.data() + mechanism_offset, g.mechanism.data(),
                std::min(g.mechanism.size(), mechanism_field_size));
    out[as_server_offset] = std::byte{g.as_server ? std::uint8_t{1} : std::uint8_t{0}};
    return out;
}

std::error_code greeting_parser::check_prefix() const noexcept
{
    const auto at = [this](std::size_t i) { return static_cast<std::uint8_t>(bytes_[i]); };
    if (filled_ >= 1 && at(0) != 0xFF) {
        // A ZMTP 1.0 peer starts with a short frame: length byte, then flags (0 or MORE).
        if (filled_ < 2)
            return {};
        return (at(1) & 0xFE) == 0 ? make_error_code(errc::unsupported_zmtp_1_0)
                                   : make_error_code(errc::bad_signature);
    }
    if (filled_ > signature_end_offset && at(signature_end_offset) != 0x7F) {
        // A ZMTP 1.0 long frame: 0xFF, 8-byte length, flags with bit 0 clear.
        return (at(signature_end_offset) & 0x01) == 0 ? make_error_code(errc::unsupported_zmtp_1_0)
                                                      : make_error_code(errc::bad_signature);
    }
    if (filled_ > major_offset && at(major_offset) < 3)
        return at(major_offset) == 0 ? make_error_code(errc::bad_signature)
                                     : make_error_code(errc::unsupported_zmtp_2_0);
    if (filled_ == greeting_size) {
        const auto* name = bytes_.data() + mechanism_offset;
        const auto* name_end = std::find(name, name + mechanism_field_size, std::byte{0});
        const bool padded = std::all_of(name_end, name + mechanism_field_size,
                                        [](std::byte b) { return b == std::byte{0}; });
        const bool valid_chars = std::all_of(name, name_end, [](std::byte b) {
            return is_mechanism_char(static_cast<std::uint8_t>(b));
        });
        if (name_end == name || !padded || !valid_chars)
            return errc::invalid_mechanism_name;
    }
    return {};
}

std::size_t greeting_parser::parse(std::span<const std::byte> input, std::error_code& ec)
{
    ec = error_;
    if (error_)
        return 0;
    // Byte by byte through the short legacy-detection prefix, then in one copy.
    std::size_t pos = 0;
    while (pos < input.size() && filled_ < greeting_size) {
        const std::size_t step = filled_ <= major_offset
            ? 1
            : std::min(input.size() - pos, greeting_size - filled_);
        std::memcpy(bytes_.data() + filled_, input.data() + pos, step);
        filled_ += step;
        pos += step;
        if (filled_ <= major_offset + 1 || filled_ == greeting_size) {
            error_ = check_prefix();
            if (error_) {
                ec = error_;
                return pos;
            }
        }
    }
    return pos;
}

greeting greeting_parser::result() const
{
    const auto* name = reinterpret_cast<const char*>(bytes_.data() + mechanism_offset);
    greeting g;
    g.major = static_cast<std::uint8_t>(bytes_[major_offset]);
    g.minor = static_cast<std::uint8_t>(bytes_[minor_offset]);
    g.mechanism.assign(name, strnlen(name, mechanism_field_size));
    g.as_server = bytes_[as_server_offset] != std::byte{0};
    return g;
}

} // namespace zmtp::wire
