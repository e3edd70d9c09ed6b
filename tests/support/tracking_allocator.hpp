// Replaces the global operator new/delete to track the bytes a program holds, and to make
// chosen allocations fail (the counters: tracked_heap.hpp). Include it in exactly one source
// file of a program; other files that only read the counters include tracked_heap.hpp.
//
// ThreadSanitizer's runtime defines operator new and delete itself (not replaceably), so
// under TSan nothing is replaced and ZMTP_TEST_TRACKING_ALLOCATOR is 0: tests that need
// the tracking or the failures are left out of that build.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define ZMTP_TEST_TRACKING_ALLOCATOR 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ZMTP_TEST_TRACKING_ALLOCATOR 0
#endif
#endif
#ifndef ZMTP_TEST_TRACKING_ALLOCATOR
#define ZMTP_TEST_TRACKING_ALLOCATOR 1
#endif

#include "support/tracked_heap.hpp"

#include <malloc.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace zmtp_test::tracked {

inline void* allocate(std::size_t size, std::size_t alignment)
{
    if (const std::size_t limit = fail_above.load(std::memory_order_relaxed); limit != 0 && size > limit)
        throw std::bad_alloc();
    void* p = alignment <= alignof(std::max_align_t)
        ? std::malloc(size ? size : 1)
        : std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
    if (!p)
        throw std::bad_alloc();
    const std::size_t now = live_bytes.fetch_add(malloc_usable_size(p), std::memory_order_relaxed) + malloc_usable_size(p);
    std::size_t peak = peak_bytes.load(std::memory_order_relaxed);
    while (now > peak && !peak_bytes.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
    return p;
}

inline void release(void* p) noexcept
{
    if (!p)
        return;
    live_bytes.fetch_sub(malloc_usable_size(p), std::memory_order_relaxed);
    std::free(p);
}

} // namespace zmtp_test::tracked

#if ZMTP_TEST_TRACKING_ALLOCATOR
void* operator new(std::size_t size) { return zmtp_test::tracked::allocate(size, 0); }
void* operator new[](std::size_t size) { return zmtp_test::tracked::allocate(size, 0); }
void* operator new(std::size_t size, std::align_val_t a) { return zmtp_test::tracked::allocate(size, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t size, std::align_val_t a) { return zmtp_test::tracked::allocate(size, static_cast<std::size_t>(a)); }
// The nothrow forms too, so that every allocation is paired with its release (libFuzzer
// allocates with new (std::nothrow) and frees with delete[]).
void* operator new(std::size_t size, const std::nothrow_t&) noexcept
{
    try {
        return zmtp_test::tracked::allocate(size, 0);
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}
void* operator new[](std::size_t size, const std::nothrow_t& t) noexcept { return operator new(size, t); }
void* operator new(std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept
{
    try {
        return zmtp_test::tracked::allocate(size, static_cast<std::size_t>(a));
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}
void* operator new[](std::size_t size, std::align_val_t a, const std::nothrow_t& t) noexcept
{
    return operator new(size, a, t);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { zmtp_test::tracked::release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { zmtp_test::tracked::release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { zmtp_test::tracked::release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { zmtp_test::tracked::release(p); }
void operator delete(void* p) noexcept { zmtp_test::tracked::release(p); }
void operator delete[](void* p) noexcept { zmtp_test::tracked::release(p); }
void operator delete(void* p, std::size_t) noexcept { zmtp_test::tracked::release(p); }
void operator delete[](void* p, std::size_t) noexcept { zmtp_test::tracked::release(p); }
void operator delete(void* p, std::align_val_t) noexcept { zmtp_test::tracked::release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { zmtp_test::tracked::release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { zmtp_test::tracked::release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { zmtp_test::tracked::release(p); }
#endif // ZMTP_TEST_TRACKING_ALLOCATOR
