// Unit tests for the ZMTP 3.x greeting: encoding, parsing in any chunking, legacy detection.
#include "zmtp/wire/greeting.hpp"

#include <doctest/doctest.h>

#include "test_bytes.hpp"
#include "zmtp/error.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

using namespace zmtp_test;
using zmtp::errc;
using zmtp::wire::greeting;
using zmtp::wire::greeting_parser;

namespace {

std::vector<std::byte> encoded(const greeting& g)
{
    const auto a = zmtp::wire::encode_greeting(g);
    return {a.begin(), a.end()};
}

/// A greeting as libzmq 4.3.4 sends it: padding byte 8 is 0x01, not zero (ZMTP-FACTS 9).
std::vector<std::byte> libzmq_greeting(std::string_view mechanism = "NULL", unsigned char version_major = 3,
                                       unsigned char version_minor = 1)
{
    auto g = concat({bytes("ff 00 00 00 00 00 00 00 01 7f"),
                     std::vector<std::byte>{std::byte{version_major}, std::byte{version_minor}}, text_bytes(mechanism),
                     repeat(20 - mechanism.size()), bytes("00"), repeat(31)});
    REQUIRE(g.size() == 64);
    return g;
}

struct parse_outcome {
    std::error_code ec;
    std::size_t consumed = 0;
    bool done = false;
};

/// Feeds the pieces in order to a fresh parser, stopping at the first error.
parse_outcome parse_pieces(greeting_parser& p, const std::vector<std::span<const std::byte>>& pieces)
{
    parse_outcome out;
    for (std::span<const std::byte> piece : pieces) {
        std::error_code ec;
        out.consumed += p.parse(piece, ec);
        if (ec) {
            out.ec = ec;
            break;
        }
    }
    out.done = p.done();
    return out;
}

/// Checks that every chunking of `input` yields the error `expected` (and never done()).
void check_error_every_chunking(std::span<const std::byte> input, errc expected)
{
    for_each_chunking(input, [&](const std::string& plan, const std::vector<std::span<const std::byte>>& pieces) {
        INFO(plan);
        greeting_parser p;
        const auto r = parse_pieces(p, pieces);
        CHECK(r.ec == expected);
        CHECK_FALSE(r.done);
    });
}

/// Parses `input` in one call; returns the error.
std::error_code parse_once(std::span<const std::byte> input, std::size_t* consumed = nullptr)
{
    greeting_parser p;
    std::error_code ec;
    const std::size_t n = p.parse(input, ec);
    if (consumed)
        *consumed = n;
    return ec;
}

} // namespace

// --- encoding ---------------------------------------------------------------------

TEST_CASE("greeting: encode gives the exact 64 bytes")
{
    const auto expected = concat({bytes("ff 00 00 00 00 00 00 00 00 7f 03 01 'NULL'"), repeat(16),
                                  bytes("00"), repeat(31)});
    REQUIRE(expected.size() == 64);
    CHECK(encoded(greeting{}) == expected);
    CHECK(zmtp::wire::greeting_size == 64);
    CHECK(zmtp::wire::our_major_version == 3);
    CHECK(zmtp::wire::our_minor_version == 1);
}

TEST_CASE("greeting: encode PLAIN as server - version 3.0")
{
    greeting g;
    g.major = 3;
    g.minor = 0;
    g.mechanism = "PLAIN";
    g.as_server = true;
    const auto expected = concat({bytes("ff 00 00 00 00 00 00 00 00 7f 03 00 'PLAIN'"), repeat(15),
                                  bytes("01"), repeat(31)});
    CHECK(encoded(g) == expected);

    g.mechanism = "ABCDEFGHIJKLMNOPQRST"; // 20 characters: fills the field, no NUL
    g.as_server = false;
    const auto full = concat({bytes("ff 00 00 00 00 00 00 00 00 7f 03 00 'ABCDEFGHIJKLMNOPQRST' 00"),
                              repeat(31)});
    CHECK(encoded(g) == full);
}

// --- parsing valid greetings -----------------------------------------------------

TEST_CASE("greeting: our own greeting parses in every chunking")
{
    for (const char* mech : {"NULL", "PLAIN", "CURVE"}) {
        for (bool server : {false, true}) {
            greeting g;
            g.mechanism = mech;
            g.as_server = server;
            const auto input = encoded(g);
            for_each_chunking(input, [&](const std::string& plan,
                                         const std::vector<std::span<const std::byte>>& pieces) {
                INFO(plan);
                CAPTURE(mech);
                greeting_parser p;
                const auto r = parse_pieces(p, pieces);
                CHECK(r.ec == std::error_code{});
                CHECK(r.consumed == 64);
                REQUIRE(r.done);
                const greeting out = p.result();
                CHECK(out.major == 3);
                CHECK(out.minor == 1);
                CHECK(out.mechanism == mech);
                CHECK(out.as_server == server);
            });
        }
    }
}

TEST_CASE("greeting: libzmq greeting with non-zero padding parses")
{
    const auto input = libzmq_greeting();
    CHECK(to_hex(std::span(input).first(10)) == "ff 00 00 00 00 00 00 00 01 7f");
    for_each_chunking(input, [&](const std::string& plan, const std::vector<std::span<const std::byte>>& pieces) {
        INFO(plan);
        greeting_parser p;
        const auto r = parse_pieces(p, pieces);
        CHECK(r.ec == std::error_code{});
        REQUIRE(r.done);
        CHECK(p.result().mechanism == "NULL");
        CHECK(p.result().major == 3);
        CHECK(p.result().minor == 1);
        CHECK_FALSE(p.result().as_server);
    });

    // Arbitrary padding and a non-zero filler are never validated either.
    auto odd = libzmq_greeting();
    for (std::size_t i = 1; i <= 8; ++i)
        odd[i] = static_cast<std::byte>(0x11 * i);
    for (std::size_t i = 33; i < 64; ++i)
        odd[i] = std::byte{0xAA};
    greeting_parser p;
    std::error_code ec;
    CHECK(p.parse(odd, ec) == 64);
    CHECK(ec == std::error_code{});
    CHECK(p.done());
}

TEST_CASE("greeting: libzmq pacing 10 bytes - 1 byte - then the rest")
{
    const auto input = libzmq_greeting();
    greeting_parser p;
    std::error_code ec;
    CHECK(p.parse(std::span(input).first(10), ec) == 10);
    CHECK(ec == std::error_code{});
    CHECK_FALSE(p.done());
    CHECK(p.parse(std::span(input).subspan(10, 1), ec) == 1);
    CHECK(ec == std::error_code{});
    CHECK_FALSE(p.done());
    CHECK(p.parse(std::span(input).subspan(11), ec) == 53);
    CHECK(ec == std::error_code{});
    CHECK(p.done());
}

TEST_CASE("greeting: parse consumes exactly 64 bytes when more follows")
{
    const auto ready = bytes("04 1C 05 'READY' 0B 'Socket-Type' 00 00 00 06 'ROUTER'");
    const auto input = concat({libzmq_greeting(), ready});

    greeting_parser p;
    std::error_code ec;
    CHECK(p.parse(input, ec) == 64);
    CHECK(ec == std::error_code{});
    CHECK(p.done());
    // Once done, nothing more is consumed.
    CHECK(p.parse(std::span(input).subspan(64), ec) == 0);
    CHECK(ec == std::error_code{});
    CHECK(p.done());

    // The same in every chunking of greeting + READY.
    for_each_chunking(input, [&](const std::string& plan, const std::vector<std::span<const std::byte>>& pieces) {
        INFO(plan);
        greeting_parser q;
        std::size_t consumed = 0;
        for (auto piece : pieces) {
            std::error_code e;
            consumed += q.parse(piece, e);
            CHECK(e == std::error_code{});
        }
        CHECK(consumed == 64);
        CHECK(q.done());
    });
}

TEST_CASE("greeting: mechanisms PLAIN and CURVE and a full 20-character name")
{
    for (const char* mech : {"PLAIN", "CURVE", "NULL", "X", "ABCDEFGHIJKLMNOPQRST", "GSSAPI", "X-1_2.3+4"}) {
        CAPTURE(mech);
        std::size_t consumed = 0;
        greeting_parser p;
        std::error_code ec;
        const auto input = libzmq_greeting(mech);
        consumed = p.parse(input, ec);
        CHECK(ec == std::error_code{});
        CHECK(consumed == 64);
        REQUIRE(p.done());
        CHECK(p.result().mechanism == mech);
    }
}

TEST_CASE("greeting: versions 3.0 and 4.x parse")
{
    for (const auto& version : {std::pair{3, 0}, std::pair{3, 1}, std::pair{3, 7}, std::pair{4, 0},
                                std::pair{4, 2}, std::pair{255, 255}}) {
        const int want_major = version.first;
        const int want_minor = version.second;
        CAPTURE(want_major);
        CAPTURE(want_minor);
        greeting_parser p;
        std::error_code ec;
        const auto input = libzmq_greeting("NULL", static_cast<unsigned char>(want_major),
                                           static_cast<unsigned char>(want_minor));
        CHECK(p.parse(input, ec) == 64);
        CHECK(ec == std::error_code{});
        REQUIRE(p.done());
        CHECK(p.result().major == want_major);
        CHECK(p.result().minor == want_minor);
    }
}

TEST_CASE("greeting: as-server byte")
{
    auto input = libzmq_greeting("PLAIN");
    input[32] = std::byte{1};
    greeting_parser p;
    std::error_code ec;
    CHECK(p.parse(input, ec) == 64);
    REQUIRE(p.done());
    CHECK(p.result().as_server);
}

TEST_CASE("greeting: not done before 64 bytes")
{
    const auto input = libzmq_greeting();
    for (std::size_t n = 0; n < 64; ++n) {
        CAPTURE(n);
        greeting_parser p;
        std::error_code ec;
        CHECK(p.parse(std::span(input).first(n), ec) == n);
        CHECK(ec == std::error_code{});
        CHECK_FALSE(p.done());
    }
}

// --- legacy peers and garbage ----------------------------------------------------

TEST_CASE("greeting: ZMTP 1.0 short identity frame is refused after 2 bytes")
{
    // A ZMTP 1.0 peer starts with its identity frame: length, flags (0 or MORE), identity.
    for (const char* hex : {"01 00", "01 01", "05 00 'abcd'", "00 00"}) {
        CAPTURE(hex);
        const auto input = bytes(hex);
        greeting_parser p;
        std::error_code ec;
        const std::size_t n = p.parse(std::span(input).first(2), ec);
        CHECK(ec == errc::unsupported_zmtp_1_0);
        CHECK(n <= 2);
        CHECK_FALSE(p.done());
        check_error_every_chunking(input, errc::unsupported_zmtp_1_0);
    }
}

TEST_CASE("greeting: ZMTP 1.0 long frame (tenth byte with bit 0 clear) is refused")
{
    // 0xFF, 8-byte length, flags 0x00.
    const auto input = bytes("ff 00 00 00 00 00 00 01 00 00 'identity'");
    std::size_t consumed = 0;
    CHECK(parse_once(std::span(input).first(10), &consumed) == errc::unsupported_zmtp_1_0);
    CHECK(consumed <= 10);
    CHECK(parse_once(std::span(input).first(9)) == std::error_code{}); // not decidable yet
    check_error_every_chunking(input, errc::unsupported_zmtp_1_0);

    // Any even tenth byte means 1.0.
    CHECK(parse_once(bytes("ff 00 00 00 00 00 00 00 00 7e")) == errc::unsupported_zmtp_1_0);
}

TEST_CASE("greeting: ZMTP 2.0 (major 1 or 2) is refused after 11 bytes")
{
    for (unsigned char legacy_major : {1, 2}) {
        CAPTURE(int(legacy_major));
        const auto input = libzmq_greeting("NULL", legacy_major, 0);
        std::size_t consumed = 0;
        CHECK(parse_once(std::span(input).first(10)) == std::error_code{});
        CHECK(parse_once(std::span(input).first(11), &consumed) == errc::unsupported_zmtp_2_0);
        CHECK(consumed <= 11);
        check_error_every_chunking(input, errc::unsupported_zmtp_2_0);
    }
    // A ZMTP 2.0 greeting proper: signature, revision 01, socket type, identity frame.
    check_error_every_chunking(bytes("ff 00 00 00 00 00 00 00 01 7f 01 05 00 00"), errc::unsupported_zmtp_2_0);
}

TEST_CASE("greeting: HTTP and other garbage is a bad signature")
{
    const auto http = text_bytes("GET / HTTP/1.1\r\nHost: example\r\n\r\n");
    std::size_t consumed = 0;
    CHECK(parse_once(http, &consumed) == errc::bad_signature);
    CHECK(consumed <= 2);
    check_error_every_chunking(text_bytes("GET / HTTP/1.1\r\n"), errc::bad_signature);

    // 0xFF then a tenth byte with bit 0 set that is not 0x7F.
    CHECK(parse_once(bytes("ff 00 00 00 00 00 00 00 01 01 03 01")) == errc::bad_signature);
    // Major version 0 is no ZMTP version at all: refused after 11 bytes (which error code is
    // not specified by the header).
    CHECK(parse_once(bytes("ff 00 00 00 00 00 00 00 01 7f 00 01")) != std::error_code{});
}

TEST_CASE("greeting: invalid mechanism names")
{
    struct bad_case {
        const char* what;
        std::vector<std::byte> field; // 20 bytes
    };
    const std::vector<bad_case> cases{
        {"lower case", concat({text_bytes("null"), repeat(16)})},
        {"mixed case", concat({text_bytes("Plain"), repeat(15)})},
        {"empty", repeat(20)},
        {"non-NUL after the NUL padding", concat({text_bytes("NULL"), repeat(1), text_bytes("X"), repeat(14)})},
        {"trailing byte after padding", concat({text_bytes("NULL"), repeat(15), bytes("01")})},
        {"space", concat({text_bytes("NU LL"), repeat(15)})},
        {"leading NUL", concat({repeat(1), text_bytes("NULL"), repeat(15)})},
        {"high byte", concat({text_bytes("NULL"), bytes("80"), repeat(15)})},
        {"slash", concat({text_bytes("CURVE/2"), repeat(13)})},
    };
    for (const bad_case& c : cases) {
        INFO(c.what);
        REQUIRE(c.field.size() == 20);
        auto input = libzmq_greeting();
        std::copy(c.field.begin(), c.field.end(), input.begin() + 12);
        std::size_t consumed = 0;
        CHECK(parse_once(input, &consumed) == errc::invalid_mechanism_name);
        check_error_every_chunking(input, errc::invalid_mechanism_name);
    }
}

TEST_CASE("greeting: errors are sticky")
{
    greeting_parser p;
    std::error_code ec;
    (void)p.parse(bytes("01 00"), ec);
    REQUIRE(ec == errc::unsupported_zmtp_1_0);
    const auto good = libzmq_greeting();
    for (int i = 0; i < 2; ++i) {
        std::error_code again;
        CHECK(p.parse(good, again) == 0);
        CHECK(again == errc::unsupported_zmtp_1_0);
        CHECK_FALSE(p.done());
    }
    std::error_code empty_ec;
    CHECK(p.parse({}, empty_ec) == 0);
    CHECK(empty_ec == errc::unsupported_zmtp_1_0);
}
