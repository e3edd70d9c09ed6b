// libFuzzer target: command and metadata codecs (command.hpp, metadata.hpp).
//
// Input: a command body as it appears inside a command frame, `name-size name data`.
// parse_command() splits it; its data then goes through parse_metadata(), parse_ping()
// and parse_error() whatever the name, and the whole input also goes through
// parse_metadata() (so the fuzzer reaches metadata parsing without a valid name first).
//
// Invariants (trap on violation): parse_command() accepts exactly `1..255 letters` names
// that fit, and its views lie inside the input; encode_command() of what it parsed gives
// back a well-formed frame whose body is the input, byte for byte; metadata that parses
// re-encodes to the same bytes and parses again to the same properties, every name is a
// valid property name, no name appears twice (any case), get() finds each property's value
// and set() of each rebuilds the same metadata; PING and ERROR data that parse re-encode
// to the same data; errors are the documented codes.
#include "zmtp/wire/command.hpp"

#include "fuzz_util.hpp"
#include "zmtp/error.hpp"
#include "zmtp/wire/frame_decoder.hpp"
#include "zmtp/wire/metadata.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <system_error>
#include <vector>

namespace {

using zmtp::errc;
namespace wire = zmtp::wire;

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/// Decodes a whole command frame produced by an encoder; returns its body.
std::vector<std::byte> decode_single_command(std::span<const std::byte> frame_bytes)
{
    wire::frame_decoder decoder({.max_message_size = wire::no_limit,
                                 .max_command_size = wire::no_limit});
    std::error_code ec;
    const std::size_t n = decoder.decode(frame_bytes, ec);
    ZMTP_FUZZ_CHECK(!ec);
    ZMTP_FUZZ_CHECK(n == frame_bytes.size());
    ZMTP_FUZZ_CHECK(decoder.ready());
    const wire::decoded_frame f = decoder.take();
    ZMTP_FUZZ_CHECK(f.command && !f.more);
    // Short form up to 255 bytes, long form above (ZMTP-FACTS section 2).
    ZMTP_FUZZ_CHECK(frame_bytes[0] == std::byte{f.body.size() <= 255 ? std::uint8_t{0x04}
                                                                      : std::uint8_t{0x06}});
    return {f.body.bytes().begin(), f.body.bytes().end()};
}

bool equal_bytes(std::span<const std::byte> a, std::span<const std::byte> b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

std::vector<wire::property> listed(const wire::metadata& m)
{
    std::vector<wire::property> out;
    m.for_each([&](wire::property p) { out.push_back(p); });
    return out;
}

bool same_properties(const wire::metadata& a, const wire::metadata& b)
{
    const auto pa = listed(a);
    const auto pb = listed(b);
    return pa.size() == pb.size()
        && std::equal(pa.begin(), pa.end(), pb.begin(), [](const auto& x, const auto& y) {
               return x.name == y.name && x.value == y.value;
           });
}

void check_metadata(std::span<const std::byte> data)
{
    wire::metadata parsed;
    const std::error_code ec = wire::parse_metadata(data, parsed);
    if (ec) {
        ZMTP_FUZZ_CHECK(ec == errc::malformed_metadata || ec == errc::invalid_property_name
                        || ec == errc::duplicate_property);
        return;
    }
    // Names are unique (any case): get() finds each property's own value, and set() of
    // each, in order, builds the same metadata.
    wire::metadata rebuilt;
    for (const wire::property& p : listed(parsed)) {
        ZMTP_FUZZ_CHECK(wire::is_valid_property_name(p.name));
        ZMTP_FUZZ_CHECK(parsed.get(p.name) == p.value);
        ZMTP_FUZZ_CHECK(!rebuilt.get(p.name));
        rebuilt.set(p.name, p.value);
    }
    ZMTP_FUZZ_CHECK(same_properties(parsed, rebuilt));
    // The wire form is canonical: re-encoding gives back the input.
    std::vector<std::byte> encoded;
    parsed.encode(encoded);
    ZMTP_FUZZ_CHECK(equal_bytes(encoded, data));
    wire::metadata reparsed;
    ZMTP_FUZZ_CHECK(!wire::parse_metadata(encoded, reparsed));
    ZMTP_FUZZ_CHECK(same_properties(parsed, reparsed));

    // The same properties inside a READY frame survive the frame codec too.
    const std::vector<std::byte> ready = wire::encode_ready(parsed);
    const std::vector<std::byte> body = decode_single_command(ready);
    wire::command cmd;
    ZMTP_FUZZ_CHECK(!wire::parse_command(body, cmd));
    ZMTP_FUZZ_CHECK(cmd.name == "READY");
    ZMTP_FUZZ_CHECK(equal_bytes(cmd.data, data));
}

void check_ping(std::span<const std::byte> data)
{
    wire::ping p;
    if (const std::error_code ec = wire::parse_ping(data, p)) {
        ZMTP_FUZZ_CHECK(ec == errc::malformed_ping);
        ZMTP_FUZZ_CHECK(data.size() < 2 || data.size() > 2 + wire::max_ping_context_size);
        return;
    }
    ZMTP_FUZZ_CHECK(data.size() >= 2 && p.context.size() == data.size() - 2);
    ZMTP_FUZZ_CHECK(p.context.size() <= wire::max_ping_context_size);
    ZMTP_FUZZ_CHECK(p.ttl_deciseconds
                    == ((static_cast<unsigned>(data[0]) << 8) | static_cast<unsigned>(data[1])));
    ZMTP_FUZZ_CHECK(p.context.data() == data.data() + 2);

    wire::command cmd;
    const std::vector<std::byte> ping_body = decode_single_command(wire::encode_ping(p.ttl_deciseconds, p.context));
    ZMTP_FUZZ_CHECK(!wire::parse_command(ping_body, cmd));
    ZMTP_FUZZ_CHECK(cmd.name == "PING" && equal_bytes(cmd.data, data));

    const std::vector<std::byte> pong_body = decode_single_command(wire::encode_pong(p.context));
    ZMTP_FUZZ_CHECK(!wire::parse_command(pong_body, cmd));
    ZMTP_FUZZ_CHECK(cmd.name == "PONG" && equal_bytes(cmd.data, p.context));
}

void check_error(std::span<const std::byte> data)
{
    std::string reason;
    if (const std::error_code ec = wire::parse_error(data, reason)) {
        ZMTP_FUZZ_CHECK(ec == errc::malformed_error_command);
        return;
    }
    ZMTP_FUZZ_CHECK(!data.empty() && static_cast<std::uint8_t>(data[0]) == data.size() - 1);
    ZMTP_FUZZ_CHECK(reason == zmtp_fuzz::to_string(data.subspan(1)));

    wire::command cmd;
    const std::vector<std::byte> body = decode_single_command(wire::encode_error(reason));
    ZMTP_FUZZ_CHECK(!wire::parse_command(body, cmd));
    ZMTP_FUZZ_CHECK(cmd.name == "ERROR" && equal_bytes(cmd.data, data));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* raw, std::size_t size)
{
    const std::span<const std::byte> body = zmtp_fuzz::as_bytes(raw, size);

    wire::command cmd;
    const std::error_code ec = wire::parse_command(body, cmd);
    const std::size_t name_size = body.empty() ? 0 : static_cast<std::uint8_t>(body[0]);
    const bool spec_ok = !body.empty() && name_size >= 1 && name_size <= body.size() - 1
        && std::all_of(body.begin() + 1, body.begin() + 1 + static_cast<std::ptrdiff_t>(name_size),
                       [](std::byte b) { return is_letter(static_cast<char>(b)); });
    ZMTP_FUZZ_CHECK(static_cast<bool>(ec) == !spec_ok);
    if (ec) {
        ZMTP_FUZZ_CHECK(ec == errc::malformed_command);
    } else {
        ZMTP_FUZZ_CHECK(cmd.name.size() == name_size);
        ZMTP_FUZZ_CHECK(reinterpret_cast<const std::byte*>(cmd.name.data()) == body.data() + 1);
        ZMTP_FUZZ_CHECK(cmd.data.data() == body.data() + 1 + name_size);
        ZMTP_FUZZ_CHECK(cmd.data.size() == body.size() - 1 - name_size);

        const std::vector<std::byte> reencoded = decode_single_command(
            wire::encode_command(cmd.name, cmd.data));
        ZMTP_FUZZ_CHECK(equal_bytes(reencoded, body));

        check_metadata(cmd.data);
        check_ping(cmd.data);
        check_error(cmd.data);
    }
    check_metadata(body);
    return 0;
}
