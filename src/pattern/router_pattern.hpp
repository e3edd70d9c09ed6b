// ROUTER: addresses peers by routing id (RFC 28).
#pragma once

#include "pattern/routing_table.hpp"
#include "pattern/socket_pattern.hpp"

#include <cstdint>

namespace zmtp::pattern {

/// Each peer gets a routing id: the Identity it announced or a generated one. Received
/// messages get it in front; a sent message's first frame names the peer it goes to. An
/// unknown id or a full peer drops the message, or fails it with router_mandatory.
template <class Peer>
class router_pattern final : public socket_pattern<Peer> {
public:
    router_pattern(peer_queues<Peer>& queues, const socket_options& options, std::uint32_t first_generated_id)
        : queues_(queues), routes_(first_generated_id)
    {
        configure(options);
    }

    void configure(const socket_options& options) override
    {
        mandatory_ = options.router_mandatory;
        handover_ = options.router_handover;
        probe_router_ = options.probe_router;
    }

    std::error_code add_with_id(Peer& p) override
    {
        return routes_.route(p) ? std::error_code{} : make_error_code(errc::duplicate_routing_id);
    }

    std::error_code attach(Peer& p) override
    {
        if (routes_.find(p.routing_id) == &p) { // its id was the application's, known since connect()
            if (probe_router_)
                queues_.push(p, message{""});
            return {};
        }
        if (p.routing_id.empty())
            p.routing_id = routes_.generate_id();
        if (Peer* existing = routes_.find(p.routing_id)) {
            if (!handover_)
                return errc::duplicate_routing_id;
            // The old connection goes; what it delivered and the application has not read
            // yet is still received, under the id it came with, as libzmq does.
            routes_.erase(p.routing_id);
            queues_.disconnect(*existing, errc::duplicate_routing_id);
        }
        routes_.route(p);
        if (probe_router_)
            queues_.push(p, message{""});
        return {};
    }
    void detach(Peer& p) override { routes_.unroute(p); }
    /// A pipe known by the application's id may go without ever being attached.
    void forget(const Peer& p) noexcept override { routes_.unroute(p); }

    std::error_code send(message& msg) override
    {
        Peer* p = routes_.find(msg[0].view());
        if (!p)
            return mandatory_ ? make_error_code(errc::host_unreachable) : std::error_code{};
        if (!queues_.has_room(*p))
            return mandatory_ ? make_error_code(errc::would_block) : std::error_code{};
        msg.erase_front(1);
        if (!msg.empty())
            queues_.push(*p, std::move(msg));
        return {};
    }
    /// Never waits: a send drops or fails at once.
    bool may_send() const override { return true; }
    /// With router_mandatory, a message to an unknown peer fails (a full one is known only
    /// when the whole message is sent).
    std::error_code can_start(const frame& first) const override
    {
        return mandatory_ && !routes_.find(first.view()) ? make_error_code(errc::host_unreachable) : std::error_code{};
    }

    bool accept(Peer& from, message& msg) override
    {
        msg.push_front(from.routing_frame);
        return true;
    }
    bool may_receive_ahead() const noexcept override { return true; }

private:
    peer_queues<Peer>& queues_;
    routing_table<Peer> routes_;
    bool mandatory_ = false;
    bool handover_ = false;
    bool probe_router_ = false;
};

} // namespace zmtp::pattern
