// What a zmq_msg_t holds: one frame of a message, as zmtp has it, in the 64 opaque bytes.
#pragma once

#include "zmtp/frame.hpp"
#include "zmtp/peer_properties.hpp"

#include <zmq.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>

namespace zmtp::capi {

/// The contents of an initialised zmq_msg_t: the frame, whether more frames follow it,
/// and who sent it (for a received frame).
struct message_slot {
    /// Marks an initialised zmq_msg_t: libzmq answers EFAULT for one never initialised
    /// or already closed, and so do we (as far as 32 bits can tell).
    static constexpr std::uint32_t live_tag = 0x7a6d7467; // "zmtg"

    zmtp::frame body;
    zmtp::detail::peer_properties_ref sender;
    bool more = false;
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
