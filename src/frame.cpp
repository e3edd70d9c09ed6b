#include "zmtp/frame.hpp"

#include <cstring>
#include <limits>
#include <new>
#include <utility>

namespace zmtp {

frame frame::with_size(std::size_t size)
{
    frame f;
    if (size > inline_capacity) {
        if (size > std::numeric_limits<std::size_t>::max() - sizeof(shared_block))
            throw std::bad_alloc();
        void* memory = ::operator new(sizeof(shared_block) + size);
        f.shared_ = ::new (memory) shared_block{};
    }
    f.size_ = size;
    return f;
}

frame::frame(std::span<const std::byte> bytes) : frame(with_size(bytes.size()))
{
    if (!bytes.empty())
        std::memcpy(data(), bytes.data(), bytes.size());
}

frame::frame(std::string_view text) : frame(std::as_bytes(std::span(text.data(), text.size())))
{
}

frame::frame(const frame& other) noexcept : size_(other.size_)
{
    if (other.is_inline()) {
        std::memcpy(inline_, other.inline_, size_);
    } else {
        shared_ = other.shared_;
        shared_->references.fetch_add(1, std::memory_order_relaxed);
    }
}

frame::frame(frame&& other) noexcept : size_(other.size_)
{
    if (other.is_inline())
        std::memcpy(inline_, other.inline_, size_);
    else
        shared_ = other.shared_;
    other.size_ = 0;
}

frame& frame::operator=(const frame& other) noexcept
{
    if (this != &other) {
        frame copy(other);
        *this = std::move(copy);
    }
    return *this;
}

frame& frame::operator=(frame&& other) noexcept
{
    if (this != &other) {
        release();
        size_ = other.size_;
        if (other.is_inline())
            std::memcpy(inline_, other.inline_, size_);
        else
            shared_ = other.shared_;
        other.size_ = 0;
    }
    return *this;
}

frame::~frame() { release(); }

void frame::release() noexcept
{
    if (!is_inline() && shared_->references.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        shared_->~shared_block();
        ::operator delete(shared_);
    }
    size_ = 0;
}

} // namespace zmtp
