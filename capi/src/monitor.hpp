// zmq_socket_monitor's forwarder: a socket's monitor events, sent to a PAIR socket as
// libzmq's two-frame event messages.
#pragma once

#include "zmtp/context.hpp"
#include "zmtp/socket.hpp"

#include <cstdint>
#include <memory>
#include <string_view>

namespace zmtp::capi {

/// Forwards the monitor events of one socket that match an event mask to a PAIR socket
/// bound at an inproc endpoint: frame 1 holds the event number (uint16) and its value
/// (uint32) in native byte order, frame 2 the endpoint. Each event waits until the PAIR
/// can take it (nobody connected yet, or its queue full), the next ones waiting in the
/// watched socket meanwhile (up to its max_monitor_events), where libzmq blocks the
/// socket itself. Runs on the watched socket's executor.
class monitor_forwarder {
public:
    /// Binds the PAIR at `endpoint` (in `ctx`) and starts forwarding the events of
    /// `watched` that `events` selects. Throws std::system_error when the bind fails.
    monitor_forwarder(zmtp::socket& watched, zmtp::context& ctx, std::string_view endpoint, int events);
    monitor_forwarder(const monitor_forwarder&) = delete;
    monitor_forwarder& operator=(const monitor_forwarder&) = delete;
    /// stop(), unless the watched socket was handed over (outlive()).
    ~monitor_forwarder();

    /// Ends the monitor: takes the events the socket has already queued and returns; they
    /// and MONITOR_STOPPED (if selected) are then sent in the background, and the PAIR
    /// closes once they are gone (or the context ends).
    void stop() noexcept;

    /// The watched socket was closed and is handed over: its last events (its listeners'
    /// CLOSED) are still forwarded, then MONITOR_STOPPED, and the PAIR closes, all in the
    /// background.
    void outlive(zmtp::socket closed) noexcept;

private:
    struct state;
    /// Waits for the next event of the watched socket and forwards it, again and again
    /// until the monitor stops or the socket's events end (it was closed, or its context
    /// terminated). Called under the state's lock.
    static void forward_next(const std::shared_ptr<state>& st);
    /// Sends an event message, waiting for the PAIR to take it, then forward_next().
    static void send(const std::shared_ptr<state>& st, zmtp::message msg);
    /// Sends what is left once stopped, one message after the other, then closes the PAIR.
    static void flush(const std::shared_ptr<state>& st);
    /// stop()'s end: once no handler has run between two turns of the executor (`seen`
    /// completions), the event wait found the socket's queue empty and is cancelled.
    static void detach_when_idle(const std::shared_ptr<state>& st, std::uint64_t seen);

    std::shared_ptr<state> state_;
};

} // namespace zmtp::capi
