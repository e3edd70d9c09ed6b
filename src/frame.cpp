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

void frame::release_shared() noexcept
{
    if (shared_->references.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        shared_->~shared_block();
        ::operator delete(shared_);
    }
}

} // namespace zmtp
