// PUSH and PULL: a pipeline, one way (RFC 30).
#pragma once

#include "pattern/dealer_pattern.hpp"
#include "pattern/socket_pattern.hpp"

namespace zmtp::pattern {

/// PUSH sends round-robin over the peers with room, as DEALER does, and waits when none
/// has room (it never drops); it receives nothing.
template <class Peer>
class push_pattern final : public socket_pattern<Peer> {
public:
    push_pattern(peer_queues<Peer>& queues, const socket_options& options) : dealer_(queues, without_probe(options)) {}

    void configure(const socket_options& options) override { dealer_.configure(without_probe(options)); }
    void add(Peer& p) override { dealer_.add(p); }
    std::error_code attach(Peer& p) override { return dealer_.attach(p); }
    void remove(Peer& p) override { dealer_.remove(p); }
    std::error_code send(message& msg) override { return dealer_.send(msg); }
    bool may_send() const override { return dealer_.may_send(); }
    std::size_t send_room(std::size_t enough) const override { return dealer_.send_room(enough); }
    conflation may_conflate() const noexcept override { return {.outgoing = true}; }
    std::error_code can_receive() const noexcept override { return errc::not_supported; }
    bool arrived(Peer&, message&) override { return false; }

private:
    static socket_options without_probe(socket_options options)
    {
        options.probe_router = false; // ROUTER, DEALER and REQ only
        return options;
    }

    dealer_pattern<Peer> dealer_;
};

/// PULL receives from all peers, fair-queued; it sends nothing.
template <class Peer>
class pull_pattern final : public socket_pattern<Peer> {
public:
    void configure(const socket_options&) override {}
    std::error_code attach(Peer&) override { return {}; }
    std::error_code send(message&) override { return errc::not_supported; }
    bool may_send() const override { return false; }
    std::error_code can_send() const override { return errc::not_supported; }
    conflation may_conflate() const noexcept override { return {.incoming = true}; }
    bool may_receive_ahead() const noexcept override { return true; }
};

} // namespace zmtp::pattern
