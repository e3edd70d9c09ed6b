// zmq_poll: zmtp::poll over the C API's sockets and the caller's file descriptors.
#include "errors.hpp"
#include "socket.hpp"

#include "zmtp/poll.hpp"

#include <zmq.h>

#include <chrono>
#include <new>
#include <optional>
#include <vector>

namespace {

using zmtp::wait_type;

/// ZMQ_POLLERR is not waited for: a descriptor's error comes whatever it waits for, and a
/// socket has none (zmq_poll(3)).
wait_type wait_of(short events)
{
    return ((events & ZMQ_POLLIN) ? wait_type::read : wait_type::none)
           | ((events & ZMQ_POLLOUT) ? wait_type::write : wait_type::none)
           | ((events & ZMQ_POLLPRI) ? wait_type::priority : wait_type::none);
}

short events_of(wait_type ready)
{
    return static_cast<short>((has(ready, wait_type::read) ? ZMQ_POLLIN : 0)
                              | (has(ready, wait_type::write) ? ZMQ_POLLOUT : 0)
                              | (has(ready, wait_type::priority) ? ZMQ_POLLPRI : 0)
                              | (has(ready, wait_type::error) ? ZMQ_POLLERR : 0));
}

} // namespace

extern "C" int zmq_poll(zmq_pollitem_t* items, int nitems, long timeout)
{
    using zmtp::capi::fail;
    using zmtp::capi::socket_handle;
    if (nitems < 0)
        return fail(EINVAL);
    if (items == nullptr && nitems > 0)
        return fail(EFAULT);
    try {
        // A socket partway through a received message has its next frame here already:
        // ready to read whatever zmtp's queues say.
        std::vector<zmtp::poll_item> watched(static_cast<std::size_t>(nitems));
        bool frames_waiting = false;
        for (int i = 0; i < nitems; ++i) {
            zmtp::poll_item& w = watched[static_cast<std::size_t>(i)];
            w.events = wait_of(items[i].events);
            if (items[i].socket == nullptr) {
                w.fd = items[i].fd;
                continue;
            }
            socket_handle* s = socket_handle::from(items[i].socket);
            if (!s)
                return -1;
            w.socket = &s->zmtp_socket();
            frames_waiting |= s->receiving_more() && has(w.events, wait_type::read);
        }
        std::optional<std::chrono::milliseconds> wait;
        if (timeout >= 0 || frames_waiting)
            wait = std::chrono::milliseconds(frames_waiting ? 0 : timeout);
        std::error_code ec;
        zmtp::poll(watched, wait, ec, zmtp::on_signal::interrupt); // EINTR for a signal, as libzmq
        if (ec)
            return fail(ec);
        int ready = 0;
        for (int i = 0; i < nitems; ++i) {
            wait_type got = watched[static_cast<std::size_t>(i)].revents;
            if (items[i].socket != nullptr && socket_handle::from(items[i].socket)->receiving_more())
                got = got | (watched[static_cast<std::size_t>(i)].events & wait_type::read);
            items[i].revents = events_of(got);
            ready += got != wait_type::none ? 1 : 0;
        }
        return ready;
    } catch (const std::bad_alloc&) {
        return fail(ENOMEM);
    }
}
