#include "zmtp/wire/output_queue.hpp"

#include "zmtp/wire/frame_header.hpp"

#include <utility>

namespace zmtp::wire {

void output_queue::append_staged(const std::byte* data, std::size_t size)
{
    if (size == 0)
        return;
    const bool extends_last = pieces_.size() > first_piece_ && pieces_.back().referenced.empty()
        && pieces_.back().offset + pieces_.back().size == staging_.size();
    if (extends_last)
        pieces_.back().size += size;
    else
        pieces_.push_back({staging_.size(), size, frame{}});
    staging_.insert(staging_.end(), data, data + size);
    pending_bytes_ += size;
}

void output_queue::append(std::span<const std::byte> bytes)
{
    append_staged(bytes.data(), bytes.size());
}

void output_queue::append_frame(const frame& body, bool more)
{
    std::byte header[max_frame_header_size];
    append_staged(header, encode_frame_header(header, body.size(), more, false));
    if (body.size() >= reference_threshold) {
        pieces_.push_back({0, body.size(), body});
        pending_bytes_ += body.size();
    } else {
        append_staged(body.data(), body.size());
    }
}

const std::vector<std::span<const std::byte>>& output_queue::buffers()
{
    buffers_.clear();
    for (std::size_t i = first_piece_; i < pieces_.size(); ++i) {
        const piece& p = pieces_[i];
        const std::byte* base = p.referenced.empty() ? staging_.data() : p.referenced.data();
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
        staging_.clear();
        first_piece_ = 0;
    }
}

void output_queue::swap(output_queue& other) noexcept
{
    std::swap(staging_, other.staging_);
    std::swap(pieces_, other.pieces_);
    std::swap(first_piece_, other.first_piece_);
    std::swap(pending_bytes_, other.pending_bytes_);
    std::swap(buffers_, other.buffers_);
}

} // namespace zmtp::wire
