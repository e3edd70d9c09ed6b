// Incremental ZMTP 3.x frame decoder (sans-I/O).
#pragma once

#include "zmtp/frame.hpp"
#include "zmtp/message.hpp"
#include "zmtp/wire/frame_header.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <system_error>

namespace zmtp::wire {

/// A size limit that never triggers.
inline constexpr std::uint64_t no_limit = std::numeric_limits<std::uint64_t>::max();

/// Limits the decoder enforces before it allocates a body.
struct frame_limits {
    /// Largest multipart message (sum of its frame sizes). Default: none, as libzmq's
    /// MAXMSGSIZE -1; set it for untrusted peers.
    std::uint64_t max_message_size = no_limit;
    /// Largest command body. 64 KiB fits any READY, PING or SUBSCRIBE a sane peer sends.
    std::uint64_t max_command_size = 64 * 1024;
    /// Most frames in one multipart message; a message with more is dropped whole (its
    /// further frames are read and discarded, nothing of it is delivered) and the
    /// connection carries on. A frame costs 2 bytes on the wire but a `zmtp::frame` (48
    /// bytes) in memory, so this bounds what one message makes us hold; 1024 is far beyond
    /// any envelope. Dropping rather than disconnecting matters because every hop adds
    /// envelope frames: a message a ROUTER accepted may be one frame over the limit at the
    /// next socket. libzmq has no such limit.
    std::uint64_t max_message_frames = 1024;
    /// Memory allocated at a body's header (or as much as the largest body delivered so
    /// far, if more); the rest of a larger body is allocated as its bytes arrive.
    std::size_t first_body_block = 64 * 1024;
};

/// One complete frame as it came off the wire.
struct decoded_frame {
    bool more = false;    ///< Another frame of the same message follows.
    bool command = false; ///< A command frame (its body is a command, see command.hpp).
    /// The message had more than max_message_frames frames and was dropped: this stands
    /// for its end (no body); the frames of it that came before are to be discarded.
    bool dropped = false;
    frame body;
};

/// Turns a byte stream into frames, one at a time.
///
/// Feed any chunking of the stream to `decode()`: it consumes bytes until one frame is
/// complete (then `ready()` is true and `take()` hands it over) or the input runs out.
/// Splitting the input anywhere gives the same frames. Every size is checked against the
/// limits before the body is allocated. A body is allocated whole when its header arrives
/// if it is no larger than `first_body_block` or than the largest body this decoder has
/// already delivered (a peer that sent that much once has paid for it); a larger one
/// starts at that size and doubles as its bytes arrive. So the memory held for a frame is
/// at most twice what the peer has sent plus `first_body_block` (three times, for the
/// moment a doubling copies it), whatever size the header announces, and a stream of
/// large frames is copied once, not at every doubling. Errors are sticky: after one,
/// `decode()` consumes nothing.
class frame_decoder {
public:
    explicit frame_decoder(frame_limits limits = {}) noexcept : limits_(limits) {}
    /// Not copyable: a copy would carve its bodies out of the same free bytes of the block
    /// that bodies share (body_in_block()).
    frame_decoder(const frame_decoder&) = delete;
    frame_decoder& operator=(const frame_decoder&) = delete;
    frame_decoder(frame_decoder&&) noexcept = default;
    frame_decoder& operator=(frame_decoder&&) noexcept = default;

    /// Consumes bytes of `input` until a frame completes or input ends; returns how many
    /// it consumed. Sets `ec` on a protocol violation (see zmtp::errc).
    std::size_t decode(std::span<const std::byte> input, std::error_code& ec);

    /// The fast path of a receiver under load: if the decoder is between messages and
    /// `input` starts with a whole one-frame message whose body is short (under 256 bytes)
    /// and within the limits, sets `body` to that body where it lies in `input` and
    /// returns the bytes it takes. Otherwise returns 0 and changes nothing, and decode()
    /// is the way.
    std::size_t take_short_message(std::span<const std::byte> input, std::span<const std::byte>& body) noexcept
    {
        if (state_ != state::flags || inside_message_ || input.size() < 2 || input[0] != std::byte{0})
            return 0;
        const auto size = static_cast<std::size_t>(input[1]);
        if (input.size() - 2 < size || size > limits_.max_message_size || limits_.max_message_frames == 0)
            return 0;
        body = input.subspan(2, size);
        largest_body_ = largest_body_ < size ? size : largest_body_;
        return 2 + size;
    }
    /// take_short_message(), with the body appended to `out` as a frame (a body too long to
    /// be inline goes into a block shared with the next ones: body_in_block()).
    std::size_t decode_short_message(std::span<const std::byte> input, message& out)
    {
        std::span<const std::byte> body;
        const std::size_t n = take_short_message(input, body);
        if (n == 0)
            return 0;
        if (body.size() <= frame::inline_capacity) {
            out.push_back(body);
        } else {
            frame& f = out.push_back(body_in_block(body.size(), input.size() - 2));
            std::memcpy(f.data(), body.data(), body.size());
        }
        return n;
    }

    /// True when a complete frame waits in `take()`; decode() consumes nothing until then.
    bool ready() const noexcept { return state_ == state::ready; }
    /// Hands over the complete frame. Precondition: ready().
    decoded_frame take() noexcept;

    /// Where the next bytes of the body being received may be written (empty unless a body
    /// is in progress), so that a caller can read them straight into the frame; then
    /// commit_body(). It covers only the memory held so far: empty when that is full and
    /// decode() must first grow the body.
    std::span<std::byte> body_space() noexcept
    {
        if (state_ != state::body)
            return {};
        return {body_.data() + body_filled_, body_.size() - body_filled_};
    }
    /// Reports `n` bytes written into body_space() (n <= its size).
    void commit_body(std::size_t n) noexcept
    {
        if (state_ != state::body)
            return;
        body_filled_ += n;
        if (body_filled_ == body_size_)
            finish_frame();
    }

    /// True between the frames of a multipart message (after a frame with MORE).
    bool inside_message() const noexcept { return inside_message_; }

    /// Changes the limits; they apply from the next frame header on.
    void set_limits(frame_limits limits) noexcept { limits_ = limits; }
    const frame_limits& limits() const noexcept { return limits_; }

private:
    enum class state { flags, short_size, long_size, body, skip_body, ready, failed };

    std::error_code fail(std::error_code ec) noexcept;
    /// The header announced a body of `size` bytes; `available` bytes of input follow it.
    std::error_code start_body(std::uint64_t size, std::size_t available);
    /// Makes room for more of a body that is held in part. Error: out_of_memory.
    std::error_code grow_body();
    void finish_frame() noexcept // inline: it is on every frame's path
    {
        state_ = state::ready;
        if (flags_ & frame_flag::command) {
            largest_body_ = largest_body_ < body_size_ ? body_size_ : largest_body_;
            return;
        }
        inside_message_ = flags_ & frame_flag::more;
        message_bytes_ = inside_message_ ? message_bytes_ + body_size_ : 0;
        message_frames_ = inside_message_ ? message_frames_ + 1 : 0;
        if (dropping_) [[unlikely]]
            finish_dropped_frame();
        else
            largest_body_ = largest_body_ < body_size_ ? body_size_ : largest_body_;
    }
    void finish_dropped_frame() noexcept;
    /// Memory for a data frame's body of `size` bytes (more than frame::inline_capacity),
    /// all of which has arrived (`available` bytes of input from its first one on, at
    /// least `size`). Up to `block_body_limit` bytes it is a part of the block the bodies
    /// decoded before it share, so that a stream of short messages costs one heap block
    /// per `body_block` bytes rather than one a message. A new block is sized to what has
    /// arrived (at most body_block): the memory stays within what the peer has sent. A
    /// frame of such a block keeps all of it alive (as libzmq's messages keep its receive
    /// buffer).
    frame body_in_block(std::size_t size, std::size_t available);
    /// The most a block of bodies holds, and the longest body put in one.
    static constexpr std::size_t body_block = 8 * 1024;
    static constexpr std::size_t block_body_limit = 1024;

    frame_limits limits_;
    state state_ = state::flags;
    std::uint8_t flags_ = 0;
    std::byte size_bytes_[8]{};
    std::size_t size_filled_ = 0;
    frame body_;              // holds the first body_.size() bytes of the body
    frame block_;             // body_in_block()'s: its bytes from block_used_ on are free
    std::size_t block_used_ = 0;
    std::size_t body_size_ = 0; // the body's announced size
    std::size_t largest_body_ = 0; // the largest body delivered so far
    std::size_t body_filled_ = 0;
    bool inside_message_ = false;
    std::uint64_t message_bytes_ = 0;
    std::uint64_t message_frames_ = 0; // frames of the current message before this one
    bool dropping_ = false;            // the current message has too many frames
    bool dropped_ = false;             // the ready frame ends a dropped message
    std::error_code error_;
};

} // namespace zmtp::wire
