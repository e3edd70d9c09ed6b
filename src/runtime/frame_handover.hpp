// Messages handed from a sending thread to the executor, frame by frame.
#pragma once

#include "runtime/handover_ring.hpp"
#include "zmtp/message.hpp"

#include <cstddef>
#include <cstdint>

namespace zmtp::detail {

/// A single-producer, single-consumer FIFO of messages of up to message::inline_frames
/// frames that stores each as a run of one cache line per frame, so handing over a message
/// of small frames moves about 64 bytes a frame, not a whole message object (224 bytes).
/// The messages' sender properties are not carried: sent messages need none.
class frame_handover {
    /// One frame of a message: a cache line.
    struct alignas(64) frame_slot {
        frame body;
        std::uint8_t frames = 0; ///< in the first slot of a message: how many it has
    };
    static_assert(sizeof(frame_slot) == 64);

public:
    /// Frames in the ring at most: a default send_hwm's worth of one-frame messages (64 KiB).
    static constexpr std::size_t capacity = 1024;

    /// Moves the frames of `msg` (1 to message::inline_frames) in, leaving it empty; false,
    /// with `msg` untouched, when there is no room for them all. Producer only.
    bool try_push(message& msg) noexcept
    {
        const std::size_t count = msg.size();
        const bool pushed = ring_.try_push(count, [&](auto at) noexcept {
            for (std::size_t i = 0; i < count; ++i)
                at(i).body = std::move(msg[i]);
            at(0).frames = static_cast<std::uint8_t>(count);
            return true;
        });
        if (pushed) {
            ring_.prefetch_for_push(prefetch_distance);
            msg.clear();
            ++messages_pushed_;
        }
        return pushed;
    }

    /// Moves the oldest message's frames into `out` (cleared first); false when there is
    /// none. Consumer only.
    bool try_pop(message& out) noexcept
    {
        out.clear();
        const bool popped = ring_.try_pop([&](auto at) noexcept {
            const std::size_t count = at(0).frames;
            for (std::size_t i = 0; i < count; ++i)
                out.push_back(std::move(at(i).body)); // cannot throw: within the inline frames
            return count;
        });
        messages_popped_ += popped;
        return popped;
    }

    /// How many messages were ever pushed. Producer only.
    std::size_t pushed() const noexcept { return messages_pushed_; }
    /// How many messages were ever popped. Consumer only.
    std::size_t popped() const noexcept { return messages_popped_; }
    /// How many frames wait to be popped (any thread: a snapshot).
    std::size_t frames_waiting() const noexcept { return ring_.size(); }
    bool empty() const noexcept { return ring_.empty(); }

private:
    /// How far ahead a push prefetches the slot it will fill: far enough for the line to
    /// arrive in time at a sender's pace (64 measured best of 4 to 128). A prefetch changes
    /// no data: at worst, in a nearly full ring, it takes a line the consumer has yet to read.
    static constexpr std::size_t prefetch_distance = 64;
    static_assert(message::inline_frames <= capacity);

    slot_ring<frame_slot, capacity> ring_;
    std::size_t messages_pushed_ = 0;
    std::size_t messages_popped_ = 0;
};

} // namespace zmtp::detail
