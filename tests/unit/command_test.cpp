// Unit tests for ZMTP commands (READY, ERROR, PING, PONG, SUBSCRIBE...) and metadata.
#include "zmtp/wire/command.hpp"
#include "zmtp/wire/metadata.hpp"

#include <doctest/doctest.h>

#include "test_bytes.hpp"
#include "zmtp/error.hpp"
#include "zmtp/wire/frame_decoder.hpp"

#include <string>
#include <vector>

using namespace zmtp_test;
using zmtp::errc;
using zmtp::wire::command;
using zmtp::wire::metadata;
using zmtp::wire::property;

namespace {

const std::vector<std::byte> dealer_ready =
    bytes("04 29 05 'READY' 0B 'Socket-Type' 00 00 00 06 'DEALER' 08 'Identity' 00 00 00 00");
const std::vector<std::byte> router_ready = bytes("04 1C 05 'READY' 0B 'Socket-Type' 00 00 00 06 'ROUTER'");

std::vector<std::byte> to_vector(std::span<const std::byte> s) { return {s.begin(), s.end()}; }

/// Decodes exactly one command frame from `wire` and returns its body.
std::vector<std::byte> command_body(std::span<const std::byte> wire)
{
    const auto r = decode_whole(wire);
    REQUIRE(r.ec == std::error_code{});
    REQUIRE(r.frames.size() == 1);
    REQUIRE(r.frames[0].command);
    REQUIRE(r.consumed == wire.size());
    return r.frames[0].body;
}

/// The properties of `m`, in order.
std::vector<property> listed(const metadata& m)
{
    std::vector<property> out;
    m.for_each([&](property p) { out.push_back(p); });
    return out;
}

/// Parses `data` (copied into a buffer of exactly its size, so that AddressSanitizer sees
/// any read past the end) as metadata.
std::error_code parse_exact(std::span<const std::byte> data, metadata& out)
{
    const std::vector<std::byte> copy(data.begin(), data.end());
    return zmtp::wire::parse_metadata(copy, out);
}

} // namespace

// --- parse_command ------------------------------------------------------------------

TEST_CASE("command: parse_command splits name and data")
{
    const auto body = bytes("05 'READY' 0B 'Socket-Type' 00 00 00 03 'REQ'");
    command c;
    REQUIRE(zmtp::wire::parse_command(body, c) == std::error_code{});
    CHECK(c.name == "READY");
    CHECK(to_vector(c.data) == bytes("0B 'Socket-Type' 00 00 00 03 'REQ'"));
    // Views into the body, no copy.
    CHECK(c.data.data() == body.data() + 6);
    CHECK(static_cast<const void*>(c.name.data()) == static_cast<const void*>(body.data() + 1));

    // Name only, no data.
    const auto name_only = bytes("04 'PING'");
    REQUIRE(zmtp::wire::parse_command(name_only, c) == std::error_code{});
    CHECK(c.name == "PING");
    CHECK(c.data.empty());

    // Case is not the codec's business: lower-case letters are letters.
    const auto lower = bytes("05 'ready'");
    REQUIRE(zmtp::wire::parse_command(lower, c) == std::error_code{});
    CHECK(c.name == "ready");

    // A 255-letter name.
    const auto long_name = concat({bytes("ff"), std::vector<std::byte>(255, std::byte{'A'}), bytes("01 02")});
    REQUIRE(zmtp::wire::parse_command(long_name, c) == std::error_code{});
    CHECK(c.name.size() == 255);
    CHECK(to_vector(c.data) == bytes("01 02"));
}

TEST_CASE("command: malformed command names")
{
    const std::vector<std::pair<const char*, std::vector<std::byte>>> cases{
        {"empty body", {}},
        {"name size 0", bytes("00")},
        {"name size 0 with data", bytes("00 'READY'")},
        {"name longer than body", bytes("06 'READY'")},
        {"name size only", bytes("01")},
        {"255 announced, 254 present", concat({bytes("ff"), std::vector<std::byte>(254, std::byte{'A'})})},
        {"digit", bytes("05 'RE4DY'")},
        {"hyphen", bytes("05 'RE-DY'")},
        {"space", bytes("05 'RE DY'")},
        {"NUL", bytes("04 'PI' 00 'G'")},
        {"high byte", bytes("04 'PI' c3 'G'")},
    };
    for (const auto& entry : cases) {
        const char* what = entry.first;
        const std::vector<std::byte>& body = entry.second;
        INFO(what);
        const std::vector<std::byte> exact(body); // exactly sized for ASan
        command c;
        CHECK(zmtp::wire::parse_command(exact, c) == errc::malformed_command);
    }
}

TEST_CASE("command: encode_command short and long forms")
{
    CHECK(zmtp::wire::encode_command("SUBSCRIBE", text_bytes("topic")) == bytes("04 0f 09 'SUBSCRIBE' 'topic'"));
    CHECK(zmtp::wire::encode_command("CANCEL", {}) == bytes("04 07 06 'CANCEL'"));

    // Body of exactly 255 bytes: short form.
    const auto data249 = std::vector<std::byte>(249, std::byte{0x5A});
    CHECK(zmtp::wire::encode_command("READY", data249) == concat({bytes("04 ff 05 'READY'"), data249}));
    // Body of 256 bytes: long form, 06 + 8-byte size.
    const auto data250 = std::vector<std::byte>(250, std::byte{0x5A});
    CHECK(zmtp::wire::encode_command("READY", data250)
          == concat({bytes("06 00 00 00 00 00 00 01 00 05 'READY'"), data250}));
    const auto data1000 = std::vector<std::byte>(1000, std::byte{0x01});
    CHECK(zmtp::wire::encode_command("HELLO", data1000)
          == concat({bytes("06 00 00 00 00 00 00 03 ee 05 'HELLO'"), data1000}));
}

// --- READY and metadata -----------------------------------------------------------

TEST_CASE("command: READY of a DEALER with empty Identity is the 43-byte spec example")
{
    metadata m;
    m.set("Socket-Type", "DEALER");
    m.set("Identity", "");
    const auto wire = zmtp::wire::encode_ready(m);
    REQUIRE(dealer_ready.size() == 43);
    CHECK(wire.size() == 43);
    CHECK(wire == dealer_ready);
}

TEST_CASE("command: READY of a ROUTER with only Socket-Type")
{
    metadata m;
    m.set("Socket-Type", "ROUTER");
    CHECK(zmtp::wire::encode_ready(m) == router_ready);
    CHECK(router_ready.size() == 30);
    // Empty metadata: READY with no properties.
    CHECK(zmtp::wire::encode_ready(metadata{}) == bytes("04 06 05 'READY'"));
}

TEST_CASE("command: decoding the spec READY gives its properties")
{
    const auto body = command_body(dealer_ready);
    command c;
    REQUIRE(zmtp::wire::parse_command(body, c) == std::error_code{});
    CHECK(c.name == "READY");
    metadata m;
    REQUIRE(zmtp::wire::parse_metadata(c.data, m) == std::error_code{});
    const auto props = listed(m);
    REQUIRE(props.size() == 2);
    CHECK(props[0].name == "Socket-Type");
    CHECK(props[0].value == "DEALER");
    CHECK(props[1].name == "Identity");
    CHECK(props[1].value.empty());
    CHECK(m.get("socket-type") == std::optional<std::string_view>("DEALER"));
    REQUIRE(m.get("IDENTITY").has_value());
    CHECK(m.get("IDENTITY")->empty());
    CHECK_FALSE(m.get("Resource").has_value());
}

TEST_CASE("metadata: encode exact bytes")
{
    metadata m;
    m.set("Socket-Type", "DEALER");
    m.set("Identity", "");
    std::vector<std::byte> out = bytes("aa"); // encode appends
    m.encode(out);
    CHECK(out == bytes("aa 0B 'Socket-Type' 00 00 00 06 'DEALER' 08 'Identity' 00 00 00 00"));

    metadata big;
    big.set("X-Big", std::string(300, 'v'));
    std::vector<std::byte> out2;
    big.encode(out2);
    CHECK(out2 == concat({bytes("05 'X-Big' 00 00 01 2c"), text_bytes(std::string(300, 'v'))}));
}

TEST_CASE("metadata: case-insensitive get and set replaces")
{
    metadata m;
    m.set("Socket-Type", "DEALER");
    m.set("X-Custom", "one");
    CHECK(m.get("Socket-Type") == std::optional<std::string_view>("DEALER"));
    CHECK(m.get("SOCKET-TYPE") == std::optional<std::string_view>("DEALER"));
    CHECK(m.get("socket-type") == std::optional<std::string_view>("DEALER"));
    CHECK_FALSE(m.get("Socket-Typ").has_value());
    CHECK_FALSE(m.get("Socket-Types").has_value());
    CHECK_FALSE(m.get("").has_value());

    m.set("socket-TYPE", "ROUTER");
    CHECK(listed(m).size() == 2);
    CHECK(m.get("Socket-Type") == std::optional<std::string_view>("ROUTER"));
    CHECK(m.get("x-custom") == std::optional<std::string_view>("one"));
    m.set("X-Custom", "two");
    REQUIRE(listed(m).size() == 2);
    CHECK(m.get("X-CUSTOM") == std::optional<std::string_view>("two"));
    // Replacing keeps the property's place and its first spelling.
    CHECK(listed(m)[0].name == "Socket-Type");
    CHECK(listed(m)[1].name == "X-Custom");
    std::vector<std::byte> wire;
    m.encode(wire);
    CHECK(wire == bytes("0B 'Socket-Type' 00 00 00 06 'ROUTER' 08 'X-Custom' 00 00 00 03 'two'"));

    // Case folding is ASCII only; digits and punctuation must match exactly.
    metadata n;
    n.set("A-1", "x");
    CHECK_FALSE(n.get("A_1").has_value());
    CHECK(n.get("a-1") == std::optional<std::string_view>("x"));
}

TEST_CASE("metadata: parse round trip")
{
    metadata m;
    m.set("Socket-Type", "ROUTER");
    m.set("Identity", std::string("\0id\xff", 4));
    m.set("Resource", "/path/to/resource");
    m.set("X-Empty", "");
    m.set("X-Big", std::string(70000, 'q'));
    m.set(std::string(255, 'N'), "long name");
    m.set("a.b_c-d+e", "punctuation");
    std::vector<std::byte> wire;
    m.encode(wire);

    metadata back;
    REQUIRE(zmtp::wire::parse_metadata(wire, back) == std::error_code{});
    const auto sent = listed(m);
    const auto got = listed(back);
    REQUIRE(got.size() == sent.size());
    REQUIRE(got.size() == 7);
    for (std::size_t i = 0; i < sent.size(); ++i) {
        CAPTURE(i);
        CHECK(got[i].name == sent[i].name);
        CHECK(got[i].value == sent[i].value);
    }
    CHECK(back.get("identity")->size() == 4);

    // Empty metadata parses to no properties.
    metadata none;
    CHECK(zmtp::wire::parse_metadata({}, none) == std::error_code{});
    CHECK(none.empty());
}

TEST_CASE("metadata: truncated at every cut position is malformed - never a crash")
{
    metadata m;
    m.set("Socket-Type", "DEALER");
    m.set("Identity", "");
    m.set("X-Value", "abc");
    std::vector<std::byte> wire;
    m.encode(wire);
    // Property boundaries: 22 (after Socket-Type), 35 (after Identity), 50 (end).
    REQUIRE(wire.size() == 50);
    for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
        CAPTURE(cut);
        metadata out;
        const std::error_code ec = parse_exact(std::span(wire).first(cut), out);
        if (cut == 0 || cut == 22 || cut == 35 || cut == 50) {
            CHECK(ec == std::error_code{});
            CHECK(listed(out).size() == (cut == 0 ? 0u : cut == 22 ? 1u : cut == 35 ? 2u : 3u));
        } else {
            CHECK(ec == errc::malformed_metadata);
        }
    }
}

TEST_CASE("metadata: value size larger than what remains")
{
    for (const char* hex : {"01 'A' ff ff ff ff", "01 'A' 80 00 00 00 'x'", "01 'A' 00 00 00 02 'x'",
                            "01 'A' 00 00 01 00", "0B 'Socket-Type' 00 00 00 07 'DEALER'",
                            "01 'A' 00 00 00 00 01 'B' ff ff ff ff 'abc'"}) {
        CAPTURE(hex);
        metadata out;
        CHECK(parse_exact(bytes(hex), out) == errc::malformed_metadata);
    }
    // Name size larger than what remains.
    metadata out;
    CHECK(parse_exact(bytes("ff 'Socket-Type'"), out) == errc::malformed_metadata);
    CHECK(parse_exact(bytes("05 'ABCD'"), out) == errc::malformed_metadata);
    // Value size field cut short.
    CHECK(parse_exact(bytes("01 'A' 00 00 00"), out) == errc::malformed_metadata);
}

TEST_CASE("metadata: invalid property names")
{
    for (const char* hex : {"00 00 00 00 00", "03 'a b' 00 00 00 00", "03 'a/b' 00 00 00 01 'v'",
                            "03 'a:b' 00 00 00 00", "02 'a' 00 00 00 00 00", "02 c3 a9 00 00 00 00",
                            "0B 'Socket-Type' 00 00 00 03 'REQ' 04 'X Y ' 00 00 00 00"}) {
        CAPTURE(hex);
        metadata out;
        CHECK(parse_exact(bytes(hex), out) == errc::invalid_property_name);
    }
}

TEST_CASE("metadata: a name twice is refused, in any case, wherever the two stand")
{
    for (const char* hex : {"01 'a' 00 00 00 00 01 'a' 00 00 00 00", "01 'a' 00 00 00 01 'x' 01 'A' 00 00 00 00",
                            "08 'Identity' 00 00 00 00 01 'b' 00 00 00 00 08 'IDENTITY' 00 00 00 01 'z'"}) {
        CAPTURE(hex);
        metadata out;
        out.set("Kept", "yes");
        CHECK(parse_exact(bytes(hex), out) == errc::duplicate_property);
        CHECK(out.get("Kept") == std::optional<std::string_view>("yes")); // untouched on failure
    }
    metadata ok;
    CHECK(parse_exact(bytes("01 'a' 00 00 00 00 02 'aa' 00 00 00 00 01 'b' 00 00 00 00"), ok) == std::error_code{});
    CHECK(listed(ok).size() == 3);
    CHECK(zmtp::is_protocol_error(errc::duplicate_property));
}

TEST_CASE("metadata: is kept in its wire form, the bytes the peer sent and no more")
{
    // 10,000 one-letter-name properties (6 bytes each): the parsed metadata re-encodes to
    // exactly those bytes, and its one string holds them all.
    std::vector<std::byte> wire;
    for (int i = 0; i < 10000; ++i) {
        const std::string name = "p" + std::to_string(i);
        wire.push_back(static_cast<std::byte>(name.size()));
        wire.insert(wire.end(), as_bytes(name).begin(), as_bytes(name).end());
        for (int k = 0; k < 4; ++k)
            wire.push_back(std::byte{0});
    }
    metadata m;
    REQUIRE(parse_exact(wire, m) == std::error_code{});
    std::vector<std::byte> again;
    m.encode(again);
    CHECK(again == wire);
    CHECK(sizeof(metadata) == sizeof(std::string));
}

TEST_CASE("metadata: set takes a name and value viewed from the same metadata")
{
    metadata m;
    m.set("X-Long", std::string(100, 'v')); // not in the small-string buffer
    const std::string_view value = *m.get("X-Long");
    m.set("X-Copy", value);
    CHECK(m.get("X-Copy") == std::optional<std::string_view>(std::string(100, 'v')));
    const property first = listed(m)[0];
    m.set(first.name, first.value); // replacing with itself
    CHECK(m.get("X-Long") == std::optional<std::string_view>(std::string(100, 'v')));
    CHECK(listed(m).size() == 2);
}

TEST_CASE("metadata: is_valid_property_name")
{
    using zmtp::wire::is_valid_property_name;
    CHECK(is_valid_property_name("Socket-Type"));
    CHECK(is_valid_property_name("X-My_Prop.1+2"));
    CHECK(is_valid_property_name("a"));
    CHECK(is_valid_property_name(std::string(255, 'x')));
    CHECK_FALSE(is_valid_property_name(std::string(256, 'x')));
    CHECK_FALSE(is_valid_property_name(""));
    CHECK_FALSE(is_valid_property_name("a b"));
    CHECK_FALSE(is_valid_property_name("a/b"));
    CHECK_FALSE(is_valid_property_name("a:b"));
    CHECK_FALSE(is_valid_property_name(std::string_view("a\0b", 3)));
    CHECK_FALSE(is_valid_property_name("caf\xc3\xa9"));
}

TEST_CASE("metadata: huge metadata parses without recursion or quadratic blowup")
{
    // 10,000 properties of ~300 bytes: about 3.2 MB (CVE-2019-13132 class input).
    std::vector<std::byte> wire;
    for (int i = 0; i < 10000; ++i) {
        const std::string name = "X-Prop-" + std::to_string(i);
        const std::string value(300, static_cast<char>('a' + i % 26));
        const auto value_size = bytes("00 00 01 2c");
        wire.push_back(static_cast<std::byte>(name.size()));
        wire.insert(wire.end(), as_bytes(name).begin(), as_bytes(name).end());
        wire.insert(wire.end(), value_size.begin(), value_size.end());
        wire.insert(wire.end(), as_bytes(value).begin(), as_bytes(value).end());
    }
    CHECK(wire.size() > 3000000);

    metadata back;
    REQUIRE(zmtp::wire::parse_metadata(wire, back) == std::error_code{});
    const auto props = listed(back);
    REQUIRE(props.size() == 10000);
    CHECK(props[9999].name == "X-Prop-9999");
    CHECK(props[9999].value == std::string(300, static_cast<char>('a' + 9999 % 26)));
    metadata m = back;
    CHECK(back.get("x-prop-5000") == std::optional<std::string_view>(std::string(300, static_cast<char>('a' + 5000 % 26))));

    // The same data as a READY command through the frame decoder (long form, 06).
    const auto ready = zmtp::wire::encode_ready(m);
    CHECK(ready[0] == std::byte{0x06});
    zmtp::wire::frame_limits limits;
    limits.max_command_size = zmtp::wire::no_limit;
    const auto decoded = decode_whole(ready, limits);
    REQUIRE(decoded.ec == std::error_code{});
    REQUIRE(decoded.frames.size() == 1);
    command c;
    REQUIRE(zmtp::wire::parse_command(decoded.frames[0].body, c) == std::error_code{});
    metadata via_frame;
    REQUIRE(zmtp::wire::parse_metadata(c.data, via_frame) == std::error_code{});
    CHECK(listed(via_frame).size() == 10000);

    // With the default 64 KiB command limit such a READY is refused from its header.
    CHECK(decode_whole(ready).ec == errc::command_too_large);
}

// --- PING / PONG --------------------------------------------------------------------

TEST_CASE("command: PING as libzmq sends it")
{
    const auto wire = bytes("04 07 04 'PING' 00 1e");
    const auto body = command_body(wire);
    command c;
    REQUIRE(zmtp::wire::parse_command(body, c) == std::error_code{});
    CHECK(c.name == "PING");
    zmtp::wire::ping p;
    REQUIRE(zmtp::wire::parse_ping(c.data, p) == std::error_code{});
    CHECK(p.ttl_deciseconds == 30);
    CHECK(p.context.empty());
}

TEST_CASE("command: PING context sizes")
{
    zmtp::wire::ping p;
    const auto ctx16 = concat({bytes("01 02"), std::vector<std::byte>(16, std::byte{0xC1})});
    REQUIRE(zmtp::wire::parse_ping(ctx16, p) == std::error_code{});
    CHECK(p.ttl_deciseconds == 0x0102);
    CHECK(p.context.size() == 16);
    CHECK(p.context.data() == ctx16.data() + 2);

    const auto ctx17 = concat({bytes("01 02"), std::vector<std::byte>(17, std::byte{0xC1})});
    CHECK(zmtp::wire::parse_ping(ctx17, p) == errc::malformed_ping);

    const std::vector<std::byte> one = bytes("00");
    CHECK(zmtp::wire::parse_ping(one, p) == errc::malformed_ping);
    CHECK(zmtp::wire::parse_ping({}, p) == errc::malformed_ping);

    REQUIRE(zmtp::wire::parse_ping(bytes("ff ff 'abcd'"), p) == std::error_code{});
    CHECK(p.ttl_deciseconds == 65535);
    CHECK(p.context.size() == 4);
}

TEST_CASE("command: encode_ping exact bytes")
{
    CHECK(zmtp::wire::encode_ping(30, {}) == bytes("04 07 04 'PING' 00 1e"));
    CHECK(zmtp::wire::encode_ping(10, text_bytes("abcd")) == bytes("04 0b 04 'PING' 00 0a 'abcd'"));
    CHECK(zmtp::wire::encode_ping(0x1234, bytes("ab cd")) == bytes("04 09 04 'PING' 12 34 ab cd"));
    // A context over 16 bytes is cut to 16.
    const auto ctx = std::vector<std::byte>(20, std::byte{0x33});
    CHECK(zmtp::wire::encode_ping(1, ctx)
          == concat({bytes("04 17 04 'PING' 00 01"), std::vector<std::byte>(16, std::byte{0x33})}));
}

TEST_CASE("command: PONG echoes the PING context")
{
    // ZMTP-FACTS 9: PING `04 0b 04 PING 00 0a abcd` is answered with `04 09 04 PONG abcd`
    // (the context is the 4 ASCII bytes "abcd": 0x09 = 1 + 4 + 4).
    const auto body = command_body(bytes("04 0b 04 'PING' 00 0a 'abcd'"));
    command c;
    REQUIRE(zmtp::wire::parse_command(body, c) == std::error_code{});
    zmtp::wire::ping p;
    REQUIRE(zmtp::wire::parse_ping(c.data, p) == std::error_code{});
    CHECK(p.ttl_deciseconds == 10);
    CHECK(zmtp::wire::encode_pong(p.context) == bytes("04 09 04 'PONG' 'abcd'"));

    // A 2-byte binary context ab cd.
    CHECK(zmtp::wire::encode_pong(bytes("ab cd")) == bytes("04 07 04 'PONG' ab cd"));
    CHECK(zmtp::wire::encode_pong({}) == bytes("04 05 04 'PONG'"));
    const auto ctx = std::vector<std::byte>(17, std::byte{0x44});
    CHECK(zmtp::wire::encode_pong(ctx)
          == concat({bytes("04 15 04 'PONG'"), std::vector<std::byte>(16, std::byte{0x44})}));
}

// --- ERROR --------------------------------------------------------------------------

TEST_CASE("command: ERROR encode and parse")
{
    const auto wire = zmtp::wire::encode_error("bad");
    CHECK(wire == bytes("04 0a 05 'ERROR' 03 'bad'"));
    CHECK(zmtp::wire::encode_error("") == bytes("04 07 05 'ERROR' 00"));

    const auto body = command_body(wire);
    command c;
    REQUIRE(zmtp::wire::parse_command(body, c) == std::error_code{});
    CHECK(c.name == "ERROR");
    std::string reason = "stale";
    REQUIRE(zmtp::wire::parse_error(c.data, reason) == std::error_code{});
    CHECK(reason == "bad");

    REQUIRE(zmtp::wire::parse_error(bytes("00"), reason) == std::error_code{});
    CHECK(reason.empty());

    const auto max = concat({bytes("ff"), text_bytes(std::string(255, 'r'))});
    REQUIRE(zmtp::wire::parse_error(max, reason) == std::error_code{});
    CHECK(reason == std::string(255, 'r'));
}

TEST_CASE("command: ERROR with a reason length mismatch")
{
    for (const char* hex : {"", "05 'ab'", "02 'abc'", "01", "00 'x'", "ff 'short'"}) {
        CAPTURE(hex);
        const std::vector<std::byte> exact = bytes(hex);
        std::string reason;
        CHECK(zmtp::wire::parse_error(exact, reason) == errc::malformed_error_command);
    }
}

TEST_CASE("command: encode_error cuts reasons over 255 bytes")
{
    const std::string r300(300, 'r');
    const auto wire = zmtp::wire::encode_error(r300);
    // Body 1 + 5 + 1 + 255 = 262 = 0x106: long form.
    CHECK(wire == concat({bytes("06 00 00 00 00 00 00 01 06 05 'ERROR' ff"), text_bytes(std::string(255, 'r'))}));
    CHECK(zmtp::wire::encode_error(std::string(255, 'r')) == wire);

    // 248 bytes: body 255, short form. 249 bytes: body 256, long form.
    CHECK(zmtp::wire::encode_error(std::string(248, 'e'))
          == concat({bytes("04 ff 05 'ERROR' f8"), text_bytes(std::string(248, 'e'))}));
    CHECK(zmtp::wire::encode_error(std::string(249, 'e'))
          == concat({bytes("06 00 00 00 00 00 00 01 00 05 'ERROR' f9"), text_bytes(std::string(249, 'e'))}));

    // Round trip through the decoder.
    const auto body = command_body(wire);
    command c;
    REQUIRE(zmtp::wire::parse_command(body, c) == std::error_code{});
    std::string reason;
    REQUIRE(zmtp::wire::parse_error(c.data, reason) == std::error_code{});
    CHECK(reason == std::string(255, 'r'));
}
