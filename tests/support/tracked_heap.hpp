// The counters of the tracking operator new (tracking_allocator.hpp): the bytes a program
// holds, their peak, and a size above which allocations fail. Any source file may read
// them; they move only in a program that has the tracking operator new.
#pragma once

#include <atomic>
#include <cstddef>

namespace zmtp_test::tracked {

/// Bytes allocated through operator new and not yet freed (as malloc_usable_size counts them).
inline std::atomic<std::size_t> live_bytes{0};
/// The most live_bytes has been since reset_peak().
inline std::atomic<std::size_t> peak_bytes{0};
/// When non-zero, an allocation of more than this many bytes throws std::bad_alloc.
inline std::atomic<std::size_t> fail_above{0};

inline void reset_peak() noexcept { peak_bytes = live_bytes.load(); }

} // namespace zmtp_test::tracked
