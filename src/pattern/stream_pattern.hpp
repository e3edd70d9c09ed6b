// STREAM: raw TCP connections, addressed by routing id, no ZMTP.
#pragma once

#include "pattern/routing_table.hpp"
#include "pattern/socket_pattern.hpp"

#include <cstdint>

namespace zmtp::pattern {

/// Each connection gets a generated routing id. Received bytes come as [id, bytes] (in
/// pieces as they arrive, not messages); with stream_notify, [id, empty] tells of a
/// connection opened and of one closed. Sending [id, bytes...] writes the bytes; [id,
/// empty] closes that connection once what was sent before is written. An unknown id
/// fails with errc::host_unreachable, a full connection with errc::would_block.
template <class Peer>
class stream_pattern final : public socket_pattern<Peer> {
public:
    stream_pattern(peer_queues<Peer>& queues, const socket_options& options, std::uint32_t first_generated_id)
        : queues_(queues), routes_(first_generated_id)
    {
        configure(options);
    }

    void configure(const socket_options& options) override { notify_ = options.stream_notify; }

    std::error_code add_with_id(Peer& p) override
    {
        return routes_.route(p) ? std::error_code{} : make_error_code(errc::duplicate_routing_id);
    }

    /// A connection gets a new id, or keeps the one the application gave its connect().
    std::error_code attach(Peer& p) override
    {
        if (!p.routing_id_assigned)
            p.routing_id = routes_.generate_id();
        if (!routes_.route(p))
            return errc::duplicate_routing_id;
        if (notify_)
            queues_.deliver(p, message{p.routing_id, ""});
        return {};
    }
    void detach(Peer& p) override
    {
        if (!routes_.unroute(p))
            return;
        if (notify_)
            queues_.deliver(p, message{p.routing_id, ""});
    }
    /// A pipe known by the application's id may go without ever being attached.
    void forget(const Peer& p) noexcept override { routes_.unroute(p); }

    std::error_code send(message& msg) override
    {
        Peer* p = routes_.find(msg[0].view());
        if (!p)
            return errc::host_unreachable;
        if (!queues_.has_room(*p))
            return errc::would_block;
        msg.erase_front(1);
        if (msg.empty() || (msg.size() == 1 && msg[0].empty())) {
            queues_.close_after_flush(*p);
            return {};
        }
        queues_.push(*p, std::move(msg));
        return {};
    }
    bool may_send() const override { return true; }
    std::error_code can_start(const frame& first) const override
    {
        return routes_.find(first.view()) ? std::error_code{} : make_error_code(errc::host_unreachable);
    }

    /// The id goes in front on arrival: a connect() endpoint's pipe outlives a connection
    /// and gets a new id with the next one, while the old one's bytes may still wait.
    bool arrived(Peer& from, message& msg) override
    {
        msg.push_front(from.routing_frame);
        return true;
    }

private:
    peer_queues<Peer>& queues_;
    routing_table<Peer> routes_;
    bool notify_ = true;
};

} // namespace zmtp::pattern
