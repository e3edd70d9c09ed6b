// Memory a session keeps for its own I/O handlers, so reads and writes never allocate.
#pragma once

#include <cstddef>
#include <new>

namespace zmtp::detail {

/// Storage of `Size` bytes for one outstanding operation at a time (a session has at most one read, one
/// write and one timer wait in flight). Asio allocates the operation through the handler's
/// associated allocator; bound to a handler_allocator over this, that is this storage.
/// Larger requests, or a second one while the storage is busy, fall back to the heap.
template <std::size_t Size>
class handler_memory {
public:
    handler_memory() = default;
    handler_memory(const handler_memory&) = delete;
    handler_memory& operator=(const handler_memory&) = delete;

    void* allocate(std::size_t size)
    {
        if (!in_use_ && size <= sizeof(storage_)) {
            in_use_ = true;
            return &storage_;
        }
        return ::operator new(size);
    }

    void deallocate(void* p) noexcept
    {
        if (p == &storage_)
            in_use_ = false;
        else
            ::operator delete(p);
    }

private:
    alignas(std::max_align_t) unsigned char storage_[Size];
    bool in_use_ = false;
};

/// A standard allocator over a handler_memory.
template <class T, std::size_t Size>
class handler_allocator {
public:
    using value_type = T;
    template <class U>
    struct rebind {
        using other = handler_allocator<U, Size>;
    };

    explicit handler_allocator(handler_memory<Size>& m) noexcept : memory_(&m) {}
    template <class U>
    handler_allocator(const handler_allocator<U, Size>& other) noexcept : memory_(other.memory_)
    {
    }

    T* allocate(std::size_t n) { return static_cast<T*>(memory_->allocate(n * sizeof(T))); }
    void deallocate(T* p, std::size_t) noexcept { memory_->deallocate(p); }

    friend bool operator==(const handler_allocator& a, const handler_allocator& b) noexcept
    {
        return a.memory_ == b.memory_;
    }

private:
    template <class, std::size_t>
    friend class handler_allocator;
    handler_memory<Size>* memory_;
};

} // namespace zmtp::detail
