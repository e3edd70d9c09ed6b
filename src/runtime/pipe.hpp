// One peer as the socket patterns see it: its message queues and routing id.
#pragma once

#include "runtime/message_queue.hpp"
#include "zmtp/message.hpp"

#include <memory>
#include <string>

namespace zmtp::detail {

class session;
class connector;

/// The queues between the socket and one peer. A pipe of a connect() endpoint lives as
/// long as the endpoint, across reconnects, so messages sent while the peer is away wait
/// for it; an accepted peer's pipe ends with its connection, once its received messages
/// have been taken.
struct pipe {
    explicit pipe(connector* origin) noexcept : origin(origin) {}

    message_queue out; ///< To the peer, not yet handed to the connection.
    /// The hwm_weight() of the messages encoded straight into the connection's output since
    /// its last write began; with `out` they count against send_hwm.
    std::size_t encoded = 0;
    message_queue in;  ///< From the peer, not yet received by the application.
    std::string routing_id;           ///< ROUTER: the id messages to this peer carry.
    frame routing_frame;              ///< The same, ready to put in front of received messages.
    session* active = nullptr;        ///< The live connection, if any.
    connector* origin;                ///< The connect() endpoint that owns it, or null.
    bool queued_for_receive = false;  ///< In the fair queue.
    bool terminating = false;         ///< Connection gone for good; drains `in`, then freed.
};

} // namespace zmtp::detail
