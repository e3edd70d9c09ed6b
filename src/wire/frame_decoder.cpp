#include "zmtp/wire/frame_decoder.hpp"

#include "zmtp/detail/big_endian.hpp"
#include "zmtp/error.hpp"
#include "zmtp/wire/frame_header.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

namespace zmtp::wire {

std::error_code frame_decoder::fail(std::error_code ec) noexcept
{
    error_ = ec;
    state_ = state::failed;
    return ec;
}

std::size_t frame_decoder::decode(std::span<const std::byte> input, std::error_code& ec)
{
    ec = error_;
    // Fast path: a whole short data frame already in `input`, the usual case under load,
    // decoded in one step with the same checks as the byte-wise path below.
    if (state_ == state::flags && input.size() >= 2) {
        const auto flags = static_cast<std::uint8_t>(input[0]);
        const auto size = static_cast<std::size_t>(input[1]);
        if ((flags & ~frame_flag::more) == 0 && input.size() - 2 >= size && message_frames_ < limits_.max_message_frames
            && message_bytes_ <= limits_.max_message_size && size <= limits_.max_message_size - message_bytes_) {
            flags_ = flags;
            body_ = frame(input.subspan(2, size));
            body_size_ = size;
            finish_frame();
            return 2 + size;
        }
    }
    std::size_t pos = 0;
    while (pos < input.size()) {
        switch (state_) {
        case state::ready:
        case state::failed:
            return pos;

        case state::flags: {
            flags_ = static_cast<std::uint8_t>(input[pos++]);
            const bool command = flags_ & frame_flag::command;
            if (flags_ & frame_flag::reserved)
                ec = fail(errc::reserved_flags_set);
            else if (command && (flags_ & frame_flag::more))
                ec = fail(errc::command_with_more);
            else if (command && inside_message_)
                ec = fail(errc::command_inside_message);
            else {
                dropping_ = dropping_ || (!command && message_frames_ >= limits_.max_message_frames);
                size_filled_ = 0;
                state_ = (flags_ & frame_flag::long_size) ? state::long_size : state::short_size;
            }
            break;
        }

        case state::short_size: {
            const auto size = static_cast<std::uint8_t>(input[pos++]);
            ec = start_body(size, input.size() - pos);
            break;
        }

        case state::long_size: {
            const std::size_t n = std::min(sizeof size_bytes_ - size_filled_, input.size() - pos);
            std::memcpy(size_bytes_ + size_filled_, input.data() + pos, n);
            size_filled_ += n;
            pos += n;
            if (size_filled_ == sizeof size_bytes_) {
                const std::uint64_t size = detail::load_big_endian(size_bytes_, 8);
                ec = size > max_long_frame_size ? fail(errc::invalid_frame_size) : start_body(size, input.size() - pos);
            }
            break;
        }

        case state::skip_body: {
            const std::size_t n = std::min(body_size_ - body_filled_, input.size() - pos);
            body_filled_ += n;
            pos += n;
            if (body_filled_ == body_size_)
                finish_frame();
            break;
        }

        case state::body: {
            if (body_filled_ == body_.size()) {
                if ((ec = grow_body()))
                    return pos;
            }
            const std::size_t n = std::min(body_.size() - body_filled_, input.size() - pos);
            std::memcpy(body_.data() + body_filled_, input.data() + pos, n);
            commit_body(n);
            pos += n;
            break;
        }
        }
    }
    return pos;
}

std::error_code frame_decoder::start_body(std::uint64_t size, std::size_t available)
{
    if (flags_ & frame_flag::command) {
        if (size > limits_.max_command_size)
            return fail(errc::command_too_large);
    } else if (message_bytes_ > limits_.max_message_size
               || size > limits_.max_message_size - message_bytes_) {
        return fail(errc::message_too_large);
    }
    if (size > std::numeric_limits<std::size_t>::max())
        return fail(errc::out_of_memory);
    body_size_ = static_cast<std::size_t>(size);
    body_filled_ = 0;
    if (dropping_) { // read past it, keeping nothing
        state_ = state::skip_body;
        if (size == 0)
            finish_frame();
        return {};
    }
    try {
        const bool arrived = !(flags_ & frame_flag::command) && body_size_ > frame::inline_capacity && body_size_ <= available;
        body_ = arrived ? body_in_block(body_size_, available)
                        : frame::with_size(std::min(body_size_, std::max(limits_.first_body_block, largest_body_)));
    } catch (const std::bad_alloc&) {
        return fail(errc::out_of_memory);
    }
    if (size == 0)
        finish_frame();
    else
        state_ = state::body;
    return {};
}

std::error_code frame_decoder::grow_body()
{
    // Doubling keeps what we hold within twice what arrived, and the copies within the size.
    const std::size_t held = body_.size();
    const std::size_t capacity = held > body_size_ / 2 ? body_size_ : held * 2;
    try {
        frame bigger = frame::with_size(capacity);
        std::memcpy(bigger.data(), body_.data(), body_filled_);
        body_ = std::move(bigger);
    } catch (const std::bad_alloc&) {
        return fail(errc::out_of_memory);
    }
    return {};
}

void frame_decoder::finish_dropped_frame() noexcept
{
    // Nothing to hand out until the dropped message's last frame, which reports the drop.
    if (inside_message_) {
        state_ = state::flags;
        return;
    }
    dropping_ = false;
    dropped_ = true;
}

frame frame_decoder::body_in_block(std::size_t size, std::size_t available)
{
    if (size > block_body_limit)
        return frame::with_size(size);
    if (block_.size() < block_used_ + size) { // (a moved-from block_ is empty: a new one)
        const std::size_t block = std::min(body_block, available);
        block_ = block >= 2 * size ? frame::with_size(block) : frame(); // not worth a block for one body
        block_used_ = 0;
        if (block_.empty())
            return frame::with_size(size);
    }
    frame f = block_.slice(block_used_, size);
    // The next body starts 8-byte aligned, as a heap block's would be (at least).
    block_used_ = std::min(block_.size(), block_used_ + ((size + 7) & ~std::size_t{7}));
    return f;
}

decoded_frame frame_decoder::take() noexcept
{
    state_ = state::flags;
    // After a dropped message's last frame, flags_ has neither MORE nor COMMAND and body_
    // is empty: the same fields say "dropped".
    decoded_frame f{static_cast<bool>(flags_ & frame_flag::more), static_cast<bool>(flags_ & frame_flag::command),
                    dropped_, std::move(body_)};
    dropped_ = false;
    return f;
}

} // namespace zmtp::wire
