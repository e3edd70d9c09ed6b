// Bytes waiting to go out on one connection, ready for a gather-write (sans-I/O).
#pragma once

#include "zmtp/frame.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace zmtp::wire {

/// An ordered queue of outgoing bytes. Headers, commands and small bodies are copied into
/// one contiguous staging area; bodies of at least `reference_threshold` bytes are
/// referenced (the frame is shared, not copied). `buffers()` lists the pending bytes as
/// few contiguous pieces as possible, for one gather-write.
///
/// Appending may move the staging area, so buffers handed to a write stay valid only
/// while nothing is appended (the connection double-buffers for that reason).
class output_queue {
public:
    /// Frame bodies this large or larger are referenced instead of copied. Copying smaller
    /// ones is cheaper than the gather-write pieces they would take (at most 64 per sendmsg).
    static constexpr std::size_t reference_threshold = 4096;

    /// Appends a copy of `bytes`.
    void append(std::span<const std::byte> bytes);
    /// Appends one data frame: its header (MORE when `more`) and its body.
    void append_frame(const frame& body, bool more);
    /// Appends a frame's body alone, without a header (raw connections).
    void append_body(const frame& body);
    /// Appends `size` staged bytes for the caller to fill, and returns them: an encoder
    /// that writes its output in place (CURVE's MESSAGE boxes) needs no buffer of its own.
    /// Their contents are unspecified until written; the span is valid until the next
    /// call that appends, consumes or swaps.
    std::span<std::byte> append_space(std::size_t size);

    bool empty() const noexcept { return pending_bytes_ == 0; }
    /// Number of bytes not yet consumed.
    std::size_t size() const noexcept { return pending_bytes_; }

    /// The first `max_pieces` runs of pending bytes as contiguous pieces, in order.
    const std::vector<std::span<const std::byte>>& buffers(std::size_t max_pieces = SIZE_MAX);
    /// Drops the first `count` pending bytes (count <= size()).
    void consume(std::size_t count) noexcept;

    /// Exchanges contents with `other` (keeping both allocations for reuse).
    void swap(output_queue& other) noexcept;

private:
    /// A run of pending bytes: staging_[offset, offset + size) when `referenced` is
    /// empty, else referenced.data()[offset, offset + size).
    struct piece {
        std::size_t offset = 0;
        std::size_t size = 0;
        frame referenced;
    };

    /// Reserves `size` staged bytes at the end (with `slack` writable bytes after them)
    /// and returns where they start.
    std::byte* stage(std::size_t size, std::size_t slack = 0);

    // A plain growable buffer rather than std::vector: staging never zero-fills and small
    // frames are copied at a fixed size into the slack.
    std::unique_ptr<std::byte[]> staging_;
    std::size_t staging_size_ = 0;
    std::size_t staging_capacity_ = 0;
    std::vector<piece> pieces_;
    std::size_t first_piece_ = 0;
    std::size_t pending_bytes_ = 0;
    std::vector<std::span<const std::byte>> buffers_;
};

} // namespace zmtp::wire
