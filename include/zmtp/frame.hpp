// zmtp::frame: one part of a multipart message.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace zmtp {

/// One frame (part) of a message: an immutable-size byte string.
///
/// Bodies of at most `inline_capacity` bytes live inside the object, so small frames
/// never touch the heap. Larger bodies live in one reference-counted heap block that
/// copies share: copying a large frame copies a pointer, not the bytes. Writes through
/// `data()` are therefore seen by every copy of a large frame.
class frame {
public:
    /// A frame's bytes are all it is: containers may move it with memcpy.
    using trivially_relocatable = void;

    /// Bodies up to this many bytes are stored inline, without heap allocation.
    static constexpr std::size_t inline_capacity = 40;

    /// An empty frame (zero bytes).
    frame() noexcept = default;
    /// A frame holding a copy of `bytes`.
    explicit frame(std::span<const std::byte> bytes);
    /// A frame holding a copy of the characters of `text`.
    explicit frame(std::string_view text);
    /// A frame of `size` bytes whose contents are left uninitialised, to be filled through
    /// `data()`. Throws std::bad_alloc if the body cannot be allocated.
    static frame with_size(std::size_t size);

    // Copies and moves copy the whole inline area at a fixed size (the body bytes, or the
    // block pointer): no size-dependent memcpy call on the hot path.
    frame(const frame& other) noexcept : size_(other.size_)
    {
        std::memcpy(inline_, other.inline_, inline_capacity);
        if (!is_inline())
            shared_->references.fetch_add(1, std::memory_order_relaxed);
    }
    frame(frame&& other) noexcept : size_(other.size_)
    {
        std::memcpy(inline_, other.inline_, inline_capacity);
        other.size_ = 0;
    }
    frame& operator=(const frame& other) noexcept
    {
        if (this != &other) {
            frame copy(other);
            *this = std::move(copy);
        }
        return *this;
    }
    frame& operator=(frame&& other) noexcept
    {
        if (this != &other) {
            release();
            size_ = other.size_;
            std::memcpy(inline_, other.inline_, inline_capacity);
            other.size_ = 0;
        }
        return *this;
    }
    ~frame() { release(); }

    /// Number of bytes in the body.
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    /// True when the body is stored inside the object (size() <= inline_capacity).
    bool is_inline() const noexcept { return size_ <= inline_capacity; }

    const std::byte* data() const noexcept { return is_inline() ? inline_ : shared_->bytes(); }
    std::byte* data() noexcept { return is_inline() ? inline_ : shared_->bytes(); }
    std::span<const std::byte> bytes() const noexcept { return {data(), size_}; }
    /// The body viewed as characters.
    std::string_view view() const noexcept
    {
        return {reinterpret_cast<const char*>(data()), size_};
    }
    std::string to_string() const { return std::string(view()); }

    friend bool operator==(const frame& a, const frame& b) noexcept { return a.view() == b.view(); }
    friend bool operator==(const frame& a, std::string_view b) noexcept { return a.view() == b; }

private:
    /// Heap block of a large body: a reference count followed by the bytes.
    struct alignas(16) shared_block {
        std::atomic<std::size_t> references{1};
        std::byte* bytes() noexcept { return reinterpret_cast<std::byte*>(this + 1); }
    };

    void release() noexcept
    {
        if (!is_inline())
            release_shared();
        size_ = 0;
    }
    void release_shared() noexcept;

    std::size_t size_ = 0;
    union {
        std::byte inline_[inline_capacity]{};
        shared_block* shared_;
    };
};

} // namespace zmtp
