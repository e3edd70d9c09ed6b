// REP: one request in, then its one reply out (RFC 28).
#pragma once

#include "pattern/rep_state.hpp"
#include "pattern/socket_pattern.hpp"

namespace zmtp::pattern {

/// Requests are fair-queued; rep_state keeps the envelope of the one being answered, and
/// the reply goes to its peer, or is dropped if that peer is gone or full.
template <class Peer>
class rep_pattern final : public socket_pattern<Peer> {
public:
    explicit rep_pattern(peer_queues<Peer>& queues) : queues_(queues) {}

    void configure(const socket_options&) override {}
    std::error_code attach(Peer&) override { return {}; }
    void forget(const Peer& p) noexcept override { state_.forget(&p); }

    std::error_code send(message& msg) override
    {
        if (std::error_code ec = state_.can_send())
            return ec;
        Peer* p = state_.wrap(msg);
        if (p && queues_.has_room(*p))
            queues_.push(*p, std::move(msg)); // else dropped silently, as RFC 28 says
        return {};
    }
    bool may_send() const override { return !state_.can_send(); }
    std::error_code can_send() const override { return state_.can_send(); }

    std::error_code can_receive() const noexcept override { return state_.can_receive(); }
    bool accept(Peer& from, message& msg) override { return state_.accept(&from, msg); }
    bool accept_may_drop() const noexcept override { return true; }

    /// A request taken may be given back while its reply has not been sent.
    bool may_give_back() const noexcept override { return !state_.can_send(); }
    void given_back() noexcept override { state_.returned(); }
    void retaken() noexcept override { state_.retaken(); }

private:
    peer_queues<Peer>& queues_;
    rep_state<Peer> state_;
};

} // namespace zmtp::pattern
