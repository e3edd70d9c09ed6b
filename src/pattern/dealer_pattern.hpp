// DEALER: round-robin sends, fair-queued receives (RFC 28).
#pragma once

#include "pattern/load_balancer.hpp"
#include "pattern/socket_pattern.hpp"

#include <algorithm>
#include <cstddef>

namespace zmtp::pattern {

/// Sends go to the peers in turn, skipping those at their high-water mark; with none left
/// a send waits. A connect() endpoint's peer takes messages before it is first connected.
/// Receives take every message, fairly over peers.
template <class Peer>
class dealer_pattern final : public socket_pattern<Peer> {
public:
    dealer_pattern(peer_queues<Peer>& queues, const socket_options& options) : queues_(queues) { configure(options); }

    void configure(const socket_options& options) override { probe_router_ = options.probe_router; }

    void add(Peer& p) override { balancer_.add(&p); }
    std::error_code attach(Peer& p) override
    {
        if (probe_router_)
            queues_.push(p, message{""});
        return {};
    }
    void remove(Peer& p) override { balancer_.remove(&p); }

    std::error_code send(message& msg) override
    {
        Peer* p = next_with_room();
        if (!p)
            return errc::would_block;
        queues_.push(*p, std::move(msg));
        return {};
    }
    /// The peer the next message goes to, or nullptr if none has room (REQ's choice too).
    Peer* next_with_room()
    {
        return balancer_.pick([this](const Peer& peer) { return queues_.has_room(peer); });
    }
    conflation may_conflate() const noexcept override { return {true, true}; }
    bool may_receive_ahead() const noexcept override { return true; }
    bool may_send() const override
    {
        return balancer_.any([this](const Peer& peer) { return queues_.has_room(peer); });
    }
    /// Each message goes to some peer with room: their rooms add up (the peers are looked
    /// at until they reach `enough`).
    std::size_t send_room(std::size_t enough) const override
    {
        std::size_t total = 0;
        (void)balancer_.any([&](const Peer& peer) {
            total += std::min(queues_.room(peer), enough - total);
            return total == enough;
        });
        return total;
    }

private:
    peer_queues<Peer>& queues_;
    load_balancer<Peer> balancer_;
    bool probe_router_ = false;
};

} // namespace zmtp::pattern
