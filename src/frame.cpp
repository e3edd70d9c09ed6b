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
        f.heap_.block = ::new (memory) shared_block{};
        f.heap_.data = f.heap_.block->bytes();
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

frame frame::adopt(void* data, std::size_t size, release_fn* release, void* hint)
{
    const std::span<std::byte> body(static_cast<std::byte*>(data), size);
    if (release != nullptr)
        return adopt(body, [release, data, hint]() noexcept { release(data, hint); });
    if (size <= inline_capacity)
        return frame(std::span<const std::byte>(body));
    // Nothing to call: a bare block (no destroy function) only counts the references.
    frame f;
    f.heap_.block = ::new (::operator new(sizeof(shared_block))) shared_block{};
    f.heap_.data = body.data();
    f.size_ = size;
    return f;
}

frame frame::slice(std::size_t offset, std::size_t count) const noexcept
{
    frame f;
    if (count <= inline_capacity) { // no allocation either: inline bodies never touch the heap
        if (count > 0)
            std::memcpy(f.inline_, data() + offset, count);
        f.size_ = count;
        return f;
    }
    f.heap_.block = heap_.block; // count > inline_capacity, so this body is on the heap too
    f.heap_.block->references.fetch_add(1, std::memory_order_relaxed);
    f.heap_.data = heap_.data + offset;
    f.size_ = count;
    return f;
}

void frame::unref_shared() noexcept
{
    shared_block* block = heap_.block;
    if (block->references.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        if (block->destroy != nullptr) {
            block->destroy(block);
        } else {
            block->~shared_block();
            ::operator delete(block);
        }
    }
}

} // namespace zmtp
