// One peer as the socket sees it: its message queues, their high-water marks, its routing id.
#pragma once

#include "runtime/message_queue.hpp"
#include "zmtp/message.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace zmtp::detail {

class session;
class connector;

/// The queues between the socket and one peer. A pipe of a connect() endpoint lives as
/// long as the endpoint, across reconnects, so messages sent while the peer is away wait
/// for it; an accepted peer's pipe ends with its connection, once its received messages
/// have been taken.
///
/// It has two ends: the socket's (queue messages out, take received ones, ask for room)
/// and the session's (take messages to encode, count those encoded straight into the
/// connection, queue received ones). It counts what each direction holds against its
/// high-water mark, with hwm_weight(); the marks themselves are the socket's options.
class pipe {
public:
    explicit pipe(connector* origin) noexcept : origin(origin) {}

    // --- the socket's end ---
    /// True when the messages going out, queued or encoded but not yet written, are below
    /// `send_hwm` (0: no limit).
    bool below_send_hwm(std::size_t send_hwm) const noexcept
    {
        return send_hwm == 0 || out_.weight() + encoded_ < send_hwm;
    }
    /// How many more messages of up to message::inline_frames frames stay below
    /// `send_hwm` (0: no limit, SIZE_MAX).
    std::size_t send_room(std::size_t send_hwm) const noexcept
    {
        const std::size_t used = out_.weight() + encoded_;
        return send_hwm == 0 ? SIZE_MAX : used < send_hwm ? send_hwm - used : 0;
    }
    void queue_output(message&& msg) { out_.push_back(std::move(msg)); }
    bool has_queued_output() const noexcept { return !out_.empty(); }
    void discard_output() noexcept { out_.clear(); }
    /// True when the received messages not yet taken are below `receive_hwm` (0: no limit).
    bool below_receive_hwm(std::size_t receive_hwm) const noexcept
    {
        return receive_hwm == 0 || in_.weight() < receive_hwm;
    }
    /// True when the `in` queue is down to its low-water mark, half `receive_hwm` (as
    /// libzmq's): a paused reader resumes then, so it reads a batch per resumption.
    bool at_receive_lwm(std::size_t receive_hwm) const noexcept
    {
        return receive_hwm == 0 || in_.weight() <= receive_hwm / 2;
    }
    bool has_input() const noexcept { return !in_.empty(); }
    /// Moves the oldest received message into `msg`. Precondition: has_input().
    void take_input(message& msg) { in_.pop_front_into(msg); }
    /// Queues a received message (all or nothing: may throw std::bad_alloc).
    void queue_input(message&& msg) { in_.push_back(std::move(msg)); }
    /// Keeps only the newest received message (conflate).
    void discard_input() noexcept { in_.clear(); }

    // --- the session's end ---
    /// Moves the oldest message going out into `msg`; false if there is none.
    bool take_output(message& msg)
    {
        if (out_.empty())
            return false;
        out_.pop_front_into(msg);
        return true;
    }
    /// A message of `frames` frames went straight into the connection's output.
    void encoded(std::size_t frames) noexcept { encoded_ += hwm_weight(frames); }
    /// The messages encoded so far are in a write now (or lost with the connection): they
    /// no longer count. True if there were any.
    bool encoded_taken() noexcept { return std::exchange(encoded_, 0) > 0; }

    // --- who the peer is, and the core's bookkeeping ---
    std::string routing_id;          ///< The id the pattern knows the peer by (its Identity, or ROUTER's).
    frame routing_frame;             ///< ROUTER: the same, ready to put in front of received messages.
    bool routing_id_assigned = false; ///< routing_id is the application's (connect_routing_id), not the peer's.
    session* active = nullptr;       ///< The live connection, if any.
    connector* origin;               ///< The connect() endpoint that owns it, or null.
    bool queued_for_receive = false; ///< In the fair queue.
    bool terminating = false;        ///< Connection gone for good; drains its input, then freed.

private:
    message_queue out_;        ///< To the peer, not yet handed to the connection.
    std::size_t encoded_ = 0;  ///< hwm_weight() of the messages encoded since the last write began.
    message_queue in_;         ///< From the peer, not yet received by the application.
};

} // namespace zmtp::detail
