// A vector that keeps its first N elements inside the object.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <type_traits>
#include <memory>
#include <new>
#include <utility>

namespace zmtp::detail {

/// Types that declare `using trivially_relocatable = void;` may be moved by copying their
/// bytes and forgetting the source (no move constructor, no destructor call).
template <class T>
inline constexpr bool trivially_relocatable = std::is_trivially_copyable_v<T> || requires { typename T::trivially_relocatable; };

/// Contiguous sequence with room for `N` elements inline; it moves to the heap only when
/// it grows past that, so short sequences cost no allocation.
template <class T, std::size_t N>
class small_vector {
public:
    using value_type = T;
    using iterator = T*;
    using const_iterator = const T*;

    // User-provided on purpose: a defaulted one would make value-initialisation (and the
    // delegating calls below) zero the whole inline area first.
    small_vector() noexcept {}

    small_vector(const small_vector& other) : small_vector()
    {
        reserve(other.size_);
        std::uninitialized_copy(other.begin(), other.end(), data_);
        size_ = other.size_;
    }

    small_vector(small_vector&& other) noexcept : small_vector() { take(std::move(other)); }

    small_vector& operator=(const small_vector& other)
    {
        if (this != &other) {
            small_vector copy(other);
            *this = std::move(copy);
        }
        return *this;
    }

    small_vector& operator=(small_vector&& other) noexcept
    {
        if (this != &other) {
            clear();
            free_heap();
            take(std::move(other));
        }
        return *this;
    }

    ~small_vector()
    {
        std::destroy(begin(), end());
        if (on_heap())
            ::operator delete(data_, std::align_val_t{alignof(T)});
    }

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    std::size_t capacity() const noexcept { return capacity_; }

    T* data() noexcept { return data_; }
    const T* data() const noexcept { return data_; }
    iterator begin() noexcept { return data_; }
    iterator end() noexcept { return data_ + size_; }
    const_iterator begin() const noexcept { return data_; }
    const_iterator end() const noexcept { return data_ + size_; }
    T& operator[](std::size_t i) noexcept { return data_[i]; }
    const T& operator[](std::size_t i) const noexcept { return data_[i]; }
    T& front() noexcept { return data_[0]; }
    T& back() noexcept { return data_[size_ - 1]; }
    const T& front() const noexcept { return data_[0]; }
    const T& back() const noexcept { return data_[size_ - 1]; }

    template <class... Args>
    T& emplace_back(Args&&... args)
    {
        if (size_ == capacity_)
            return grow_and_emplace_back(std::forward<Args>(args)...);
        T* slot = ::new (static_cast<void*>(data_ + size_)) T(std::forward<Args>(args)...);
        ++size_;
        return *slot;
    }

    /// Inserts at `pos`, shifting later elements up.
    template <class... Args>
    T& emplace(const_iterator pos, Args&&... args)
    {
        const std::size_t index = static_cast<std::size_t>(pos - data_);
        if (index == size_)
            return emplace_back(std::forward<Args>(args)...);
        T value(std::forward<Args>(args)...); // first: args may refer to an element
        if constexpr (trivially_relocatable<T>) {
            if (size_ < capacity_) { // shift the tail up by its bytes, then fill the hole
                std::memmove(static_cast<void*>(data_ + index + 1), static_cast<const void*>(data_ + index),
                             (size_ - index) * sizeof(T));
                ++size_;
                return *::new (static_cast<void*>(data_ + index)) T(std::move(value));
            }
        }
        emplace_back(std::move(back()));
        std::move_backward(data_ + index, data_ + size_ - 2, data_ + size_ - 1);
        data_[index] = std::move(value);
        return data_[index];
    }

    /// Removes [first, last), shifting later elements down.
    void erase(const_iterator first, const_iterator last) noexcept
    {
        if (first == last)
            return;
        T* f = data_ + (first - data_);
        T* l = data_ + (last - data_);
        T* new_end = std::move(l, end(), f);
        std::destroy(new_end, end());
        size_ -= static_cast<std::size_t>(l - f);
    }

    void pop_back() noexcept
    {
        --size_;
        std::destroy_at(data_ + size_);
    }

    void clear() noexcept
    {
        std::destroy(begin(), end());
        size_ = 0;
    }

    void reserve(std::size_t wanted)
    {
        if (wanted > capacity_)
            move_to(allocate(wanted), wanted);
    }

private:
    static T* allocate(std::size_t n)
    {
        return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{alignof(T)}));
    }

    /// Moves the elements into `fresh` (of `capacity` slots) and frees the old storage.
    void move_to(T* fresh, std::size_t capacity) noexcept
    {
        std::uninitialized_move(begin(), end(), fresh);
        std::destroy(begin(), end());
        free_heap();
        data_ = fresh;
        capacity_ = capacity;
    }

    /// Builds the new element in the bigger buffer before the old elements move, so
    /// arguments that refer to an element (v.emplace_back(v[0])) stay valid.
    template <class... Args>
    T& grow_and_emplace_back(Args&&... args)
    {
        const std::size_t capacity = capacity_ * 2;
        T* fresh = allocate(capacity);
        T* slot;
        try {
            slot = ::new (static_cast<void*>(fresh + size_)) T(std::forward<Args>(args)...);
        } catch (...) {
            ::operator delete(fresh, std::align_val_t{alignof(T)});
            throw;
        }
        move_to(fresh, capacity);
        ++size_;
        return *slot;
    }

    bool on_heap() const noexcept { return data_ != inline_data(); }
    T* inline_data() noexcept { return std::launder(reinterpret_cast<T*>(inline_)); }
    const T* inline_data() const noexcept { return std::launder(reinterpret_cast<const T*>(inline_)); }

    void free_heap() noexcept
    {
        if (on_heap())
            ::operator delete(data_, std::align_val_t{alignof(T)});
        data_ = inline_data();
        capacity_ = N;
    }

    /// Steals `other`'s heap buffer or moves its inline elements; `this` must be empty and inline.
    void take(small_vector&& other) noexcept
    {
        if (other.on_heap()) {
            data_ = other.data_;
            capacity_ = other.capacity_;
            size_ = other.size_;
            other.data_ = other.inline_data();
            other.capacity_ = N;
            other.size_ = 0;
        } else if constexpr (trivially_relocatable<T>) {
            // Relocate the elements' bytes, a fixed-size copy each; the source forgets
            // its elements instead of destroying them.
            for (std::size_t i = 0; i < other.size_; ++i)
                std::memcpy(inline_ + i * sizeof(T), other.inline_ + i * sizeof(T), sizeof(T));
            size_ = other.size_;
            other.size_ = 0;
        } else {
            std::uninitialized_move(other.begin(), other.end(), data_);
            size_ = other.size_;
            other.clear();
        }
    }

    alignas(T) std::byte inline_[N * sizeof(T)];
    T* data_ = inline_data();
    std::size_t size_ = 0;
    std::size_t capacity_ = N;
};

} // namespace zmtp::detail
