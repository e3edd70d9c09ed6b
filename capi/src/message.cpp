// The zmq_msg_* family (zmq_msg_send and zmq_msg_recv live with the sockets).
#include "errors.hpp"
#include "message_slot.hpp"

#include <zmq.h>

#include <cerrno>
#include <new>
#include <optional>
#include <string_view>

using zmtp::capi::construct_slot;
using zmtp::capi::destroy_slot;
using zmtp::capi::fail;
using zmtp::capi::live_slot;
using zmtp::capi::message_slot;

extern "C" {

int zmq_msg_init(zmq_msg_t* msg)
{
    construct_slot(msg, zmtp::frame());
    return 0;
}

int zmq_msg_init_size(zmq_msg_t* msg, size_t size)
{
    try {
        construct_slot(msg, zmtp::frame::with_size(size));
        return 0;
    } catch (const std::bad_alloc&) {
        return fail(ENOMEM);
    }
}

int zmq_msg_init_data(zmq_msg_t* msg, void* data, size_t size, zmq_free_fn* ffn, void* hint)
{
    if (data == nullptr && size != 0)
        return fail(EINVAL);
    try {
        // ffn runs exactly once, when the last copy of the message is sent or closed. zmtp
        // would copy a small buffer at once: the slot keeps that one itself.
        if (size > zmtp::frame::inline_capacity || ffn == nullptr) {
            construct_slot(msg, zmtp::frame::adopt(data, size, ffn, hint));
            return 0;
        }
        auto* kept = new zmtp::capi::kept_buffer{data, size, ffn, hint};
        construct_slot(msg, zmtp::frame()).keep(kept);
        return 0;
    } catch (const std::bad_alloc&) {
        return fail(ENOMEM);
    }
}

int zmq_msg_close(zmq_msg_t* msg)
{
    message_slot* slot = live_slot(msg);
    if (!slot)
        return -1;
    destroy_slot(msg, *slot);
    return 0;
}

int zmq_msg_move(zmq_msg_t* dest, zmq_msg_t* src)
{
    message_slot* from = live_slot(src);
    message_slot* to = live_slot(dest);
    if (!from || !to)
        return -1;
    if (from == to)
        return 0;
    *to = *from;
    from->clear(); // src is left an empty message, as after zmq_msg_init
    return 0;
}

int zmq_msg_copy(zmq_msg_t* dest, zmq_msg_t* src)
{
    message_slot* from = live_slot(src);
    message_slot* to = live_slot(dest);
    if (!from || !to)
        return -1;
    if (from != to)
        *to = *from; // a large body is shared, not copied
    return 0;
}

void* zmq_msg_data(zmq_msg_t* msg)
{
    message_slot* slot = live_slot(msg);
    return slot ? slot->data() : nullptr;
}

size_t zmq_msg_size(const zmq_msg_t* msg)
{
    const message_slot* slot = live_slot(msg);
    return slot ? slot->size() : 0;
}

int zmq_msg_more(const zmq_msg_t* msg)
{
    const message_slot* slot = live_slot(msg);
    return slot && slot->more ? 1 : 0;
}

int zmq_msg_get(const zmq_msg_t* msg, int property)
{
    const message_slot* slot = live_slot(msg);
    if (!slot)
        return -1;
    switch (property) {
    case ZMQ_MORE:
        return slot->more ? 1 : 0;
    case ZMQ_SHARED:
        return slot->body.is_inline() && !slot->keeps_buffer_ ? 0 : 1; // shared with any copies
    case ZMQ_SRCFD: // the descriptor of the connection it came on; -1 if none
        return slot->sender() != nullptr ? slot->sender()->source_fd() : -1;
    default:
        return fail(EINVAL);
    }
}

const char* zmq_msg_gets(const zmq_msg_t* msg, const char* property)
{
    const message_slot* slot = live_slot(msg);
    if (!slot)
        return nullptr;
    const zmtp::peer_properties* from = slot->sender();
    std::optional<std::string_view> value;
    if (from != nullptr && property != nullptr)
        value = from->get(property);
    if (!value) {
        errno = EINVAL; // no such property, or a message that was not received
        return nullptr;
    }
    return value->data(); // NUL-terminated (peer_properties::get), alive with the message
}

int zmq_msg_set(zmq_msg_t* msg, int, int)
{
    // libzmq 4.3 defines no property a stable API user may set.
    return live_slot(msg) ? fail(EINVAL) : -1;
}

} // extern "C"
