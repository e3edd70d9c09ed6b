// Heap in use by the whole process, for tests that check memory returns to a baseline.
#pragma once

#include <cstddef>
#include <string>

// Under ASan and TSan the sanitizer's allocator replaces malloc, so glibc's mallinfo2()
// says nothing: its own statistics are used instead.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ZMTP_TEST_SANITIZER_HEAP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ZMTP_TEST_SANITIZER_HEAP 1
#endif
#endif
#ifdef ZMTP_TEST_SANITIZER_HEAP
#if __has_include(<sanitizer/allocator_interface.h>)
#include <sanitizer/allocator_interface.h>
#else // GCC 12 on Debian ships the runtime without this header
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif
#else
#include <malloc.h>
#endif

namespace zmtp_test {

/// Bytes of heap allocated and not freed, all threads.
inline std::size_t heap_in_use()
{
#ifdef ZMTP_TEST_SANITIZER_HEAP
    return __sanitizer_get_current_allocated_bytes();
#else
    const struct mallinfo2 info = ::mallinfo2();
    return info.uordblks + info.hblkhd; // small chunks in use + mmapped large ones
#endif
}

/// What heap_in_use() reads, for messages.
inline std::string heap_probe_name()
{
#ifdef ZMTP_TEST_SANITIZER_HEAP
    return "__sanitizer_get_current_allocated_bytes()";
#else
    return "mallinfo2().uordblks + hblkhd";
#endif
}

} // namespace zmtp_test
