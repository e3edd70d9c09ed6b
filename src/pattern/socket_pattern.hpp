// The seam between the socket core and a socket type's routing: one interface, sans-I/O.
#pragma once

#include "zmtp/error.hpp"
#include "zmtp/message.hpp"
#include "zmtp/options.hpp"

#include <span>
#include <string>
#include <system_error>

namespace zmtp::pattern {

/// The queues a socket type lets the conflate option reduce to their newest message.
struct conflation {
    bool outgoing = false;
    bool incoming = false;
};

/// What a pattern may do to its peers' queues; the socket core implements it.
template <class Peer>
class peer_queues {
public:
    /// True when `p` can take a message now: its outgoing queue is below send_hwm (or the
    /// socket conflates) and its pipe is not terminating.
    virtual bool has_room(const Peer& p) const noexcept = 0;
    /// How many more messages of up to message::inline_frames frames `p` can take now
    /// (SIZE_MAX: no limit).
    virtual std::size_t room(const Peer& p) const noexcept = 0;
    /// Queues `msg` for `p`, whatever its room (a caller that may drop checks has_room).
    virtual void push(Peer& p, message&& msg) = 0;
    /// Queues `msg` for the application as if `p` had sent it.
    virtual void deliver(Peer& p, message&& msg) = 0;
    /// Drops what still waits to go to `p`.
    virtual void discard_output(Peer& p) noexcept = 0;
    /// Closes `p`'s connection with `reason` (ROUTER's handover).
    virtual void disconnect(Peer& p, std::error_code reason) = 0;
    /// Closes `p`'s connection once what is queued for it is written (STREAM).
    virtual void close_after_flush(Peer& p) = 0;
    /// Drops the messages given back by cancelled receives: a send made them stale.
    virtual void discard_given_back() noexcept = 0;

protected:
    ~peer_queues() = default;
};

/// A socket type's behaviour: which peer each sent message goes to, which received
/// messages the application sees and how, and the order send and receive must keep.
///
/// The core owns the peers (pipes), their queues and the fair queue over received
/// messages; it tells the pattern about each peer's life: add() when its pipe is made (a
/// connect() endpoint's pipe is made before the first connection and outlives it),
/// attach() when a connection's handshake succeeds, detach() when that connection ends,
/// remove() when the pipe takes no more messages, forget() when it is destroyed.
/// Every call is made under the core's lock.
///
/// `Peer` must have the fields `std::string routing_id`, `frame routing_frame` and
/// `bool routing_id_assigned` (the id is the application's: see add_with_id()).
template <class Peer>
class socket_pattern {
public:
    virtual ~socket_pattern() = default;

    /// The options changed (set_options): those the pattern uses apply from now on.
    virtual void configure(const socket_options& options) = 0;

    // --- peers ---
    virtual void add(Peer&) {}
    /// As add(), for a connect() endpoint's pipe that the application gave a routing id
    /// (connect_routing_id, now in `p.routing_id`): a type that routes by id (ROUTER) knows
    /// the peer by it from now on, and refuses an id in use; the others ignore the id.
    virtual std::error_code add_with_id(Peer& p)
    {
        add(p);
        return {};
    }
    /// `p`'s handshake succeeded. `p.routing_id` holds the Identity it announced; the
    /// pattern may replace it (ROUTER generates one). An error refuses the peer.
    virtual std::error_code attach(Peer& p) = 0;
    virtual void detach(Peer&) {}
    virtual void remove(Peer&) {}
    virtual void forget(const Peer&) noexcept {}

    // --- send ---
    /// Sends `msg` (not empty) or says why not: would_block to wait for room, another
    /// error to fail. A message the type drops counts as sent.
    virtual std::error_code send(message& msg) = 0;
    /// True when some send could go now.
    virtual bool may_send() const = 0;
    /// How many messages of up to message::inline_frames frames send() would take now,
    /// whatever they hold and in whatever order they come, counted up to `enough` (the
    /// most the caller can use; with no limit, `enough`). 0 where that depends on a
    /// message's content or on the order of sends and receives (the default): each such
    /// message must be asked about.
    virtual std::size_t send_room(std::size_t enough) const
    {
        (void)enough;
        return 0;
    }
    /// What send() would say of a message now, without one: empty if it could go,
    /// would_block, or the error of a type that cannot send now (REQ/REP order) or at all.
    virtual std::error_code can_send() const
    {
        return may_send() ? std::error_code{} : make_error_code(errc::would_block);
    }
    /// As can_send(), for a message whose first frame is `first` (ROUTER, STREAM: whether
    /// the peer it names is known).
    virtual std::error_code can_start(const frame& first) const
    {
        (void)first;
        return can_send();
    }
    /// Which queues the conflate option applies to: the types that send data (PUB, PUSH,
    /// DEALER) their outgoing ones, those that receive it (SUB, PULL, DEALER) their
    /// incoming ones. Never a SUB's subscriptions.
    virtual conflation may_conflate() const noexcept { return {}; }
    /// subscribe()/unsubscribe() of the public socket (SUB, XSUB; XPUB in manual mode).
    virtual std::error_code subscribe(bool, std::span<const std::byte>) { return errc::not_supported; }

    // --- receive ---
    /// A message from `p` arrived: true queues it for the application, false drops it.
    virtual bool arrived(Peer&, message&) { return true; }
    /// `p` subscribed to `topic` or cancelled it (PUB, XPUB).
    virtual void subscription(Peer&, bool, std::span<const std::byte>) {}
    /// An error when the type's order forbids receiving now (REQ, REP).
    virtual std::error_code can_receive() const noexcept { return {}; }
    /// The application takes `msg`, queued by `from`: false drops it instead (REQ, REP); the
    /// pattern may change it (ROUTER puts the routing id in front).
    virtual bool accept(Peer&, message&) { return true; }
    /// True when accept() may drop messages, so that readiness must look at them.
    virtual bool accept_may_drop() const noexcept { return false; }
    /// True when messages may be accepted before the application asks for them: accept()
    /// keeps no state and receiving changes nothing else the type does (not REQ, REP).
    virtual bool may_receive_ahead() const noexcept { return false; }

    // --- receives cancelled after they took a message (see socket_core::give_back) ---
    /// True when a taken message may still be given back (REQ/REP: no send since).
    virtual bool may_give_back() const noexcept { return true; }
    virtual void given_back() noexcept {}
    virtual void retaken() noexcept {}
};

} // namespace zmtp::pattern
