// zmtp::frame: one part of a multipart message.
#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace zmtp {

/// One frame (part) of a message: an immutable-size byte string.
///
/// Bodies of at most `inline_capacity` bytes live inside the object, so small frames
/// never touch the heap. Larger bodies live in one reference-counted heap block that
/// copies share: copying a large frame copies a pointer, not the bytes. Writes through
/// `data()` are therefore seen by every copy of a large frame. A large body may also be the
/// caller's own buffer, released through a callback when the last copy goes (`adopt()`).
/// A received body of up to 1 KiB shares its block with the bodies that arrived with it
/// (one allocation for many; the block goes when the last of them does).
class frame {
public:
    /// A frame's bytes are all it is: containers may move it with memcpy.
    using trivially_relocatable = void;

    /// Bodies up to this many bytes are stored inline, without heap allocation.
    static constexpr std::size_t inline_capacity = 40;
    /// Releases a buffer given to `adopt()`: called as `release(data, hint)` (the shape of
    /// libzmq's `zmq_free_fn`).
    using release_fn = void(void* data, void* hint);

    /// An empty frame (zero bytes).
    frame() noexcept = default;
    /// A frame holding a copy of `bytes`.
    explicit frame(std::span<const std::byte> bytes);
    /// A frame holding a copy of the characters of `text`.
    explicit frame(std::string_view text);
    /// A frame of `size` bytes whose contents are left uninitialised, to be filled through
    /// `data()`. Throws std::bad_alloc if the body cannot be allocated.
    static frame with_size(std::size_t size);

    /// A frame whose body is the caller's buffer of `size` bytes at `data`, not a copy
    /// (as libzmq's `zmq_msg_init_data`).
    ///
    /// The frame takes charge of the buffer: `release(data, hint)` is called exactly once,
    /// when the last copy of the frame is destroyed, on whichever thread that happens
    /// (possibly an I/O thread once a send is done). With a null `release` nothing is
    /// called, and the buffer must outlive every copy. A buffer of at most
    /// `inline_capacity` bytes is copied into the frame instead, and `release` has already
    /// been called when adopt() returns.
    ///
    /// Writes through `data()` go to the buffer, seen by every copy; zmtp never writes to
    /// the body of a frame it sends. If the small control block cannot be allocated, throws
    /// std::bad_alloc without calling `release`: the buffer stays the caller's.
    static frame adopt(void* data, std::size_t size, release_fn* release, void* hint = nullptr);

    /// As above, releasing with any callable: `release()` is invoked once when the last
    /// copy goes, then destroyed, so it may also own the buffer (e.g. capture the
    /// std::vector or std::shared_ptr that holds it; take `body` before moving the owner
    /// into the callable). It must not throw (that terminates). If allocation fails it is
    /// destroyed without being invoked.
    template <class Release>
        requires std::invocable<Release&> && std::move_constructible<Release>
    static frame adopt(std::span<std::byte> body, Release release)
    {
        if (body.size() <= inline_capacity) {
            frame f{std::span<const std::byte>(body)};
            release();
            return f;
        }
        frame f;
        f.heap_.block = new release_block<Release>(std::move(release));
        f.heap_.data = body.data();
        f.size_ = body.size();
        return f;
    }

    // Copies and moves copy the whole inline area at a fixed size (the body bytes, or the
    // block and bytes pointers): no size-dependent memcpy call on the hot path.
    frame(const frame& other) noexcept : size_(other.size_)
    {
        std::memcpy(inline_, other.inline_, inline_capacity);
        if (!is_inline())
            heap_.block->references.fetch_add(1, std::memory_order_relaxed);
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
            unref();
            size_ = other.size_;
            std::memcpy(inline_, other.inline_, inline_capacity);
            other.size_ = 0;
        }
        return *this;
    }
    ~frame() { unref(); }

    /// Number of bytes in the body.
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    /// True when the body is stored inside the object (size() <= inline_capacity).
    bool is_inline() const noexcept { return size_ <= inline_capacity; }

    const std::byte* data() const noexcept { return is_inline() ? inline_ : heap_.data; }
    std::byte* data() noexcept { return is_inline() ? inline_ : heap_.data; }
    std::span<const std::byte> bytes() const noexcept { return {data(), size_}; }
    /// `count` bytes of the body from `offset` as a frame of their own
    /// (offset + count <= size()). A result larger than `inline_capacity` shares this
    /// frame's buffer, as a copy does (no allocation, no byte copied; writes through
    /// either are seen by both); a smaller one holds a copy of the bytes inline.
    frame slice(std::size_t offset, std::size_t count) const noexcept;

    /// The body viewed as characters.
    std::string_view view() const noexcept
    {
        return {reinterpret_cast<const char*>(data()), size_};
    }
    std::string to_string() const { return std::string(view()); }

    friend bool operator==(const frame& a, const frame& b) noexcept { return a.view() == b.view(); }
    friend bool operator==(const frame& a, std::string_view b) noexcept { return a.view() == b; }

private:
    /// Heap block of a large body: a reference count followed by the bytes (with_size), or
    /// the control block of an adopted buffer, which `destroy` releases and frees.
    struct alignas(16) shared_block {
        using destroy_fn = void(shared_block*) noexcept;
        explicit shared_block(destroy_fn* d = nullptr) noexcept : destroy(d) {}
        std::atomic<std::size_t> references{1};
        destroy_fn* destroy; // null: the block (and any trailing bytes) is simply freed
        std::byte* bytes() noexcept { return reinterpret_cast<std::byte*>(this + 1); }
    };

    template <class Release>
    struct release_block final : shared_block {
        explicit release_block(Release&& r) : shared_block(&destroy_this), callback(std::move(r)) {}
        static void destroy_this(shared_block* b) noexcept
        {
            auto* self = static_cast<release_block*>(b);
            self->callback();
            delete self;
        }
        Release callback;
    };

    /// Where a large body is: its block, and its bytes (the block's own, or the caller's).
    /// The bytes pointer lives here, not in the block, so data() is one load as for
    /// inline bodies, and copies carry it for free in the fixed-size copy.
    struct heap_ref {
        shared_block* block;
        std::byte* data;
    };

    void unref() noexcept
    {
        if (!is_inline())
            unref_shared();
        size_ = 0;
    }
    void unref_shared() noexcept;

    std::size_t size_ = 0;
    union {
        std::byte inline_[inline_capacity]{};
        heap_ref heap_;
    };
    static_assert(sizeof(heap_ref) <= inline_capacity);
};

} // namespace zmtp
