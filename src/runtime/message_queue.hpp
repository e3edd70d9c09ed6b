// A FIFO of messages that knows how much of a high-water mark it fills.
#pragma once

#include "zmtp/detail/ring_buffer.hpp"
#include "zmtp/message.hpp"

#include <cstddef>

namespace zmtp::detail {

/// How much `msg` counts against a high-water mark: one per `message::inline_frames`
/// frames, so one for the usual message of up to four frames. A frame costs a fixed 48
/// bytes in memory however small it was on the wire, so counting messages alone would
/// let a peer fill a queue of 1000 messages with a million empty frames.
inline std::size_t hwm_weight(const message& msg) noexcept
{
    return msg.size() <= message::inline_frames ? 1 : (msg.size() + message::inline_frames - 1) / message::inline_frames;
}

/// Messages in order, with the sum of their hwm_weight().
class message_queue {
public:
    bool empty() const noexcept { return messages_.empty(); }
    /// The high-water-mark room the queued messages take.
    std::size_t weight() const noexcept { return weight_; }

    void push_back(message&& msg)
    {
        const std::size_t w = hwm_weight(msg);
        messages_.push_back(std::move(msg));
        weight_ += w;
    }
    /// Moves the front message into `out` and removes it.
    void pop_front_into(message& out)
    {
        messages_.pop_front_into(out);
        weight_ -= hwm_weight(out);
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
        weight_ = 0;
    }

private:
    ring_buffer<message> messages_;
    std::size_t weight_ = 0;
};

} // namespace zmtp::detail
