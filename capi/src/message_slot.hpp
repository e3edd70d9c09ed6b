// What a zmq_msg_t holds: one frame of a message, as zmtp has it, in the 64 opaque bytes.
#pragma once

#include "zmtp/frame.hpp"
#include "zmtp/peer_properties.hpp"

#include <zmq.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <type_traits>

namespace zmtp::capi {

/// The caller's buffer of a zmq_msg_init_data too small for zmtp to adopt (zmtp keeps such
/// bodies inline, copied): the message is this buffer, as in libzmq, until the last copy is
/// sent (its bytes are copied then) or closed; then it goes to its free function.
struct kept_buffer {
    void* data;
    std::size_t size;
    zmq_free_fn* release;
    void* hint;
    std::atomic<std::size_t> references{1};
};

/// The contents of an initialised zmq_msg_t: the frame, whether more frames follow it, and
/// either who sent it (a received frame) or the small buffer it was made from.
struct message_slot {
    /// Marks an initialised zmq_msg_t: libzmq answers EFAULT for one never initialised
    /// or already closed, and so do we (as far as 32 bits can tell).
    static constexpr std::uint32_t live_tag = 0x7a6d7467; // "zmtg"

    zmtp::frame body;

    message_slot() noexcept : sender_() {}
    message_slot(const message_slot& other) noexcept : body(other.body), more(other.more) { copy_origin(other); }
    message_slot& operator=(const message_slot& other) noexcept
    {
        if (this != &other) {
            release_origin();
            body = other.body;
            more = other.more;
            copy_origin(other);
        }
        return *this;
    }
    ~message_slot() { release_origin(); }

    /// The message's bytes: the frame's, or the kept buffer's.
    std::byte* data() noexcept { return keeps_buffer_ ? static_cast<std::byte*>(kept_->data) : body.data(); }
    std::size_t size() const noexcept { return keeps_buffer_ ? kept_->size : body.size(); }
    /// The frame to send: the body, or a copy of the kept buffer's bytes.
    zmtp::frame outgoing() const
    {
        return keeps_buffer_ ? zmtp::frame(std::span(static_cast<const std::byte*>(kept_->data), kept_->size)) : body;
    }

    /// The properties of the peer that sent the frame; null for one made here.
    const zmtp::peer_properties* sender() const noexcept { return keeps_buffer_ ? nullptr : sender_.get(); }
    void set_sender(zmtp::detail::peer_properties_ref sender) noexcept
    {
        release_origin();
        new (&sender_) zmtp::detail::peer_properties_ref(std::move(sender));
    }
    /// Makes the message `kept` (a new one, its one reference now the slot's).
    void keep(kept_buffer* kept) noexcept
    {
        release_origin();
        body = zmtp::frame();
        kept_ = kept;
        keeps_buffer_ = true;
    }
    /// Empty again, as zmq_msg_init makes it (a kept buffer may go to its free function).
    void clear() noexcept
    {
        body = zmtp::frame();
        more = false;
        set_sender({});
    }

    // Helpers and the origin's storage: the functions above keep them consistent. (All
    // members are public so that the slot stays standard-layout, for offsetof(tag).)
    void copy_origin(const message_slot& other) noexcept
    {
        keeps_buffer_ = other.keeps_buffer_;
        if (keeps_buffer_) {
            kept_ = other.kept_;
            kept_->references.fetch_add(1, std::memory_order_relaxed);
        } else {
            new (&sender_) zmtp::detail::peer_properties_ref(other.sender_);
        }
    }
    /// Ends the origin; leaves an empty sender.
    void release_origin() noexcept
    {
        if (!keeps_buffer_) {
            sender_.~peer_properties_ref();
        } else if (kept_->references.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            if (kept_->release)
                kept_->release(kept_->data, kept_->hint);
            delete kept_;
        }
        keeps_buffer_ = false;
        new (&sender_) zmtp::detail::peer_properties_ref();
    }

    union {
        zmtp::detail::peer_properties_ref sender_; // when !keeps_buffer_
        kept_buffer* kept_;                         // when keeps_buffer_
    };
    bool more = false;
    bool keeps_buffer_ = false;
    std::uint32_t tag = live_tag;
};
static_assert(sizeof(message_slot) <= sizeof(zmq_msg_t), "zmq_msg_t is 64 bytes");
static_assert(alignof(message_slot) <= alignof(zmq_msg_t));
static_assert(std::is_standard_layout_v<message_slot>); // for offsetof(tag)



/// The tag word of `msg`'s bytes, read as bytes: `msg` may hold no slot at all.
inline std::uint32_t tag_of(const zmq_msg_t* msg) noexcept
{
    std::uint32_t tag;
    std::memcpy(&tag, reinterpret_cast<const unsigned char*>(msg) + offsetof(message_slot, tag), sizeof tag);
    return tag;
}

/// The slot of an initialised message, or null (errno EFAULT) for anything else.
inline message_slot* live_slot(zmq_msg_t* msg) noexcept
{
    if (msg == nullptr || tag_of(msg) != message_slot::live_tag) {
        errno = EFAULT;
        return nullptr;
    }
    return std::launder(reinterpret_cast<message_slot*>(msg));
}
inline const message_slot* live_slot(const zmq_msg_t* msg) noexcept
{
    return live_slot(const_cast<zmq_msg_t*>(msg));
}

/// Initialises `msg` with `body`.
inline message_slot& construct_slot(zmq_msg_t* msg, zmtp::frame body) noexcept
{
    auto* slot = new (msg) message_slot{};
    slot->body = std::move(body);
    return *slot;
}

/// Ends the slot of `msg`: its frame is released (a buffer given to zmq_msg_init_data goes
/// to its free function when no copy is left), and the bytes no longer read as live.
inline void destroy_slot(zmq_msg_t* msg, message_slot& slot) noexcept
{
    slot.~message_slot();
    const std::uint32_t dead = 0;
    std::memcpy(reinterpret_cast<unsigned char*>(msg) + offsetof(message_slot, tag), &dead, sizeof dead);
}

} // namespace zmtp::capi
