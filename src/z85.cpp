#include "zmtp/z85.hpp"

#include "z85_codec.hpp"
#include "zmtp/error.hpp"

#include <array>
#include <cstdint>

namespace zmtp {
namespace detail {
namespace {

/// RFC 32's alphabet: character i stands for the digit i (base 85).
constexpr std::string_view alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
static_assert(alphabet.size() == 85);

/// Marks a byte that is not a Z85 character in `digit_of`.
constexpr std::uint8_t not_a_digit = 0xFF;

/// The digit of every byte value, not_a_digit for the 171 that are not in the alphabet.
constexpr std::array<std::uint8_t, 256> digit_of = [] {
    std::array<std::uint8_t, 256> table{};
    table.fill(not_a_digit);
    for (std::size_t i = 0; i < alphabet.size(); ++i)
        table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
    return table;
}();

} // namespace

void z85_encode_into(std::span<const std::byte> data, std::span<char> out) noexcept
{
    for (std::size_t in = 0, at = 0; in < data.size(); in += 4, at += 5) {
        std::uint32_t value = 0;
        for (std::size_t i = 0; i < 4; ++i)
            value = value << 8 | std::to_integer<std::uint32_t>(data[in + i]);
        for (std::size_t i = 5; i-- > 0;) {
            out[at + i] = alphabet[value % 85];
            value /= 85;
        }
    }
}

z85_problem z85_decode_into(std::string_view text, std::span<std::byte> out) noexcept
{
    if (text.size() % 5 != 0)
        return {z85_problem::kind::bad_length, 0};
    for (std::size_t at = 0, to = 0; at < text.size(); at += 5, to += 4) {
        // 85^5 - 1 fits in 64 bits: accumulate there, then refuse what 32 bits cannot hold.
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < 5; ++i) {
            const std::uint8_t digit = digit_of[static_cast<unsigned char>(text[at + i])];
            if (digit == not_a_digit)
                return {z85_problem::kind::bad_character, at + i};
            value = value * 85 + digit;
        }
        if (value > 0xFFFFFFFFu)
            return {z85_problem::kind::group_overflow, at};
        for (std::size_t i = 4; i-- > 0;) {
            out[to + i] = static_cast<std::byte>(value & 0xFF);
            value >>= 8;
        }
    }
    return {};
}

std::string describe(z85_problem problem, std::string_view text)
{
    switch (problem.what) {
    case z85_problem::kind::none: break;
    case z85_problem::kind::bad_length:
        return "length " + std::to_string(text.size()) + " is not a multiple of 5";
    case z85_problem::kind::bad_character: {
        // The character's code, not the character: the text may be a secret key.
        constexpr char hex[] = "0123456789abcdef";
        const auto byte = static_cast<unsigned char>(text[problem.offset]);
        return std::string("character 0x") + hex[byte >> 4] + hex[byte & 0xF] + " at offset " +
               std::to_string(problem.offset) + " is not in the Z85 alphabet";
    }
    case z85_problem::kind::group_overflow:
        return "the group at offset " + std::to_string(problem.offset) +
               " exceeds 0xFFFFFFFF (the largest is \"%nSc0\")";
    }
    return "valid Z85";
}

} // namespace detail

std::string z85_encode(std::span<const std::byte> data, std::error_code& ec)
{
    if (data.size() % 4 != 0) {
        ec = errc::invalid_argument;
        return {};
    }
    std::string text(data.size() / 4 * 5, '\0');
    detail::z85_encode_into(data, text);
    ec.clear();
    return text;
}

std::string z85_encode(std::span<const std::byte> data)
{
    if (data.size() % 4 != 0)
        throw std::system_error(errc::invalid_argument,
                                "zmtp::z85_encode: size " + std::to_string(data.size()) +
                                    " is not a multiple of 4");
    std::error_code ec;
    return z85_encode(data, ec);
}

namespace {

/// Decodes `text`, or returns no bytes and says why in `problem`.
std::vector<std::byte> decode(std::string_view text, detail::z85_problem& problem)
{
    if (text.size() % 5 != 0) {
        problem = {detail::z85_problem::kind::bad_length, 0};
        return {};
    }
    std::vector<std::byte> bytes(text.size() / 5 * 4);
    problem = detail::z85_decode_into(text, bytes);
    if (problem)
        bytes.clear();
    return bytes;
}

} // namespace

std::vector<std::byte> z85_decode(std::string_view text, std::error_code& ec)
{
    detail::z85_problem problem;
    std::vector<std::byte> bytes = decode(text, problem);
    if (problem)
        ec = errc::invalid_argument;
    else
        ec.clear();
    return bytes;
}

std::vector<std::byte> z85_decode(std::string_view text)
{
    detail::z85_problem problem;
    std::vector<std::byte> bytes = decode(text, problem);
    if (problem)
        throw std::system_error(errc::invalid_argument,
                                "zmtp::z85_decode: " + detail::describe(problem, text));
    return bytes;
}

} // namespace zmtp
