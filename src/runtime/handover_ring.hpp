// A bounded queue that hands messages from one thread to another without a lock.
#pragma once

#include "zmtp/message.hpp"

#include <atomic>
#include <cstddef>
#include <memory>

namespace zmtp::detail {

/// A fixed-size single-producer, single-consumer FIFO of messages. One thread at a time
/// pushes, one thread at a time pops (a consumer may change while a lock serializes them);
/// neither waits for the other. Storage is allocated once and never grows.
class handover_ring {
public:
    static constexpr std::size_t capacity = 512;

    handover_ring() : slots_(std::make_unique<message[]>(capacity)) {}

    /// Moves `msg` in; false, with `msg` untouched, when the ring is full. Producer only.
    bool try_push(message& msg) noexcept
    {
        return try_push_with([&](message& slot) noexcept {
            slot = std::move(msg);
            return true;
        });
    }

    /// Has `fill(message& slot)` put a message into the next slot (it holds a moved-from
    /// message), which goes in if fill returns true; false when the ring is full or fill
    /// did not. Producer only.
    template <class Fill>
    bool try_push_with(Fill fill)
    {
        const std::size_t tail = tail_.load(std::memory_order_relaxed);
        if (tail - head_seen_ == capacity) {
            head_seen_ = head_.load(std::memory_order_acquire);
            if (tail - head_seen_ == capacity)
                return false;
        }
        if (!fill(slots_[tail & mask]))
            return false;
        tail_.store(tail + 1, std::memory_order_release);
        return true;
    }

    /// Moves the oldest message into `out`; false when there is none. Consumer only.
    bool try_pop(message& out) noexcept
    {
        const std::size_t head = head_.load(std::memory_order_relaxed);
        if (head == tail_seen_) {
            tail_seen_ = tail_.load(std::memory_order_acquire);
            if (head == tail_seen_)
                return false;
        }
        out = std::move(slots_[head & mask]); // the slot keeps a moved-from message: nothing
        head_.store(head + 1, std::memory_order_release);
        return true;
    }

    /// How many messages were ever pushed. Producer only.
    std::size_t pushed() const noexcept { return tail_.load(std::memory_order_relaxed); }
    /// How many messages were ever popped. Consumer only.
    std::size_t popped() const noexcept { return head_.load(std::memory_order_relaxed); }
    /// How many messages wait to be popped (any thread: a snapshot).
    std::size_t size() const noexcept
    {
        return tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire);
    }
    bool empty() const noexcept { return size() == 0; }

private:
    static constexpr std::size_t mask = capacity - 1;
    static_assert((capacity & mask) == 0, "capacity must be a power of two");
    static constexpr std::size_t line = 64; // keeps each side's counters off the other's cache line

    std::unique_ptr<message[]> slots_;
    alignas(line) std::atomic<std::size_t> tail_{0}; ///< written by the producer
    std::size_t head_seen_ = 0;                      ///< the producer's last look at head_
    alignas(line) std::atomic<std::size_t> head_{0}; ///< written by the consumer
    std::size_t tail_seen_ = 0;                      ///< the consumer's last look at tail_
};

} // namespace zmtp::detail
