#include "zmtp/wire/output_queue.hpp"

#include "zmtp/wire/frame_header.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace zmtp::wire {

std::byte* output_queue::stage(std::size_t size, std::size_t slack)
{
    if (staging_size_ + size + slack > staging_capacity_) {
        const std::size_t capacity = std::max({staging_capacity_ * 2, staging_size_ + size + slack, std::size_t{4096}});
        auto bigger = std::make_unique_for_overwrite<std::byte[]>(capacity);
        if (staging_size_ > 0)
            std::memcpy(bigger.get(), staging_.get(), staging_size_);
        staging_ = std::move(bigger);
        staging_capacity_ = capacity;
    }
    const bool extends_last = pieces_.size() > first_piece_ && pieces_.back().referenced.empty()
        && pieces_.back().offset + pieces_.back().size == staging_size_;
    if (extends_last)
        pieces_.back().size += size;
    else
        pieces_.push_back({staging_size_, size, frame{}});
    std::byte* at = staging_.get() + staging_size_;
    staging_size_ += size;
    pending_bytes_ += size;
    return at;
}

void output_queue::append(std::span<const std::byte> bytes)
{
    if (!bytes.empty())
        std::memcpy(stage(bytes.size()), bytes.data(), bytes.size());
}

void output_queue::append_frame(const frame& body, bool more)
{
    const std::size_t size = body.size();
    const std::size_t header = size <= max_short_frame_size ? 2 : max_frame_header_size;
    if (size >= reference_threshold) {
        std::byte* at = stage(header, max_frame_header_size - header);
        encode_frame_header(std::span<std::byte, max_frame_header_size>(at, max_frame_header_size), size, more, false);
        pieces_.push_back({0, size, body});
        pending_bytes_ += size;
        return;
    }
    // Header and body in one staged run; an inline body is copied whole (a fixed-size
    // copy), its tail landing in the slack.
    std::byte* at = stage(header + size, frame::inline_capacity + max_frame_header_size);
    encode_frame_header(std::span<std::byte, max_frame_header_size>(at, max_frame_header_size), size, more, false);
    std::memcpy(at + header, body.data(), body.is_inline() ? frame::inline_capacity : size);
}

void output_queue::append_body(const frame& body)
{
    if (body.size() < reference_threshold) {
        append(body.bytes());
        return;
    }
    pieces_.push_back({0, body.size(), body});
    pending_bytes_ += body.size();
}

std::span<std::byte> output_queue::append_space(std::size_t size)
{
    if (size == 0)
        return {};
    return {stage(size), size};
}

const std::vector<std::span<const std::byte>>& output_queue::buffers(std::size_t max_pieces)
{
    buffers_.clear();
    const std::size_t end = pieces_.size() - first_piece_ > max_pieces ? first_piece_ + max_pieces : pieces_.size();
    for (std::size_t i = first_piece_; i < end; ++i) {
        const piece& p = pieces_[i];
        const std::byte* base = p.referenced.empty() ? staging_.get() : p.referenced.data();
        buffers_.emplace_back(base + p.offset, p.size);
    }
    return buffers_;
}

void output_queue::consume(std::size_t count) noexcept
{
    pending_bytes_ -= count;
    while (count > 0) {
        piece& p = pieces_[first_piece_];
        const std::size_t n = count < p.size ? count : p.size;
        p.offset += n;
        p.size -= n;
        count -= n;
        if (p.size == 0) {
            p.referenced = frame{};
            ++first_piece_;
        }
    }
    if (first_piece_ == pieces_.size()) {
        pieces_.clear();
        staging_size_ = 0;
        first_piece_ = 0;
    }
}

void output_queue::swap(output_queue& other) noexcept
{
    std::swap(staging_, other.staging_);
    std::swap(staging_size_, other.staging_size_);
    std::swap(staging_capacity_, other.staging_capacity_);
    std::swap(pieces_, other.pieces_);
    std::swap(first_piece_, other.first_piece_);
    std::swap(pending_bytes_, other.pending_bytes_);
    std::swap(buffers_, other.buffers_);
}

} // namespace zmtp::wire
