// Shared helpers for the zmtp unit tests: byte strings written as hex, concatenation,
// filler bytes, hex printing in doctest messages, and feeding a sample to a frame_decoder
// in every chunking (whole, every 2-piece split, 1 byte at a time).
//
// Stable API (other test files rely on these signatures):
//   std::vector<std::byte> bytes(std::string_view hex);
//   std::vector<std::byte> text_bytes(std::string_view text);
//   std::vector<std::byte> concat(std::initializer_list<std::span<const std::byte>>);
//   std::vector<std::byte> repeat(std::size_t count, std::byte value);
//   std::vector<std::byte> filler(std::size_t n, unsigned char seed = 0);
//   std::string to_hex(std::span<const std::byte>);
//   std::span<const std::byte> as_bytes(std::string_view);
//   chunk_plans(n), for_each_chunking(input, f), decode_chunks / decode_whole /
//   decode_bytewise / decode_all_chunkings (see below).
#pragma once

// ZMTP_TEST_ASAN is defined when building with AddressSanitizer (g++ or clang++). Tests that
// rely on operator new throwing std::bad_alloc for an absurd size are skipped then, because
// ASan aborts on such a request unless ASAN_OPTIONS=allocator_may_return_null=1.
#if defined(__SANITIZE_ADDRESS__)
#define ZMTP_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZMTP_TEST_ASAN 1
#endif
#endif

#include "zmtp/wire/frame_decoder.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace zmtp_test {

/// Parses hex digits into bytes, e.g. bytes("04 29 05") -> {0x04, 0x29, 0x05}.
/// Spaces, tabs and newlines are ignored. Text between single quotes is taken literally as
/// ASCII, e.g. bytes("04 07 04 'PING' 00 1e"). Throws std::invalid_argument on a bad digit,
/// an odd number of digits, or an unterminated quote.
inline std::vector<std::byte> bytes(std::string_view hex)
{
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    std::vector<std::byte> out;
    int high = -1;
    for (std::size_t i = 0; i < hex.size(); ++i) {
        const char c = hex[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        if (c == '\'') {
            if (high != -1)
                throw std::invalid_argument("bytes(): quote inside a hex byte");
            const std::size_t close = hex.find('\'', i + 1);
            if (close == std::string_view::npos)
                throw std::invalid_argument("bytes(): unterminated quote");
            for (std::size_t j = i + 1; j < close; ++j)
                out.push_back(static_cast<std::byte>(static_cast<unsigned char>(hex[j])));
            i = close;
            continue;
        }
        const int v = nibble(c);
        if (v < 0)
            throw std::invalid_argument("bytes(): not a hex digit");
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<std::byte>((high << 4) | v));
            high = -1;
        }
    }
    if (high != -1)
        throw std::invalid_argument("bytes(): odd number of hex digits");
    return out;
}

/// The characters of `text` as bytes (no terminator).
inline std::vector<std::byte> text_bytes(std::string_view text)
{
    std::vector<std::byte> out;
    out.reserve(text.size());
    for (char c : text)
        out.push_back(static_cast<std::byte>(static_cast<unsigned char>(c)));
    return out;
}

/// A view of the characters of `text` as bytes.
inline std::span<const std::byte> as_bytes(std::string_view text) noexcept
{
    return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

/// The concatenation of `parts`, e.g. concat({bytes("00 03"), text_bytes("abc")}).
inline std::vector<std::byte> concat(std::initializer_list<std::span<const std::byte>> parts)
{
    std::vector<std::byte> out;
    for (std::span<const std::byte> p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

/// `count` copies of `value`.
inline std::vector<std::byte> repeat(std::size_t count, std::byte value = std::byte{0})
{
    return std::vector<std::byte>(count, value);
}

/// `n` bytes of a repeating pattern that `seed` shifts (bodies whose bytes differ).
inline std::vector<std::byte> filler(std::size_t n, unsigned char seed = 0)
{
    std::vector<std::byte> out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = static_cast<std::byte>((i * 7 + seed) & 0xFF);
    return out;
}

/// Lower-case hex with a space between bytes, e.g. "04 29 05".
inline std::string to_hex(std::span<const std::byte> data)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 3);
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (i != 0)
            out += ' ';
        const auto b = static_cast<unsigned>(data[i]);
        out += digits[b >> 4];
        out += digits[b & 0xF];
    }
    return out;
}

/// Ways to cut an input of `n` bytes into consecutive pieces, each given as piece lengths:
/// the whole input, every 2-piece split {k, n-k} for k in 1..n-1, and n pieces of 1 byte.
/// For n == 0 the only plan is {} (no piece).
inline std::vector<std::vector<std::size_t>> chunk_plans(std::size_t n)
{
    std::vector<std::vector<std::size_t>> plans;
    if (n == 0) {
        plans.emplace_back();
        return plans;
    }
    plans.push_back({n});
    for (std::size_t k = 1; k < n; ++k)
        plans.push_back({k, n - k});
    if (n > 2)
        plans.emplace_back(n, std::size_t{1});
    return plans;
}

/// A readable description of a plan, for doctest CAPTURE/INFO.
inline std::string describe_plan(const std::vector<std::size_t>& plan)
{
    std::string out = "pieces {";
    for (std::size_t i = 0; i < plan.size(); ++i) {
        if (i != 0)
            out += ',';
        out += std::to_string(plan[i]);
    }
    return out + "}";
}

/// A decoded frame in comparable, printable form.
struct wire_frame {
    bool more = false;
    bool command = false;
    std::vector<std::byte> body;

    friend bool operator==(const wire_frame&, const wire_frame&) = default;
};

/// A data frame (not a command).
inline wire_frame data_frame(std::span<const std::byte> body, bool more = false)
{
    return {more, false, std::vector<std::byte>(body.begin(), body.end())};
}
inline wire_frame data_frame(std::string_view text, bool more = false)
{
    return data_frame(as_bytes(text), more);
}
/// A command frame (MORE never set).
inline wire_frame command_frame(std::span<const std::byte> body)
{
    return {false, true, std::vector<std::byte>(body.begin(), body.end())};
}

/// What a frame_decoder produced from one chunking of an input.
struct decode_result {
    std::vector<wire_frame> frames;
    std::error_code ec;          ///< First error reported, if any.
    std::size_t consumed = 0;    ///< Total bytes decode() reported consumed.
    bool stalled = false;        ///< decode() consumed 0 bytes of a non-empty piece without
                                 ///< completing a frame or reporting an error (a bug).
};

/// Feeds `input` to `decoder` cut into pieces of the lengths in `plan` (their sum must be
/// input.size()), taking every frame as soon as it is ready. Stops at the first error.
inline decode_result decode_chunks(zmtp::wire::frame_decoder& decoder,
                                   std::span<const std::byte> input,
                                   const std::vector<std::size_t>& plan)
{
    decode_result r;
    std::size_t pos = 0;
    for (std::size_t len : plan) {
        std::span<const std::byte> piece = input.subspan(pos, len);
        pos += len;
        while (true) {
            std::error_code ec;
            const std::size_t n = decoder.decode(piece, ec);
            r.consumed += n;
            if (n > piece.size()) {
                r.stalled = true; // consumed more than given: report as a bug
                return r;
            }
            piece = piece.subspan(n);
            if (ec) {
                r.ec = ec;
                return r;
            }
            if (decoder.ready()) {
                zmtp::wire::decoded_frame f = decoder.take();
                r.frames.push_back({f.more, f.command,
                                    std::vector<std::byte>(f.body.bytes().begin(),
                                                           f.body.bytes().end())});
                continue; // a frame may also end exactly at the end of the piece
            }
            if (piece.empty())
                break;
            if (n == 0) {
                r.stalled = true;
                return r;
            }
        }
    }
    return r;
}

/// Same as above with a fresh decoder using `limits`.
inline decode_result decode_chunks(std::span<const std::byte> input,
                                   const std::vector<std::size_t>& plan,
                                   zmtp::wire::frame_limits limits = {})
{
    zmtp::wire::frame_decoder decoder(limits);
    return decode_chunks(decoder, input, plan);
}

/// Feeds the whole input in one call (loop) to a fresh decoder.
inline decode_result decode_whole(std::span<const std::byte> input,
                                  zmtp::wire::frame_limits limits = {})
{
    return decode_chunks(input, std::vector<std::size_t>{input.size()}, limits);
}

/// Feeds the input one byte at a time to a fresh decoder.
inline decode_result decode_bytewise(std::span<const std::byte> input,
                                     zmtp::wire::frame_limits limits = {})
{
    return decode_chunks(input, std::vector<std::size_t>(input.size(), 1), limits);
}

/// Calls `f(plan_description, pieces)` for every plan of chunk_plans(input.size()), where
/// `pieces` is the vector of spans of `input`. Handy for parsers other than frame_decoder.
template <class F>
void for_each_chunking(std::span<const std::byte> input, F&& f)
{
    for (const std::vector<std::size_t>& plan : chunk_plans(input.size())) {
        std::vector<std::span<const std::byte>> pieces;
        std::size_t pos = 0;
        for (std::size_t len : plan) {
            pieces.push_back(input.subspan(pos, len));
            pos += len;
        }
        f(describe_plan(plan), pieces);
    }
}

/// Decodes `input` in every chunk plan of chunk_plans() with fresh decoders; returns one
/// result per plan (index 0 is the whole input, the last is 1-byte pieces).
inline std::vector<decode_result> decode_all_chunkings(std::span<const std::byte> input,
                                                       zmtp::wire::frame_limits limits = {})
{
    std::vector<decode_result> results;
    for (const std::vector<std::size_t>& plan : chunk_plans(input.size()))
        results.push_back(decode_chunks(input, plan, limits));
    return results;
}

} // namespace zmtp_test

// Hex printing of byte vectors and decoded frames in doctest failure messages.
namespace doctest {
template <>
struct StringMaker<std::vector<std::byte>> {
    static String convert(const std::vector<std::byte>& v)
    {
        return ("[" + zmtp_test::to_hex(v) + "]").c_str();
    }
};
template <>
struct StringMaker<zmtp_test::wire_frame> {
    static String convert(const zmtp_test::wire_frame& f)
    {
        std::string s = "{";
        s += f.command ? "command" : "data";
        if (f.more)
            s += "+more";
        s += " [" + zmtp_test::to_hex(f.body) + "]}";
        return s.c_str();
    }
};
template <>
struct StringMaker<std::vector<zmtp_test::wire_frame>> {
    static String convert(const std::vector<zmtp_test::wire_frame>& v)
    {
        std::string s = "[";
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (i != 0)
                s += ", ";
            s += StringMaker<zmtp_test::wire_frame>::convert(v[i]).c_str();
        }
        return (s + "]").c_str();
    }
};
template <>
struct StringMaker<std::error_code> {
    static String convert(const std::error_code& ec)
    {
        return (std::string(ec.category().name()) + ":" + std::to_string(ec.value()) + " (" +
                ec.message() + ")")
            .c_str();
    }
};
} // namespace doctest
