// libFuzzer target: zmtp::z85_decode and zmtp::z85_encode (RFC 32), and the CURVE key
// parsers that take Z85 text.
//
// Input: any bytes, used twice: as text to decode, and (cut to a multiple of 4) as data to
// encode.
//
// Invariants (trap on violation):
// - decode: both overloads agree; text is accepted exactly when its length is a multiple
//   of 5, every character is in the alphabet and every group is at most 0xFFFFFFFF (a
//   reference check written separately here); accepted text gives length / 5 * 4 bytes,
//   and re-encoding them gives the same text back.
// - encode: both overloads agree; the text is size / 4 * 5 alphabet characters and decodes
//   back to the data; a size not a multiple of 4 is refused.
// - keys: parse_curve_public_key and parse_curve_secret_key accept exactly 32 bytes and the
//   40-character texts z85_decode accepts, and agree with it and with each other.
#include "zmtp/z85.hpp"

#include "fuzz_util.hpp"
#include "zmtp/curve_key.hpp"
#include "zmtp/error.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

constexpr std::string_view alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// Whether RFC 32 accepts `text`, decided digit by digit without the library's table.
bool is_valid_z85(std::string_view text)
{
    if (text.size() % 5 != 0)
        return false;
    for (std::size_t at = 0; at < text.size(); at += 5) {
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < 5; ++i) {
            const std::size_t digit = alphabet.find(text[at + i]);
            if (digit == std::string_view::npos)
                return false;
            value = value * 85 + digit;
        }
        if (value > 0xFFFFFFFFu)
            return false;
    }
    return true;
}

/// Decoding `text`: both overloads, against the reference check and the encoder.
void check_decode(std::string_view text)
{
    std::error_code ec;
    const std::vector<std::byte> data = zmtp::z85_decode(text, ec);
    const bool valid = is_valid_z85(text);
    ZMTP_FUZZ_CHECK(!ec == valid);

    bool threw = false;
    try {
        ZMTP_FUZZ_CHECK(zmtp::z85_decode(text) == data);
    } catch (const std::system_error& e) {
        threw = true;
        ZMTP_FUZZ_CHECK(e.code() == zmtp::errc::invalid_argument);
    }
    ZMTP_FUZZ_CHECK(threw == !valid);

    if (!valid) {
        ZMTP_FUZZ_CHECK(ec == zmtp::errc::invalid_argument);
        ZMTP_FUZZ_CHECK(data.empty());
        return;
    }
    ZMTP_FUZZ_CHECK(data.size() == text.size() / 5 * 4);
    ZMTP_FUZZ_CHECK(zmtp::z85_encode(data) == text);
}

/// Encoding `data`: both overloads, the text's shape, and decoding it back.
void check_encode(std::span<const std::byte> data)
{
    std::error_code ec;
    const std::string text = zmtp::z85_encode(data, ec);
    if (data.size() % 4 != 0) {
        ZMTP_FUZZ_CHECK(ec == zmtp::errc::invalid_argument);
        ZMTP_FUZZ_CHECK(text.empty());
        return;
    }
    ZMTP_FUZZ_CHECK(!ec);
    ZMTP_FUZZ_CHECK(zmtp::z85_encode(data) == text);
    ZMTP_FUZZ_CHECK(text.size() == data.size() / 4 * 5);
    ZMTP_FUZZ_CHECK(text.find_first_not_of(alphabet) == std::string::npos);
    const std::vector<std::byte> back = zmtp::z85_decode(text);
    ZMTP_FUZZ_CHECK(zmtp_fuzz::to_string(back) == zmtp_fuzz::to_string(data));
}

/// The key parsers on `text`.
void check_keys(std::string_view text)
{
    std::error_code public_ec;
    const zmtp::curve_public_key public_key = zmtp::parse_curve_public_key(text, public_ec);
    std::error_code secret_ec;
    const zmtp::curve_secret_key secret_key = zmtp::parse_curve_secret_key(text, secret_ec);

    const bool valid = text.size() == 32 || (text.size() == 40 && is_valid_z85(text));
    ZMTP_FUZZ_CHECK(!public_ec == valid);
    ZMTP_FUZZ_CHECK(!secret_ec == valid);
    const std::string public_bytes = zmtp_fuzz::to_string(public_key);
    ZMTP_FUZZ_CHECK(public_bytes == zmtp_fuzz::to_string(secret_key.bytes()));
    if (!valid)
        ZMTP_FUZZ_CHECK(public_bytes == std::string(32, '\0'));
    else if (text.size() == 32)
        ZMTP_FUZZ_CHECK(public_bytes == text);
    else
        ZMTP_FUZZ_CHECK(zmtp::to_z85(public_key) == text);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::byte> input = zmtp_fuzz::as_bytes(data, size);
    const std::string text = zmtp_fuzz::to_string(input);

    check_decode(text);
    check_encode(input);                              // refused unless size % 4 == 0
    check_encode(input.first(size - size % 4));       // always encodes
    check_keys(text);
    // A key-sized window of the input, so that 40-character Z85 keys are common.
    if (size >= 40)
        check_keys(std::string_view(text).substr(size - 40));
    return 0;
}
