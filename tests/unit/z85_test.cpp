// Unit tests for zmtp::z85_encode and zmtp::z85_decode (ZeroMQ RFC 32).
#include "zmtp/z85.hpp"

#include <doctest/doctest.h>

#include "test_bytes.hpp"
#include "zmtp/error.hpp"

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

using namespace zmtp_test;
using zmtp::errc;
using zmtp::z85_decode;
using zmtp::z85_encode;

namespace {

/// RFC 32's alphabet, in digit order.
constexpr std::string_view alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// `text` refused by both overloads of z85_decode with errc::invalid_argument; returns the
/// exception's message.
std::string z85_refused(std::string_view text)
{
    std::error_code ec = errc::socket_closed; // overwritten either way
    const std::vector<std::byte> out = z85_decode(text, ec);
    CHECK(ec == errc::invalid_argument);
    CHECK(out.empty());
    try {
        (void)z85_decode(text);
        FAIL("z85_decode accepted ", to_hex(as_bytes(text)));
    } catch (const std::system_error& e) {
        CHECK(e.code() == errc::invalid_argument);
        return e.what();
    }
    return {};
}

/// Random bytes of length `size` from `rng`.
std::vector<std::byte> random_bytes(std::mt19937& rng, std::size_t size)
{
    std::vector<std::byte> data(size);
    for (std::byte& b : data)
        b = static_cast<std::byte>(rng() & 0xFF);
    return data;
}

} // namespace

TEST_CASE("z85: RFC 32's test vector, both ways")
{
    const std::vector<std::byte> data = bytes("86 4F D2 6F B5 59 F7 5B");
    CHECK(z85_encode(data) == "HelloWorld");
    CHECK(z85_decode("HelloWorld") == data);

    std::error_code ec = errc::socket_closed;
    CHECK(z85_encode(data, ec) == "HelloWorld");
    CHECK(!ec); // cleared on success
    ec = errc::socket_closed;
    CHECK(z85_decode("HelloWorld", ec) == data);
    CHECK(!ec);
}

TEST_CASE("z85: empty input is empty output")
{
    CHECK(z85_encode({}).empty());
    CHECK(z85_decode("").empty());
}

TEST_CASE("z85: the smallest and largest groups")
{
    CHECK(z85_encode(bytes("00 00 00 00")) == "00000");
    CHECK(z85_encode(bytes("ff ff ff ff")) == "%nSc0");
    CHECK(z85_decode("00000") == bytes("00 00 00 00"));
    CHECK(z85_decode("%nSc0") == bytes("ff ff ff ff"));
    // Digits are big-endian: the last character is the units digit.
    CHECK(z85_decode("00001") == bytes("00 00 00 01"));
    CHECK(z85_decode("00010") == bytes("00 00 00 55")); // 85
    CHECK(z85_encode(bytes("00 00 00 54")) == "0000#");  // 84, the last digit
}

TEST_CASE("z85: random data of many lengths round-trips")
{
    std::mt19937 rng(20240613);
    for (std::size_t size = 0; size <= 1024; size += 4) {
        CAPTURE(size);
        const std::vector<std::byte> data = random_bytes(rng, size);
        const std::string text = z85_encode(data);
        REQUIRE(text.size() == size / 4 * 5);
        CHECK(text.find_first_not_of(alphabet) == std::string::npos);
        CHECK(z85_decode(text) == data);
    }
    // And a long one.
    const std::vector<std::byte> data = random_bytes(rng, 1 << 20);
    CHECK(z85_decode(z85_encode(data)) == data);
}

TEST_CASE("z85: every valid group decodes and re-encodes to itself (a sample)")
{
    // Groups chosen at random over the whole valid range [0, 0xFFFFFFFF].
    std::mt19937 rng(7);
    for (int i = 0; i < 10000; ++i) {
        std::string group;
        std::uint64_t value = rng(); // 32 bits
        for (int d = 0; d < 5; ++d) {
            group.insert(group.begin(), alphabet[value % 85]);
            value /= 85;
        }
        CHECK(z85_encode(z85_decode(group)) == group);
    }
}

TEST_CASE("z85: a size not a multiple of 4 is not encoded")
{
    for (std::size_t size : {1u, 2u, 3u, 5u, 6u, 7u, 9u, 31u, 33u}) {
        CAPTURE(size);
        const std::vector<std::byte> data(size, std::byte{0x42});
        std::error_code ec = errc::socket_closed;
        CHECK(z85_encode(data, ec).empty());
        CHECK(ec == errc::invalid_argument);
        CHECK_THROWS_AS(z85_encode(data), std::system_error);
        try {
            (void)z85_encode(data);
        } catch (const std::system_error& e) {
            CHECK(e.code() == errc::invalid_argument);
            CHECK(std::string(e.what()).find("multiple of 4") != std::string::npos);
        }
    }
}

TEST_CASE("z85: a length not a multiple of 5 is refused")
{
    for (std::string_view text : {"H", "He", "Hel", "Hell", "HelloW", "HelloWorl", "HelloWorld0"}) {
        CAPTURE(text);
        CHECK(z85_refused(text).find("multiple of 5") != std::string::npos);
    }
}

TEST_CASE("z85: every byte outside the alphabet is refused, in every position of a group")
{
    int refused_values = 0;
    for (int value = 0; value < 256; ++value) {
        const char ch = static_cast<char>(value);
        const bool in_alphabet = alphabet.find(ch) != std::string_view::npos;
        for (std::size_t at = 0; at < 10; ++at) {
            std::string text = "HelloWorld";
            text[at] = ch;
            CAPTURE(value);
            CAPTURE(at);
            if (in_alphabet) {
                // A text of alphabet characters decodes unless a group's first digit makes
                // it exceed 0xFFFFFFFF; what decodes encodes back to the same text.
                std::error_code ec;
                const std::vector<std::byte> data = z85_decode(text, ec);
                if (ec)
                    CHECK(z85_refused(text).find("exceeds 0xFFFFFFFF") != std::string::npos);
                else
                    CHECK(z85_encode(data) == text);
                CHECK((!ec || at % 5 == 0));
            } else {
                const std::string why = z85_refused(text);
                CHECK(why.find("offset " + std::to_string(at)) != std::string::npos);
            }
        }
        if (!in_alphabet)
            ++refused_values;
    }
    CHECK(refused_values == 256 - 85);
}

TEST_CASE("z85: each kind of bad character is refused")
{
    using namespace std::string_literals;
    // NUL (a C string's end), spaces and controls, the printable ASCII characters RFC 32
    // left out, DEL, and bytes with the top bit set (UTF-8 and Latin-1 look-alikes).
    const auto then_ello = [](char first) { return std::string(1, first) + "ello"; };
    for (const std::string& text :
         {"Hell\0World"s, "Hello orld"s, "Hello\tWorl"s, "Hello\nWorl"s, then_ello('"'),
          then_ello('\''), then_ello(','), then_ello(';'), then_ello('\\'), then_ello('_'),
          then_ello('`'), then_ello('|'), then_ello('~'), then_ello('\x7f'), then_ello('\x80'),
          then_ello('\xff'), "\xc3\xa9llo"s}) {
        CAPTURE(to_hex(as_bytes(text)));
        const std::string why = z85_refused(text);
        CHECK(why.find("not in the Z85 alphabet") != std::string::npos);
    }
}

TEST_CASE("z85: a group over 0xFFFFFFFF is refused")
{
    for (std::string_view text : {"%nSc1", "%nSc#", "%nSd0", "%nTc0", "%oSc0", "$0000", "#####",
                                  "00000%nSc1", "HelloWorld#####"}) {
        CAPTURE(text);
        const std::string why = z85_refused(text);
        CHECK(why.find("exceeds 0xFFFFFFFF") != std::string::npos);
    }
    // The group's offset is in the message.
    CHECK(z85_refused("00000%nSc1").find("offset 5") != std::string::npos);
}

TEST_CASE("z85: a refusal anywhere refuses the whole text")
{
    // Valid groups before and after a bad one: nothing is returned.
    std::string text = z85_encode(std::vector<std::byte>(400, std::byte{0x5A}));
    text.replace(250, 5, "#####");
    z85_refused(text);
    text.replace(250, 5, "Hell~");
    z85_refused(text);
}
