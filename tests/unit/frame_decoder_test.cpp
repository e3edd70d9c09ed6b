// Unit tests for the ZMTP 3.x frame header encoder and the incremental frame decoder.
#include "zmtp/wire/frame_decoder.hpp"
#include "zmtp/wire/frame_header.hpp"

#include <doctest/doctest.h>

#include "test_bytes.hpp"
#include "zmtp/detail/big_endian.hpp"
#include "zmtp/error.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace zmtp_test;
using zmtp::errc;
using zmtp::wire::frame_decoder;
using zmtp::wire::frame_limits;

namespace {

std::vector<std::byte> header(std::uint64_t size, bool more, bool command)
{
    std::array<std::byte, zmtp::wire::max_frame_header_size> out{};
    const std::size_t n = zmtp::wire::encode_frame_header(out, size, more, command);
    return {out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n)};
}

/// Feeds `input` in one decode() call to `d` and returns the error.
std::error_code feed(frame_decoder& d, std::span<const std::byte> input, std::size_t* consumed = nullptr)
{
    std::error_code ec;
    const std::size_t n = d.decode(input, ec);
    if (consumed)
        *consumed = n;
    return ec;
}

/// Checks that every chunking of `input` decodes to `expected` with no error, consuming all.
void check_every_chunking(std::span<const std::byte> input, const std::vector<wire_frame>& expected,
                          frame_limits limits = {})
{
    const auto plans = chunk_plans(input.size());
    const auto results = decode_all_chunkings(input, limits);
    REQUIRE(results.size() == plans.size());
    for (std::size_t i = 0; i < results.size(); ++i) {
        INFO(describe_plan(plans[i]));
        CHECK_FALSE(results[i].stalled);
        CHECK(results[i].ec == std::error_code{});
        CHECK(results[i].consumed == input.size());
        CHECK(results[i].frames == expected);
    }
}

/// Checks that every chunking of `input` yields the frames `before` and then `error`.
void check_error_in_every_chunking(std::span<const std::byte> input,
                                   const std::vector<wire_frame>& before, errc error,
                                   frame_limits limits = {})
{
    const auto plans = chunk_plans(input.size());
    const auto results = decode_all_chunkings(input, limits);
    for (std::size_t i = 0; i < results.size(); ++i) {
        INFO(describe_plan(plans[i]));
        CHECK_FALSE(results[i].stalled);
        CHECK(results[i].ec == error);
        CHECK(results[i].frames == before);
    }
}

} // namespace

// --- frame header encoding ------------------------------------------------------

TEST_CASE("frame_header: short and long forms")
{
    CHECK(header(0, false, false) == bytes("00 00"));
    CHECK(header(1, false, false) == bytes("00 01"));
    CHECK(header(255, false, false) == bytes("00 ff"));
    CHECK(header(256, false, false) == bytes("02 00 00 00 00 00 00 01 00"));
    CHECK(header(0x0102030405060708, false, false) == bytes("02 01 02 03 04 05 06 07 08"));
    CHECK(header(std::uint64_t{1} << 32, false, false) == bytes("02 00 00 00 01 00 00 00 00"));
    CHECK(header(zmtp::wire::max_long_frame_size, false, false)
          == bytes("02 7f ff ff ff ff ff ff ff"));
}

TEST_CASE("frame_header: MORE and COMMAND flags")
{
    CHECK(header(5, true, false) == bytes("01 05"));
    CHECK(header(0, true, false) == bytes("01 00"));
    CHECK(header(300, true, false) == bytes("03 00 00 00 00 00 00 01 2c"));
    CHECK(header(5, false, true) == bytes("04 05"));
    CHECK(header(255, false, true) == bytes("04 ff"));
    CHECK(header(256, false, true) == bytes("06 00 00 00 00 00 00 01 00"));
}

TEST_CASE("frame_header: returned length is 2 or 9")
{
    std::array<std::byte, 9> out{};
    CHECK(zmtp::wire::encode_frame_header(out, 0, false, false) == 2);
    CHECK(zmtp::wire::encode_frame_header(out, 255, true, false) == 2);
    CHECK(zmtp::wire::encode_frame_header(out, 256, false, false) == 9);
    CHECK(zmtp::wire::encode_frame_header(out, 1000000, false, true) == 9);
    CHECK(zmtp::wire::frame_flag::more == 0x01);
    CHECK(zmtp::wire::frame_flag::long_size == 0x02);
    CHECK(zmtp::wire::frame_flag::command == 0x04);
    CHECK(zmtp::wire::frame_flag::reserved == 0xF8);
    CHECK(zmtp::wire::max_long_frame_size == 0x7FFFFFFFFFFFFFFFull);
}

// --- error category ---------------------------------------------------------------

TEST_CASE("error: errors with a std::errc twin compare equal to it, in both directions")
{
    const std::pair<errc, std::errc> twins[] = {
        {errc::would_block, std::errc::resource_unavailable_try_again},
        {errc::address_in_use, std::errc::address_in_use},
        {errc::host_unreachable, std::errc::host_unreachable},
        {errc::not_supported, std::errc::operation_not_supported},
        {errc::invalid_endpoint, std::errc::invalid_argument},
        {errc::socket_closed, std::errc::not_a_socket},
        {errc::message_too_large, std::errc::message_size},
        {errc::out_of_memory, std::errc::not_enough_memory},
        {errc::blocking_in_executor, std::errc::resource_deadlock_would_occur},
        {errc::handshake_timeout, std::errc::timed_out},
        {errc::heartbeat_timeout, std::errc::timed_out},
        {errc::invalid_argument, std::errc::invalid_argument},
        {errc::no_such_endpoint, std::errc::no_such_file_or_directory},
    };
    for (const auto& twin : twins) { // (clang 14 cannot capture structured bindings)
        const errc ours = twin.first;
        const std::errc theirs = twin.second;
        CAPTURE(static_cast<int>(ours));
        const std::error_code ec = ours;
        CHECK(ec == theirs);
        CHECK(theirs == ec);
        CHECK(ec == std::make_error_condition(theirs));
        CHECK(ec.default_error_condition().category() == std::generic_category());
        CHECK(ec == ours); // still itself
        CHECK(ec != std::errc::interrupted);
    }
    // EAGAIN and EWOULDBLOCK are one errno on Linux: both names match would_block.
    CHECK(std::error_code(errc::would_block) == std::errc::operation_would_block);
    // Errors without a twin compare equal to nothing in the generic category.
    for (const errc e : {errc::bad_signature, errc::invalid_state, errc::empty_message, errc::duplicate_property,
                         errc::context_terminated}) {
        const std::error_code ec = e;
        CHECK(ec.default_error_condition().category() == zmtp::error_category());
        CHECK(ec != std::errc::invalid_argument);
        CHECK(ec != std::errc::resource_unavailable_try_again);
    }
}

TEST_CASE("error: category - messages and protocol-error classification")
{
    const std::error_code ec = errc::invalid_frame_size;
    CHECK(std::string(ec.category().name()) == "zmtp");
    CHECK(&ec.category() == &zmtp::error_category());
    CHECK(ec.value() == static_cast<int>(errc::invalid_frame_size));
    CHECK_FALSE(ec.message().empty());
    CHECK(ec == zmtp::make_error_code(errc::invalid_frame_size));
    CHECK(ec != errc::reserved_flags_set);

    CHECK(zmtp::is_protocol_error(errc::bad_signature));
    CHECK(zmtp::is_protocol_error(errc::reserved_flags_set));
    CHECK(zmtp::is_protocol_error(errc::heartbeat_timeout));
    CHECK_FALSE(zmtp::is_protocol_error(errc::not_ready));
    CHECK_FALSE(zmtp::is_protocol_error(errc::connection_closed));
    CHECK_FALSE(zmtp::is_protocol_error(errc::out_of_memory));
    CHECK_FALSE(zmtp::is_protocol_error(std::error_code{}));
    CHECK_FALSE(zmtp::is_protocol_error(std::make_error_code(std::errc::invalid_argument)));
    // Same value in another category is not ours.
    CHECK_FALSE(zmtp::is_protocol_error(
        std::error_code(static_cast<int>(errc::bad_signature), std::generic_category())));

    // Every value has its own message.
    std::vector<std::string> messages;
    for (int v = static_cast<int>(errc::bad_signature); v <= static_cast<int>(errc::out_of_memory); ++v)
        messages.push_back(zmtp::make_error_code(static_cast<errc>(v)).message());
    for (std::size_t i = 0; i < messages.size(); ++i)
        for (std::size_t j = i + 1; j < messages.size(); ++j) {
            CAPTURE(i);
            CAPTURE(j);
            CHECK(messages[i] != messages[j]);
        }
}

// --- decoding valid input ---------------------------------------------------------

TEST_CASE("frame_decoder: short frame")
{
    const auto input = bytes("00 05 'hello'");
    frame_decoder d;
    std::size_t consumed = 0;
    CHECK(feed(d, input, &consumed) == std::error_code{});
    CHECK(consumed == 7);
    REQUIRE(d.ready());
    const auto f = d.take();
    CHECK_FALSE(f.more);
    CHECK_FALSE(f.command);
    CHECK(f.body == "hello");
    CHECK_FALSE(d.ready());
    CHECK_FALSE(d.inside_message());
}

TEST_CASE("frame_decoder: 0-byte frame completes with its header")
{
    frame_decoder d;
    std::size_t consumed = 0;
    CHECK(feed(d, bytes("00 00"), &consumed) == std::error_code{});
    CHECK(consumed == 2);
    REQUIRE(d.ready());
    const auto f = d.take();
    CHECK(f.body.empty());
    CHECK_FALSE(f.more);

    // Only the flags byte: not complete yet.
    frame_decoder half;
    CHECK(feed(half, bytes("00"), &consumed) == std::error_code{});
    CHECK(consumed == 1);
    CHECK_FALSE(half.ready());
}

TEST_CASE("frame_decoder: long frame")
{
    const auto body = filler(300);
    const auto input = concat({bytes("02 00 00 00 00 00 00 01 2c"), body});
    check_every_chunking(input, {data_frame(body)});

    // Incomplete body: not ready until the last byte.
    frame_decoder d;
    std::size_t consumed = 0;
    CHECK(feed(d, std::span(input).first(input.size() - 1), &consumed) == std::error_code{});
    CHECK(consumed == input.size() - 1);
    CHECK_FALSE(d.ready());
    CHECK(feed(d, std::span(input).last(1), &consumed) == std::error_code{});
    CHECK(consumed == 1);
    REQUIRE(d.ready());
    CHECK(d.take().body.size() == 300);
}

TEST_CASE("frame_decoder: long form used for a small size is accepted")
{
    check_every_chunking(bytes("02 00 00 00 00 00 00 00 03 'abc'"), {data_frame("abc")});
    check_every_chunking(bytes("02 00 00 00 00 00 00 00 00"), {data_frame("")});
    check_every_chunking(bytes("03 00 00 00 00 00 00 00 01 'x' 00 01 'y'"),
                         {data_frame("x", true), data_frame("y")});
    check_every_chunking(bytes("06 00 00 00 00 00 00 00 05 04 'PING'"),
                         {command_frame(bytes("04 'PING'"))});
}

TEST_CASE("frame_decoder: multipart message")
{
    const auto input = bytes("01 00 01 03 'abc' 00 05 'hello'");
    check_every_chunking(input, {data_frame("", true), data_frame("abc", true), data_frame("hello")});

    frame_decoder d;
    std::span<const std::byte> rest = input;
    std::size_t consumed = 0;

    CHECK(feed(d, rest, &consumed) == std::error_code{});
    CHECK(consumed == 2); // stops at the end of the first frame
    REQUIRE(d.ready());
    CHECK(d.inside_message());
    // While a frame waits, decode() consumes nothing.
    CHECK(feed(d, rest.subspan(consumed), &consumed) == std::error_code{});
    CHECK(consumed == 0);
    auto f = d.take();
    CHECK(f.more);
    CHECK(f.body.empty());
    rest = rest.subspan(2);

    CHECK(feed(d, rest, &consumed) == std::error_code{});
    CHECK(consumed == 5);
    f = d.take();
    CHECK(f.more);
    CHECK(f.body == "abc");
    CHECK(d.inside_message());
    rest = rest.subspan(5);

    CHECK(feed(d, rest, &consumed) == std::error_code{});
    CHECK(consumed == 7);
    REQUIRE(d.ready());
    CHECK_FALSE(d.inside_message());
    f = d.take();
    CHECK_FALSE(f.more);
    CHECK(f.body == "hello");
}

TEST_CASE("frame_decoder: commands")
{
    // The spec READY example (DEALER, empty Identity).
    const auto ready = bytes("04 29 05 'READY' 0B 'Socket-Type' 00 00 00 06 'DEALER' 08 'Identity' 00 00 00 00");
    REQUIRE(ready.size() == 43);
    check_every_chunking(ready, {command_frame(std::span(ready).subspan(2))});

    const auto ping = bytes("04 07 04 'PING' 00 1e");
    check_every_chunking(ping, {command_frame(bytes("04 'PING' 00 1e"))});

    // A long command.
    const auto data = filler(400, 3);
    const auto long_cmd = concat({bytes("06 00 00 00 00 00 00 01 96 05 'HELLO'"), data});
    check_every_chunking(long_cmd, {command_frame(concat({bytes("05 'HELLO'"), data}))});

    // A 0-byte command frame is a frame; parsing its body is command.hpp's job.
    check_every_chunking(bytes("04 00"), {command_frame({})});
}

TEST_CASE("frame_decoder: every valid sample gives identical frames in every chunking")
{
    const auto big = filler(1000, 9);
    struct sample {
        const char* name;
        std::vector<std::byte> input;
        std::vector<wire_frame> frames;
    };
    const std::vector<sample> samples{
        {"empty frame", bytes("00 00"), {data_frame("")}},
        {"short frame", bytes("00 05 'hello'"), {data_frame("hello")}},
        {"255 bytes", concat({bytes("00 ff"), filler(255)}), {data_frame(filler(255))}},
        {"256 bytes", concat({bytes("02 00 00 00 00 00 00 01 00"), filler(256)}),
         {data_frame(filler(256))}},
        {"empty parts", bytes("01 00 01 00 00 00"),
         {data_frame("", true), data_frame("", true), data_frame("")}},
        {"request envelope", bytes("01 05 00 2a e8 94 4a 01 00 00 02 'ok'"),
         {data_frame(bytes("00 2a e8 94 4a"), true), data_frame("", true), data_frame("ok")}},
        {"commands around messages",
         concat({bytes("04 07 04 'PING' 00 1e"), bytes("01 01 'a'"), bytes("03 00 00 00 00 00 00 03 e8"),
                 big, bytes("00 00"), bytes("04 09 04 'PONG' 'abcd'"), bytes("00 01 'z'")}),
         {command_frame(bytes("04 'PING' 00 1e")), data_frame("a", true), data_frame(big, true),
          data_frame(""), command_frame(bytes("04 'PONG' 'abcd'")), data_frame("z")}},
        {"two messages", bytes("01 01 'a' 00 01 'b' 01 01 'c' 00 01 'd'"),
         {data_frame("a", true), data_frame("b"), data_frame("c", true), data_frame("d")}},
    };
    for (const sample& s : samples) {
        INFO(s.name);
        check_every_chunking(s.input, s.frames);
        // Whole and 1-byte pieces through the named helpers, too.
        CHECK(decode_whole(s.input).frames == s.frames);
        CHECK(decode_bytewise(s.input).frames == s.frames);
    }
}

TEST_CASE("frame_decoder: empty input consumes nothing")
{
    frame_decoder d;
    std::size_t consumed = 1;
    CHECK(feed(d, {}, &consumed) == std::error_code{});
    CHECK(consumed == 0);
    CHECK_FALSE(d.ready());
}

TEST_CASE("frame_decoder: a frame's body does not alias the input")
{
    auto input = concat({bytes("00 32"), filler(50)});
    frame_decoder d;
    CHECK(feed(d, input) == std::error_code{});
    REQUIRE(d.ready());
    const auto f = d.take();
    input[2] = std::byte{0xEE};
    input[51] = std::byte{0xEE};
    CHECK(std::vector<std::byte>(f.body.bytes().begin(), f.body.bytes().end()) == filler(50));
}

// --- protocol violations ----------------------------------------------------------

TEST_CASE("frame_decoder: reserved flag bits")
{
    for (unsigned bit = 0x08; bit <= 0x80; bit <<= 1) {
        for (unsigned base : {0x00u, 0x01u, 0x02u, 0x03u, 0x04u, 0x06u}) {
            const auto flags = static_cast<std::byte>(bit | base);
            CAPTURE(bit);
            CAPTURE(base);
            frame_decoder d;
            std::size_t consumed = 0;
            // Detected from the flags byte alone.
            const std::byte one[] = {flags};
            CHECK(feed(d, one, &consumed) == errc::reserved_flags_set);
            CHECK(consumed <= 1);
            CHECK_FALSE(d.ready());
        }
    }
    check_error_in_every_chunking(bytes("00 01 'a' 08 01 'b'"), {data_frame("a")}, errc::reserved_flags_set);
    check_error_in_every_chunking(bytes("ff ff ff"), {}, errc::reserved_flags_set);
}

TEST_CASE("frame_decoder: command with MORE")
{
    for (unsigned char flags : {0x05, 0x07}) {
        CAPTURE(int(flags));
        frame_decoder d;
        const std::byte one[] = {std::byte{flags}};
        CHECK(feed(d, one) == errc::command_with_more);
    }
    check_error_in_every_chunking(bytes("05 04 'PING'"), {}, errc::command_with_more);
    check_error_in_every_chunking(bytes("00 00 07 00 00 00 00 00 00 00 04 'PING'"), {data_frame("")},
                                  errc::command_with_more);
}

TEST_CASE("frame_decoder: long size with the top bit set is invalid - before any allocation")
{
    // CVE-2019-6250 style sizes near 2^64. Only the 9 header bytes are fed: the error must
    // come without any body. With no message size limit, a decoder that tried to allocate
    // would report out_of_memory (or crash) instead of invalid_frame_size.
    for (const char* hex : {"02 80 00 00 00 00 00 00 00", "02 ff ff ff ff ff ff ff ff",
                            "03 80 00 00 00 00 00 00 00", "03 ff ff ff ff ff ff ff ff",
                            "06 80 00 00 00 00 00 00 00", "06 ff ff ff ff ff ff ff ff",
                            "02 c0 00 00 00 00 00 00 01"}) {
        CAPTURE(hex);
        const auto h = bytes(hex);
        frame_limits unlimited;
        unlimited.max_message_size = zmtp::wire::no_limit;
        unlimited.max_command_size = zmtp::wire::no_limit;
        frame_decoder d(unlimited);
        std::size_t consumed = 0;
        CHECK(feed(d, std::span(h).first(8), &consumed) == std::error_code{}); // not yet decidable
        CHECK(consumed == 8);
        CHECK(feed(d, std::span(h).last(1), &consumed) == errc::invalid_frame_size);
        CHECK_FALSE(d.ready());
        check_error_in_every_chunking(h, {}, errc::invalid_frame_size, unlimited);
    }
    // After a valid frame, too.
    check_error_in_every_chunking(bytes("01 01 'a' 02 ff ff ff ff ff ff ff ff 'trailing'"),
                                  {data_frame("a", true)}, errc::invalid_frame_size);
}

TEST_CASE("frame_decoder: frame over max_message_size")
{
    frame_limits limits;
    limits.max_message_size = 10;

    check_every_chunking(concat({bytes("00 0a"), filler(10)}), {data_frame(filler(10))}, limits);
    check_error_in_every_chunking(concat({bytes("00 0b"), filler(11)}), {}, errc::message_too_large, limits);
    check_error_in_every_chunking(concat({bytes("02 00 00 00 00 00 00 00 0b"), filler(11)}), {},
                                  errc::message_too_large, limits);

    // Detected from the header alone.
    frame_decoder d(limits);
    CHECK(feed(d, bytes("00 0b")) == errc::message_too_large);
    frame_decoder d2(limits);
    CHECK(feed(d2, bytes("02 00 00 00 01 00 00 00 00")) == errc::message_too_large);

    // max_message_size 0 allows only empty frames.
    limits.max_message_size = 0;
    check_every_chunking(bytes("01 00 00 00"), {data_frame("", true), data_frame("")}, limits);
    check_error_in_every_chunking(bytes("00 01 'a'"), {}, errc::message_too_large, limits);
}

TEST_CASE("frame_decoder: multipart message whose sum exceeds max_message_size")
{
    frame_limits limits;
    limits.max_message_size = 10;

    // 5 + 5 = 10: exactly at the limit is fine; a following message starts from zero.
    check_every_chunking(bytes("01 05 'aaaaa' 00 05 'bbbbb' 01 05 'ccccc' 00 05 'ddddd'"),
                         {data_frame("aaaaa", true), data_frame("bbbbb"), data_frame("ccccc", true),
                          data_frame("ddddd")},
                         limits);
    // 4 + 3 + 3 = 10 with empty parts in between.
    check_every_chunking(bytes("01 04 'aaaa' 01 00 01 03 'bbb' 00 03 'ccc'"),
                         {data_frame("aaaa", true), data_frame("", true), data_frame("bbb", true),
                          data_frame("ccc")},
                         limits);
    // 5 + 6 = 11: the second frame's header is refused.
    check_error_in_every_chunking(bytes("01 05 'aaaaa' 00 06 'bbbbbb'"), {data_frame("aaaaa", true)},
                                  errc::message_too_large, limits);
    // 4 + 4 + 3 = 11.
    check_error_in_every_chunking(bytes("01 04 'aaaa' 01 04 'bbbb' 00 03 'ccc'"),
                                  {data_frame("aaaa", true), data_frame("bbbb", true)},
                                  errc::message_too_large, limits);
    // Commands do not count towards the message size.
    check_every_chunking(bytes("04 07 04 'PING' 00 1e 00 0a 'abcdefghij'"),
                         {command_frame(bytes("04 'PING' 00 1e")), data_frame("abcdefghij")}, limits);
}

TEST_CASE("frame_decoder: command over max_command_size")
{
    frame_limits limits;
    limits.max_command_size = 6;
    check_every_chunking(bytes("04 06 04 'PING' 00"), {command_frame(bytes("04 'PING' 00"))}, limits);
    check_error_in_every_chunking(bytes("04 07 04 'PING' 00 1e"), {}, errc::command_too_large, limits);
    check_error_in_every_chunking(bytes("06 00 00 00 00 00 00 00 07 04 'PING' 00 1e"), {},
                                  errc::command_too_large, limits);

    // Data frames are not limited by max_command_size.
    check_every_chunking(bytes("00 07 'abcdefg'"), {data_frame("abcdefg")}, limits);

    // Default: 64 KiB. Exactly 65536 is fine, 65537 is refused from the header.
    frame_decoder d;
    CHECK(d.limits().max_command_size == 65536);
    CHECK(d.limits().max_message_size == zmtp::wire::no_limit);
    const auto body = concat({bytes("05 'HELLO'"), filler(65536 - 6)});
    const auto ok = concat({bytes("06 00 00 00 00 00 01 00 00"), body});
    CHECK(decode_whole(ok).frames == std::vector<wire_frame>{command_frame(body)});
    CHECK(feed(d, bytes("06 00 00 00 00 00 01 00 01")) == errc::command_too_large);
}

TEST_CASE("frame_decoder: command between the frames of a message")
{
    check_error_in_every_chunking(bytes("01 01 'a' 04 07 04 'PING' 00 1e 00 01 'b'"),
                                  {data_frame("a", true)}, errc::command_inside_message);
    check_error_in_every_chunking(bytes("01 00 06 00 00 00 00 00 00 00 05 04 'PING'"),
                                  {data_frame("", true)}, errc::command_inside_message);
    // After the final frame, a command is fine.
    check_every_chunking(bytes("01 01 'a' 00 01 'b' 04 05 04 'PING'"),
                         {data_frame("a", true), data_frame("b"), command_frame(bytes("04 'PING'"))});
}

TEST_CASE("frame_decoder: errors are sticky")
{
    frame_decoder d;
    std::size_t consumed = 0;
    CHECK(feed(d, bytes("00 01 'a'"), &consumed) == std::error_code{});
    REQUIRE(d.ready());
    (void)d.take();
    CHECK(feed(d, bytes("10 00 00 01 'b'"), &consumed) == errc::reserved_flags_set);
    CHECK(consumed <= 1);
    CHECK_FALSE(d.ready());

    for (int i = 0; i < 3; ++i) {
        CHECK(feed(d, bytes("00 01 'c'"), &consumed) == errc::reserved_flags_set);
        CHECK(consumed == 0);
        CHECK_FALSE(d.ready());
    }
    CHECK(feed(d, {}, &consumed) == errc::reserved_flags_set);
    CHECK(consumed == 0);

    // Raising the limits does not revive a failed decoder.
    frame_limits limits;
    limits.max_message_size = 1;
    frame_decoder d2(limits);
    CHECK(feed(d2, bytes("00 02")) == errc::message_too_large);
    d2.set_limits({});
    CHECK(feed(d2, bytes("00 01 'x'"), &consumed) == errc::message_too_large);
    CHECK(consumed == 0);
    CHECK_FALSE(d2.ready());
}

TEST_CASE("frame_decoder: set_limits applies from the next header")
{
    frame_decoder d;
    CHECK(feed(d, bytes("00 03 'abc'")) == std::error_code{});
    REQUIRE(d.ready());
    (void)d.take();
    frame_limits limits;
    limits.max_message_size = 2;
    d.set_limits(limits);
    CHECK(d.limits().max_message_size == 2);
    CHECK(feed(d, bytes("00 02 'ab'")) == std::error_code{});
    REQUIRE(d.ready());
    CHECK(d.take().body == "ab");
    CHECK(feed(d, bytes("00 03")) == errc::message_too_large);

    // Lowered in the middle of a message below what already arrived: the next header of
    // that message is refused, even for an empty frame.
    frame_decoder m;
    CHECK(feed(m, bytes("01 05 'aaaaa'")) == std::error_code{});
    REQUIRE(m.ready());
    (void)m.take();
    limits.max_message_size = 4;
    m.set_limits(limits);
    CHECK(feed(m, bytes("00 00")) == errc::message_too_large);
}

TEST_CASE("frame_decoder: a huge announced size holds only what has arrived, doubling")
{
    constexpr std::size_t first = frame_limits{}.first_body_block;
    for (const char* hex : {"02 40 00 00 00 00 00 00 00", "02 7f ff ff ff ff ff ff ff", "03 40 00 00 00 00 00 00 00"}) {
        CAPTURE(hex);
        frame_decoder d; // default: max_message_size = no_limit
        std::size_t consumed = 0;
        CHECK(feed(d, bytes(hex), &consumed) == std::error_code{});
        CHECK(consumed == 9);
        CHECK_FALSE(d.ready());
        CHECK(d.body_space().size() == first); // 9 bytes sent: 64 KiB held, not 2^62
        // Once the first block is full, the next byte doubles it.
        const std::vector<std::byte> chunk(first + 1, std::byte{0x5a});
        CHECK(feed(d, chunk, &consumed) == std::error_code{});
        CHECK(consumed == chunk.size());
        CHECK(d.body_space().size() == 2 * first - (first + 1));
    }
    frame_limits limits;
    limits.max_command_size = zmtp::wire::no_limit;
    frame_decoder c(limits);
    CHECK(feed(c, bytes("06 40 00 00 00 00 00 00 00")) == std::error_code{});
    CHECK(c.body_space().size() == first);
}

TEST_CASE("frame_decoder: a body that grows arrives intact in any chunking and through body_space")
{
    // 2.5 blocks plus a bit: two growths (64 KiB -> 128 KiB -> the exact size).
    const std::size_t size = frame_limits{}.first_body_block * 5 / 2 + 3;
    std::vector<std::byte> body(size);
    for (std::size_t i = 0; i < size; ++i)
        body[i] = static_cast<std::byte>((i * 131 + i / 257) & 0xff);
    std::vector<std::byte> wire = bytes("02 00 00 00 00 00 00 00 00");
    zmtp::detail::store_big_endian(wire.data() + 1, size, 8);
    wire.insert(wire.end(), body.begin(), body.end());

    for (std::size_t chunk : {std::size_t{1000}, std::size_t{65536}, std::size_t{300000}, wire.size()}) {
        CAPTURE(chunk);
        frame_decoder d;
        std::size_t pos = 0;
        while (pos < wire.size() && !d.ready()) {
            std::size_t consumed = 0;
            REQUIRE(feed(d, std::span(wire).subspan(pos, std::min(chunk, wire.size() - pos)), &consumed)
                    == std::error_code{});
            pos += consumed;
        }
        REQUIRE(d.ready());
        CHECK(pos == wire.size());
        const auto f = d.take();
        REQUIRE(f.body.size() == size);
        CHECK(std::equal(body.begin(), body.end(), f.body.data()));
    }

    // The caller-side path: header through decode(), then body_space()/commit_body() as far
    // as the held memory reaches, and decode() again whenever it is full (to grow it).
    frame_decoder d;
    std::size_t consumed = 0;
    REQUIRE(feed(d, std::span(wire).first(9), &consumed) == std::error_code{});
    std::size_t pos = 9;
    int growths = 0;
    while (!d.ready()) {
        const auto space = d.body_space();
        if (space.empty()) {
            REQUIRE(feed(d, std::span(wire).subspan(pos, 1), &consumed) == std::error_code{});
            pos += consumed;
            ++growths;
            continue;
        }
        const std::size_t n = std::min(space.size(), wire.size() - pos);
        std::memcpy(space.data(), wire.data() + pos, n);
        d.commit_body(n);
        pos += n;
    }
    CHECK(growths == 2);
    CHECK(pos == wire.size());
    const auto f = d.take();
    REQUIRE(f.body.size() == size);
    CHECK(std::equal(body.begin(), body.end(), f.body.data()));
}

TEST_CASE("frame_decoder: once a peer has delivered a large body, a body up to that size is allocated whole")
{
    constexpr std::size_t first = frame_limits{}.first_body_block;
    const std::size_t large = 3 * first; // 768 KiB: delivered once, through two growths
    std::vector<std::byte> wire = bytes("02 00 00 00 00 00 00 00 00");
    zmtp::detail::store_big_endian(wire.data() + 1, large, 8);
    wire.resize(wire.size() + large, std::byte{1});
    frame_decoder d;
    std::size_t consumed = 0;
    REQUIRE(feed(d, wire, &consumed) == std::error_code{});
    REQUIRE(d.ready());
    CHECK(d.take().body.size() == large);

    // The next large body of the same size gets all its memory at its header ...
    REQUIRE(feed(d, std::span(wire).first(9), &consumed) == std::error_code{});
    CHECK(d.body_space().size() == large);
    REQUIRE(feed(d, std::span(wire).subspan(9), &consumed) == std::error_code{});
    REQUIRE(d.ready());
    (void)d.take();
    // ... and a larger one gets that much (what this peer has shown it sends), then grows.
    REQUIRE(feed(d, bytes("02 40 00 00 00 00 00 00 00"), &consumed) == std::error_code{});
    CHECK(d.body_space().size() == large);
}

TEST_CASE("frame_decoder: a message of more than max_message_frames frames is dropped whole, and decoding goes on")
{
    frame_limits limits;
    limits.max_message_frames = 3;
    frame_decoder d(limits);
    const auto next = [&](const char* hex) {
        std::size_t consumed = 0;
        const auto input = bytes(hex);
        REQUIRE(feed(d, input, &consumed) == std::error_code{});
        CHECK(consumed == input.size());
        return d.ready() ? std::optional<zmtp::wire::decoded_frame>(d.take()) : std::nullopt;
    };
    // Three frames are fine, and a command between messages does not count; the count
    // starts again with each message.
    for (int round = 0; round < 2; ++round) {
        for (const char* hex : {"01 00", "01 01 'a'", "00 00", "04 04 'PONG'"}) {
            CAPTURE(hex);
            const auto f = next(hex);
            REQUIRE(f);
            CHECK_FALSE(f->dropped);
        }
    }
    // The first three frames of a longer message come out; the fourth starts the drop:
    // it and the rest (a long frame among them) are read past, holding nothing, and the
    // last one reports the drop.
    for (const char* hex : {"01 00", "01 00", "01 01 'x'"})
        REQUIRE(next(hex));
    CHECK_FALSE(next("01 05 'hello'"));
    CHECK(d.body_space().empty());
    CHECK_FALSE(next("03 00 00 00 00 00 01 00 00"));
    CHECK(d.body_space().empty()); // skipped, not allocated
    CHECK_FALSE(next(std::string("'" + std::string(65536, 'z') + "'").c_str()));
    const auto end = next("00 02 'ok'");
    REQUIRE(end);
    CHECK(end->dropped);
    CHECK_FALSE(end->more);
    CHECK(end->body.empty());
    CHECK_FALSE(d.inside_message());
    // The next message is whole again.
    const auto after = next("00 03 'new'");
    REQUIRE(after);
    CHECK_FALSE(after->dropped);
    CHECK(after->body == "new");

    // The default is 1024: the 1025th frame of one message starts the drop, whole frames
    // in one input (the one-step path for short frames) included.
    frame_decoder def;
    std::vector<std::byte> many;
    for (int i = 0; i < 1030; ++i)
        for (const char* hex : {i + 1 < 1030 ? "01" : "00", "00"})
            many.push_back(bytes(hex)[0]);
    std::size_t pos = 0;
    std::error_code ec;
    int frames = 0;
    int dropped = 0;
    while (pos < many.size() && !ec) {
        pos += def.decode(std::span(many).subspan(pos), ec);
        if (def.ready()) {
            const auto f = def.take();
            ++(f.dropped ? dropped : frames);
        }
    }
    CHECK_FALSE(ec);
    CHECK(frames == 1024);
    CHECK(dropped == 1);
}

TEST_CASE("frame_decoder: decode_short_message takes only a whole one-frame message of a short body")
{
    frame_decoder d;
    zmtp::message out;
    CHECK(d.decode_short_message(bytes("00 02 'h' 'i' 00"), out) == 4);
    CHECK(out == zmtp::message{"hi"});
    CHECK(d.decode_short_message(bytes("00 03 'a' 'b'"), out) == 0);   // body incomplete
    CHECK(d.decode_short_message(bytes("00"), out) == 0);              // header incomplete
    CHECK(d.decode_short_message(bytes("01 01 'a'"), out) == 0);       // MORE: not a whole message
    CHECK(d.decode_short_message(bytes("04 01 'a'"), out) == 0);       // a command
    CHECK(d.decode_short_message(header(300, false, false), out) == 0); // a long frame
    CHECK(out.size() == 1);

    // Inside a multipart message even a last frame is decode()'s.
    std::error_code ec;
    CHECK(d.decode(bytes("01 01 'a'"), ec) == 3);
    REQUIRE(d.ready());
    (void)d.take();
    CHECK(d.decode_short_message(bytes("00 01 'b'"), out) == 0);
    CHECK(d.decode(bytes("00 01 'b'"), ec) == 3);
    REQUIRE(d.ready());
    CHECK(d.take().body == zmtp::frame(std::string_view("b")));
    CHECK(d.decode_short_message(bytes("00 01 'c'"), out) == 3);
    CHECK(out == zmtp::message{"hi", "c"});

    frame_limits limits;
    limits.max_message_size = 1;
    frame_decoder small(limits);
    CHECK(small.decode_short_message(bytes("00 02 'h' 'i'"), out) == 0); // decode() reports it
    CHECK(small.decode(bytes("00 02 'h' 'i'"), ec) == 2);
    CHECK(ec == errc::message_too_large);
}

TEST_CASE("frame_decoder: bodies that arrived together share a block, and a body alone gets its own")
{
    // Three one-frame messages of 100 bytes, then two long-form frames of 300, in one input.
    std::vector<std::byte> input;
    for (int i = 0; i < 3; ++i) {
        input.push_back(std::byte{0x00});
        input.push_back(std::byte{100});
        input.insert(input.end(), 100, std::byte(0x41 + i));
    }
    for (int i = 0; i < 2; ++i) {
        const std::vector<std::byte> h = header(300, false, false);
        input.insert(input.end(), h.begin(), h.end());
        input.insert(input.end(), 300, std::byte(0x61 + i));
    }
    std::optional<frame_decoder> d(std::in_place);
    zmtp::message shorts;
    std::size_t pos = 0;
    for (int i = 0; i < 3; ++i)
        pos += d->decode_short_message(std::span(input).subspan(pos), shorts);
    REQUIRE(shorts.size() == 3);
    std::vector<zmtp::frame> longs;
    for (int i = 0; i < 2; ++i) {
        std::error_code ec;
        pos += d->decode(std::span(input).subspan(pos), ec);
        REQUIRE(!ec);
        REQUIRE(d->ready());
        longs.push_back(d->take().body);
    }
    CHECK(pos == input.size());
    // Each body starts 8-byte aligned right after the one before, in the same block.
    CHECK(shorts[1].data() == shorts[0].data() + 104);
    CHECK(shorts[2].data() == shorts[1].data() + 104);
    CHECK(longs[0].data() == shorts[2].data() + 104);
    CHECK(longs[1].data() == longs[0].data() + 304);
    // Copies, not views of the input, and they outlive the decoder.
    d.reset();
    std::fill(input.begin(), input.end(), std::byte{0});
    for (int i = 0; i < 3; ++i)
        CHECK(shorts[i] == std::string(100, static_cast<char>('A' + i)));
    for (int i = 0; i < 2; ++i)
        CHECK(longs[i] == std::string(300, static_cast<char>('a' + i)));

    // A body alone in its input is not worth a block: each has its own heap block (whose
    // sizes are multiples of 16, so the two bodies cannot lie 104 bytes apart).
    frame_decoder alone;
    zmtp::message out;
    std::vector<std::byte> one(102, std::byte{0x78});
    one[0] = std::byte{0x00};
    one[1] = std::byte{100};
    CHECK(alone.decode_short_message(one, out) == 102);
    CHECK(alone.decode_short_message(one, out) == 102);
    REQUIRE(out.size() == 2);
    CHECK(out[1].data() != out[0].data() + 104);
    CHECK(out[0] == std::string(100, 'x'));
    CHECK(out[1] == std::string(100, 'x'));
}
