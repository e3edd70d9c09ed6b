// libFuzzer target: zmtp::wire::frame_decoder.
//
// Input: pattern(1) stream(...). The pattern byte picks how the stream is cut into pieces
// (see zmtp_fuzz::chunker) and, with bit 7, the limits: clear = 1 MiB messages / 64 KiB
// commands / 1024 frames / 1 KiB first body block, set = tiny limits (512 / 128 / 8
// frames / 16 bytes) so that limit checks, dropped messages and growing bodies are
// reachable with short inputs. The stream is decoded three ways (the chosen chunking, whole, one byte at a
// time), taking frames as they become ready, and compared with a straightforward reference
// decoder written from the ZMTP 3.x frame grammar (ZMTP-FACTS section 2).
//
// Invariants (trap on violation): decode() never consumes more than it was given; without
// a ready frame or an error it consumes the whole piece; while a frame is ready or after an
// error it consumes nothing and an error stays reported; command frames never carry MORE
// and never exceed max_command_size; the frames of one message never add up to more than
// max_message_size; a message of more than max_message_frames frames comes out as its
// first max_message_frames frames and then one `dropped` end marker; inside_message()
// follows the MORE flags; all chunkings and the reference agree on the frames, the error
// and the bytes consumed.
#include "zmtp/wire/frame_decoder.hpp"

#include "fuzz_util.hpp"
#include "zmtp/error.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <system_error>
#include <vector>

namespace {

using zmtp::errc;
using zmtp::wire::frame_limits;
using zmtp_fuzz::chunker;

struct plain_frame {
    bool more = false;
    bool command = false;
    bool dropped = false; ///< the end of a message dropped for too many frames
    std::string body;
    friend bool operator==(const plain_frame&, const plain_frame&) = default;
};

struct outcome {
    std::vector<plain_frame> frames;
    std::error_code ec;
    std::size_t consumed = 0;
};

bool is_frame_error(std::error_code ec)
{
    return ec == errc::reserved_flags_set || ec == errc::command_with_more
        || ec == errc::invalid_frame_size || ec == errc::message_too_large
        || ec == errc::command_too_large || ec == errc::command_inside_message
        || ec == errc::out_of_memory;
}

/// Runs a fresh decoder over `input` cut by `cut`, checking the per-call invariants.
outcome run_decoder(std::span<const std::byte> input, frame_limits limits, chunker cut)
{
    zmtp::wire::frame_decoder decoder(limits);
    outcome out;
    std::uint64_t message_bytes = 0;
    std::uint64_t message_frames = 0;
    std::size_t pos = 0;
    while (pos < input.size()) {
        std::span<const std::byte> piece = input.subspan(pos, cut.next(input.size() - pos));
        pos += piece.size();
        while (!piece.empty()) {
            std::error_code ec;
            const std::size_t n = decoder.decode(piece, ec);
            ZMTP_FUZZ_CHECK(n <= piece.size());
            out.consumed += n;
            piece = piece.subspan(n);
            if (ec) {
                ZMTP_FUZZ_CHECK(is_frame_error(ec));
                ZMTP_FUZZ_CHECK(!decoder.ready());
                // Sticky: nothing more is consumed and the same error is reported, also
                // for an empty input.
                std::error_code again;
                ZMTP_FUZZ_CHECK(decoder.decode(piece, again) == 0);
                ZMTP_FUZZ_CHECK(again == ec);
                std::error_code empty_again;
                ZMTP_FUZZ_CHECK(decoder.decode({}, empty_again) == 0);
                ZMTP_FUZZ_CHECK(empty_again == ec);
                out.ec = ec;
                return out;
            }
            if (!decoder.ready()) {
                // No frame and no error: the decoder must have taken the whole piece.
                ZMTP_FUZZ_CHECK(piece.empty());
                break;
            }
            // While a frame waits, decode() consumes nothing.
            std::error_code waiting_ec;
            ZMTP_FUZZ_CHECK(decoder.decode(piece, waiting_ec) == 0);
            ZMTP_FUZZ_CHECK(!waiting_ec);
            ZMTP_FUZZ_CHECK(decoder.ready());

            zmtp::wire::decoded_frame f = decoder.take();
            ZMTP_FUZZ_CHECK(!decoder.ready());
            if (f.dropped) {
                // The end of a message that had more than max_message_frames frames.
                ZMTP_FUZZ_CHECK(!f.more && !f.command && f.body.empty());
                ZMTP_FUZZ_CHECK(message_frames == limits.max_message_frames);
                ZMTP_FUZZ_CHECK(!decoder.inside_message());
                message_bytes = message_frames = 0;
                out.frames.push_back({false, false, true, {}});
                continue;
            }
            if (f.command) {
                ZMTP_FUZZ_CHECK(!f.more);
                ZMTP_FUZZ_CHECK(f.body.size() <= limits.max_command_size);
                ZMTP_FUZZ_CHECK(message_bytes == 0);
                ZMTP_FUZZ_CHECK(!decoder.inside_message());
            } else {
                ZMTP_FUZZ_CHECK(f.body.size() <= limits.max_message_size);
                message_bytes += f.body.size();
                ZMTP_FUZZ_CHECK(message_bytes <= limits.max_message_size);
                ZMTP_FUZZ_CHECK(++message_frames <= limits.max_message_frames);
                ZMTP_FUZZ_CHECK(decoder.inside_message() == f.more);
                if (!f.more)
                    message_bytes = message_frames = 0;
            }
            out.frames.push_back({f.more, f.command, false, std::string(f.body.view())});
        }
    }
    return out;
}

/// Reference decoder over the whole input, written from the frame grammar. The error is
/// reported after the byte that reveals it (flags byte, last size byte); a frame cut short
/// by the end of input is simply incomplete (all bytes consumed, no error). When several
/// flag errors apply, reserved bits win over MORE-on-command, which wins over
/// command-inside-message.
outcome reference_decode(std::span<const std::byte> in, frame_limits limits)
{
    outcome out;
    const auto at = [&](std::size_t i) { return static_cast<std::uint8_t>(in[i]); };
    bool inside_message = false;
    std::uint64_t message_bytes = 0;
    std::uint64_t message_frames = 0; // frames of the current message before this one
    bool dropping = false;            // the current message has too many frames
    std::size_t pos = 0;
    const auto fail = [&](errc e, std::size_t consumed) {
        out.ec = e;
        out.consumed = consumed;
        return out;
    };
    while (pos < in.size()) {
        const std::uint8_t flags = at(pos++);
        const bool more = flags & 0x01;
        const bool command = flags & 0x04;
        if (flags & 0xF8)
            return fail(errc::reserved_flags_set, pos);
        if (command && more)
            return fail(errc::command_with_more, pos);
        if (command && inside_message)
            return fail(errc::command_inside_message, pos);
        dropping = dropping || (!command && message_frames >= limits.max_message_frames);
        std::uint64_t size = 0;
        if (flags & 0x02) {
            if (in.size() - pos < 8)
                break;
            for (int i = 0; i < 8; ++i)
                size = (size << 8) | at(pos++);
            if (size >> 63)
                return fail(errc::invalid_frame_size, pos);
        } else {
            if (pos == in.size())
                break;
            size = at(pos++);
        }
        if (command) {
            if (size > limits.max_command_size)
                return fail(errc::command_too_large, pos);
        } else if (size > limits.max_message_size - message_bytes) {
            return fail(errc::message_too_large, pos);
        }
        if (in.size() - pos < size)
            break;
        if (!dropping)
            out.frames.push_back({more, command, false,
                                  std::string(reinterpret_cast<const char*>(in.data() + pos),
                                              static_cast<std::size_t>(size))});
        else if (!more) // a dropped message shows only as its end
            out.frames.push_back({false, false, true, {}});
        pos += static_cast<std::size_t>(size);
        if (!command) {
            inside_message = more;
            message_bytes = more ? message_bytes + size : 0;
            message_frames = more ? message_frames + 1 : 0;
            dropping = dropping && more;
        }
    }
    out.consumed = in.size();
    return out;
}

bool same(const outcome& a, const outcome& b)
{
    return a.frames == b.frames && a.ec == b.ec && a.consumed == b.consumed;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::uint8_t pattern = data[0];
    const std::span<const std::byte> stream = zmtp_fuzz::as_bytes(data + 1, size - 1);
    const frame_limits limits = (pattern & 0x80)
        ? frame_limits{.max_message_size = 512, .max_command_size = 128, .max_message_frames = 8, .first_body_block = 16}
        : frame_limits{.max_message_size = 1024 * 1024, .max_command_size = 64 * 1024, .first_body_block = 1024};

    const outcome chunked = run_decoder(stream, limits, chunker(pattern));
    const outcome whole = run_decoder(stream, limits, chunker::whole());
    const outcome bytewise = run_decoder(stream, limits, chunker::bytewise());
    const outcome reference = reference_decode(stream, limits);

    for (const outcome* o : {&chunked, &whole, &bytewise}) {
        ZMTP_FUZZ_CHECK(o->consumed <= stream.size());
        // Without an error every byte is consumed (incomplete frames are buffered).
        ZMTP_FUZZ_CHECK(o->ec || o->consumed == stream.size());
    }
    ZMTP_FUZZ_CHECK(same(whole, bytewise));
    ZMTP_FUZZ_CHECK(same(whole, chunked));
    ZMTP_FUZZ_CHECK(same(whole, reference));
    return 0;
}
