// A bounded queue that hands messages from one thread to another without a lock.
#pragma once

#include "zmtp/message.hpp"

#include <atomic>
#include <cstddef>
#include <memory>

namespace zmtp::detail {

/// A fixed-size single-producer, single-consumer FIFO of `Capacity` slots, pushed and
/// popped in runs of consecutive slots (a run goes in and out whole). One thread at a time
/// pushes, one thread at a time pops (a consumer may change while a lock serializes them);
/// neither waits for the other. Storage is allocated once and never grows.
template <class Slot, std::size_t Capacity>
class slot_ring {
public:
    static constexpr std::size_t capacity = Capacity;

    slot_ring() : slots_(std::make_unique<Slot[]>(capacity)) {}

    /// Has `fill(at)` fill the next `count` slots (`at(i)` is the i-th; each holds what a
    /// pop left there), which go in together if fill returns true; false when fewer than
    /// `count` slots are free or fill did not. Producer only.
    template <class Fill>
    bool try_push(std::size_t count, Fill fill)
    {
        const std::size_t tail = tail_.load(std::memory_order_relaxed);
        if (capacity - (tail - head_seen_) < count) {
            head_seen_ = head_.load(std::memory_order_acquire);
            if (capacity - (tail - head_seen_) < count)
                return false;
        }
        if (!fill([&](std::size_t i) -> Slot& { return slots_[(tail + i) & mask]; }))
            return false;
        tail_.store(tail + count, std::memory_order_release);
        return true;
    }

    /// Has `take(at)` take the oldest run (`at(i)` is its i-th slot) and return how many
    /// slots it was; false when there is none. Consumer only.
    template <class Take>
    bool try_pop(Take take)
    {
        const std::size_t head = head_.load(std::memory_order_relaxed);
        if (head == tail_seen_) {
            tail_seen_ = tail_.load(std::memory_order_acquire);
            if (head == tail_seen_)
                return false;
        }
        const std::size_t count = take([&](std::size_t i) -> Slot& { return slots_[(head + i) & mask]; });
        head_.store(head + count, std::memory_order_release);
        return true;
    }

    /// Asks the processor to fetch the slot `ahead` past the next one, for writing, so that
    /// a push then finds it in its cache instead of waiting for the consumer's core to
    /// give it up. Producer only.
    void prefetch_for_push(std::size_t ahead) const noexcept
    {
        __builtin_prefetch(&slots_[(tail_.load(std::memory_order_relaxed) + ahead) & mask], 1, 3);
    }

    /// How many slots were ever pushed. Producer only.
    std::size_t pushed() const noexcept { return tail_.load(std::memory_order_relaxed); }
    /// How many slots were ever popped. Consumer only.
    std::size_t popped() const noexcept { return head_.load(std::memory_order_relaxed); }
    /// How many slots wait to be popped (any thread: a snapshot).
    std::size_t size() const noexcept
    {
        return tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire);
    }
    bool empty() const noexcept { return size() == 0; }

private:
    static constexpr std::size_t mask = capacity - 1;
    static_assert((capacity & mask) == 0, "capacity must be a power of two");
    static constexpr std::size_t line = 64; // keeps each side's counters off the other's cache line

    std::unique_ptr<Slot[]> slots_;
    alignas(line) std::atomic<std::size_t> tail_{0}; ///< written by the producer
    std::size_t head_seen_ = 0;                      ///< the producer's last look at head_
    alignas(line) std::atomic<std::size_t> head_{0}; ///< written by the consumer
    std::size_t tail_seen_ = 0;                      ///< the consumer's last look at tail_
};

/// A slot_ring of whole messages, one a slot.
class handover_ring : public slot_ring<message, 512> {
public:
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
        return slot_ring::try_push(1, [&](auto at) { return fill(at(0)); });
    }

    /// Moves the oldest message into `out`; false when there is none. Consumer only.
    bool try_pop(message& out) noexcept
    {
        return slot_ring::try_pop([&](auto at) noexcept {
            out = std::move(at(0)); // the slot keeps a moved-from message: nothing
            return std::size_t{1};
        });
    }
};

} // namespace zmtp::detail
