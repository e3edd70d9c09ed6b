// libFuzzer target: zmtp::wire::greeting_parser and encode_greeting.
//
// Input: pattern(1) stream(...). The stream is parsed in the chunking the pattern picks
// (zmtp_fuzz::chunker), whole, and one byte at a time.
//
// Invariants (trap on violation): parse() never consumes more than it was given nor more
// than 64 bytes in total; once done or failed it consumes nothing and an error stays
// reported; done() only for a greeting the spec accepts (0xFF ... 0x7F signature, major
// >= 3, mechanism 1..20 chars of [A-Z0-9-_.+] NUL padded) and always for one it accepts
// once 64 bytes arrived; an error only for bytes the spec rejects; all chunkings agree;
// result() matches the input bytes; encode_greeting(result()) parses back to the same
// fields.
#include "zmtp/wire/greeting.hpp"

#include "fuzz_util.hpp"
#include "zmtp/error.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <system_error>

namespace {

using zmtp::errc;
using zmtp::wire::greeting;
using zmtp::wire::greeting_parser;
using zmtp::wire::greeting_size;
using zmtp_fuzz::chunker;

struct outcome {
    bool done = false;
    std::error_code ec;
    std::size_t consumed = 0;
    std::optional<greeting> result;
};

bool same_fields(const greeting& a, const greeting& b)
{
    return a.major == b.major && a.minor == b.minor && a.mechanism == b.mechanism
        && a.as_server == b.as_server;
}

bool is_mechanism_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
        || c == '+';
}

bool is_greeting_error(std::error_code ec)
{
    return ec == errc::bad_signature || ec == errc::unsupported_zmtp_1_0
        || ec == errc::unsupported_zmtp_2_0 || ec == errc::invalid_mechanism_name;
}

outcome run_parser(std::span<const std::byte> input, chunker cut)
{
    greeting_parser parser;
    outcome out;
    std::size_t pos = 0;
    while (pos < input.size()) {
        const std::span<const std::byte> piece = input.subspan(pos, cut.next(input.size() - pos));
        pos += piece.size();
        std::error_code ec;
        const std::size_t n = parser.parse(piece, ec);
        ZMTP_FUZZ_CHECK(n <= piece.size());
        out.consumed += n;
        ZMTP_FUZZ_CHECK(out.consumed <= greeting_size);
        if (ec) {
            ZMTP_FUZZ_CHECK(is_greeting_error(ec));
            ZMTP_FUZZ_CHECK(!parser.done());
            std::error_code again;
            ZMTP_FUZZ_CHECK(parser.parse(piece.subspan(n), again) == 0);
            ZMTP_FUZZ_CHECK(again == ec);
            out.ec = ec;
            return out;
        }
        if (parser.done()) {
            ZMTP_FUZZ_CHECK(out.consumed == greeting_size);
            std::error_code after;
            ZMTP_FUZZ_CHECK(parser.parse(piece.subspan(n), after) == 0);
            ZMTP_FUZZ_CHECK(!after);
            out.done = true;
            out.result = parser.result();
            return out;
        }
        // Neither done nor failed: the whole piece went into the greeting.
        ZMTP_FUZZ_CHECK(n == piece.size());
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::span<const std::byte> stream = zmtp_fuzz::as_bytes(data + 1, size - 1);
    const auto at = [&](std::size_t i) { return static_cast<std::uint8_t>(stream[i]); };

    const outcome chunked = run_parser(stream, chunker(data[0]));
    const outcome whole = run_parser(stream, chunker::whole());
    const outcome bytewise = run_parser(stream, chunker::bytewise());

    for (const outcome* o : {&chunked, &bytewise}) {
        ZMTP_FUZZ_CHECK(o->done == whole.done);
        ZMTP_FUZZ_CHECK(o->ec == whole.ec);
        ZMTP_FUZZ_CHECK(o->consumed == whole.consumed);
        ZMTP_FUZZ_CHECK(o->result.has_value() == whole.result.has_value());
        if (o->result)
            ZMTP_FUZZ_CHECK(same_fields(*o->result, *whole.result));
    }

    // What the spec says about the bytes seen so far (k of them).
    const std::size_t k = std::min(stream.size(), greeting_size);
    const bool bad_start = k >= 2 && at(0) != 0xFF;
    const bool bad_end = k >= 10 && at(9) != 0x7F;
    const bool bad_major = k >= 11 && at(10) < 3;
    bool bad_mechanism = false;
    if (k == greeting_size) {
        const std::size_t name_size = static_cast<std::size_t>(std::find(
            stream.begin() + 12, stream.begin() + 32, std::byte{0}) - (stream.begin() + 12));
        bad_mechanism = name_size == 0;
        for (std::size_t i = 12; i < 32; ++i) {
            const char c = static_cast<char>(at(i));
            if (i < 12 + name_size ? !is_mechanism_char(c) : c != '\0')
                bad_mechanism = true;
        }
    }
    // (Byte 0 alone is not enough to reject: a 1.0 peer is told apart by byte 1.)
    const bool spec_rejects = bad_start || bad_end || bad_major || bad_mechanism;
    ZMTP_FUZZ_CHECK(static_cast<bool>(whole.ec) == spec_rejects);
    ZMTP_FUZZ_CHECK(whole.done == (k == greeting_size && !spec_rejects));

    if (!whole.done)
        return 0;
    const greeting& g = *whole.result;
    ZMTP_FUZZ_CHECK(g.major == at(10) && g.major >= 3);
    ZMTP_FUZZ_CHECK(g.minor == at(11));
    ZMTP_FUZZ_CHECK(g.as_server == (at(32) != 0));
    ZMTP_FUZZ_CHECK(!g.mechanism.empty() && g.mechanism.size() <= 20);
    ZMTP_FUZZ_CHECK(std::all_of(g.mechanism.begin(), g.mechanism.end(), is_mechanism_char));
    ZMTP_FUZZ_CHECK(g.mechanism == zmtp_fuzz::to_string(stream.subspan(12, g.mechanism.size())));

    // Re-encode and parse again: same fields; the encoding itself follows the layout.
    const auto encoded = zmtp::wire::encode_greeting(g);
    ZMTP_FUZZ_CHECK(encoded[0] == std::byte{0xFF} && encoded[9] == std::byte{0x7F});
    ZMTP_FUZZ_CHECK(std::all_of(encoded.begin() + 33, encoded.end(),
                                [](std::byte b) { return b == std::byte{0}; }));
    const outcome reparsed = run_parser(encoded, chunker(data[0]));
    ZMTP_FUZZ_CHECK(reparsed.done && !reparsed.ec && reparsed.consumed == greeting_size);
    ZMTP_FUZZ_CHECK(same_fields(*reparsed.result, g));
    return 0;
}
