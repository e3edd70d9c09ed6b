// ZMQ_FD: a file descriptor that becomes readable when a socket may have become ready.
#pragma once

#include "zmtp/socket.hpp"
#include "zmtp/wait_type.hpp"

#include <atomic>
#include <memory>

namespace zmtp::capi {

/// The descriptor ZMQ_FD gives: an eventfd that turns readable when the socket becomes
/// ready for something it was not ready for when last looked at (zmq_getsockopt(3): the
/// caller then reads ZMQ_EVENTS, which clears it, and must read ZMQ_EVENTS after each
/// send and receive too: an edge, not a level). Event loops (pyzmq's asyncio, for one)
/// watch it for readability.
class readiness_signal {
public:
    /// Makes the eventfd; std::system_error if the system has none to give.
    readiness_signal();
    readiness_signal(const readiness_signal&) = delete;
    readiness_signal& operator=(const readiness_signal&) = delete;
    ~readiness_signal();

    int fd() const noexcept;

    /// Clears the descriptor; `ready` is what `socket` is ready for now. Waits, in the
    /// background, for what it lacks of read and write, and signals the descriptor when
    /// that comes (or when the socket closes).
    void rearm(zmtp::socket& socket, zmtp::wait_type ready);

private:
    struct state;
    void wait_for(zmtp::socket& socket, zmtp::wait_type what, std::atomic<bool>& waiting);

    std::shared_ptr<state> state_; // shared with the waits in flight
};

} // namespace zmtp::capi
