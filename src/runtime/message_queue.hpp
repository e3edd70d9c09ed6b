// A FIFO of messages that knows how much of a high-water mark it fills.
#pragma once

#include "zmtp/detail/ring_buffer.hpp"
#include "zmtp/message.hpp"

#include <cstddef>

namespace zmtp::detail {

/// How much a message of `frames` frames counts against a high-water mark: one per
/// `message::inline_frames` frames, so one for the usual message of up to four frames. A
/// frame costs a fixed 48 bytes in memory however small it was on the wire, so counting
/// messages alone would let a peer fill a queue of 1000 messages with a million empty frames.
inline std::size_t hwm_weight(std::size_t frames) noexcept
{
    return frames <= message::inline_frames ? 1 : (frames + message::inline_frames - 1) / message::inline_frames;
}

/// Messages in order, with the sum of their hwm_weight().
class message_queue {
public:
    bool empty() const noexcept { return messages_.empty(); }
    /// The high-water-mark room the queued messages take.
    std::size_t weight() const noexcept { return messages_.size() + extra_weight_; }

    void push_back(message&& msg)
    {
        const std::size_t frames = msg.size();
        messages_.push_back(std::move(msg));
        if (frames > message::inline_frames) [[unlikely]] // the usual message weighs 1: counted by size()
            extra_weight_ += hwm_weight(frames) - 1;
    }
    /// Moves the front message into `out` and removes it.
    void pop_front_into(message& out)
    {
        messages_.pop_front_into(out);
        if (out.size() > message::inline_frames) [[unlikely]]
            extra_weight_ -= hwm_weight(out.size()) - 1;
    }
    message pop_front()
    {
        message out;
        pop_front_into(out);
        return out;
    }
    void clear()
    {
        messages_.clear();
        extra_weight_ = 0;
    }

private:
    ring_buffer<message> messages_;
    std::size_t extra_weight_ = 0; ///< what messages of more than 4 frames weigh beyond 1 each
};

} // namespace zmtp::detail
