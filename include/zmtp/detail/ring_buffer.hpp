// A FIFO queue on a circular array that keeps its storage, so steady traffic never allocates.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace zmtp::detail {

/// FIFO of default-constructible, move-assignable elements. Capacity doubles when full and
/// never shrinks. A popped slot keeps the moved-from value (for zmtp's types that holds
/// nothing) until a push reuses it.
template <class T>
class ring_buffer {
public:
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    /// Slots allocated (a power of two, or zero).
    std::size_t capacity() const noexcept { return slots_.size(); }

    void push_back(T&& value)
    {
        if (size_ == slots_.size())
            grow();
        slots_[(head_ + size_) & mask_] = std::move(value);
        ++size_;
    }
    void push_back(const T& value) { push_back(T(value)); }
    /// Puts `value` first in line.
    void push_front(T&& value)
    {
        if (size_ == slots_.size())
            grow();
        head_ = (head_ + mask_) & mask_; // one slot back, wrapping
        slots_[head_] = std::move(value);
        ++size_;
    }

    T& front() noexcept { return slots_[head_]; }
    const T& front() const noexcept { return slots_[head_]; }
    /// The i-th element from the front.
    T& operator[](std::size_t i) noexcept { return slots_[(head_ + i) & mask_]; }

    T pop_front()
    {
        T value = std::move(slots_[head_]);
        drop_front();
        return value;
    }
    /// Moves the front element into `out` and removes it (one move, no temporary).
    void pop_front_into(T& out)
    {
        out = std::move(slots_[head_]);
        drop_front();
    }

    void clear()
    {
        while (!empty())
            pop_front();
    }

    /// Makes room for `n` elements, so that pushing up to that many never allocates.
    void reserve(std::size_t n)
    {
        while (slots_.size() < n)
            grow();
    }

    /// Once empty, gives back storage of more than `keep` slots (grown during a burst).
    void shrink_if_empty(std::size_t keep)
    {
        if (size_ == 0 && slots_.size() > keep) {
            std::vector<T>().swap(slots_);
            mask_ = 0;
            head_ = 0;
        }
    }

private:
    void drop_front() noexcept
    {
        head_ = (head_ + 1) & mask_;
        --size_;
    }

    void grow()
    {
        std::vector<T> bigger(slots_.empty() ? 8 : slots_.size() * 2);
        for (std::size_t i = 0; i < size_; ++i)
            bigger[i] = std::move((*this)[i]);
        slots_ = std::move(bigger);
        mask_ = slots_.size() - 1;
        head_ = 0;
    }

    std::vector<T> slots_; // size is zero or a power of two
    std::size_t mask_ = 0;  // slots_.size() - 1, kept: the division hidden in size() costs
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

} // namespace zmtp::detail
