// REQ: one request out, then its one reply in (RFC 28).
#pragma once

#include "pattern/dealer_pattern.hpp"
#include "pattern/req_state.hpp"
#include "pattern/socket_pattern.hpp"

#include <cstdint>

namespace zmtp::pattern {

/// A request goes to the next peer in turn with room (as DEALER's), wrapped by req_state;
/// only that peer's matching reply is received, anything else is dropped.
template <class Peer>
class req_pattern final : public socket_pattern<Peer> {
public:
    req_pattern(peer_queues<Peer>& queues, const socket_options& options, std::uint32_t first_request_id)
        : queues_(queues), dealer_(queues, options), state_(options.req_correlate, options.req_relaxed, first_request_id)
    {
    }

    void configure(const socket_options& options) override
    {
        dealer_.configure(options);
        state_.configure(options.req_correlate, options.req_relaxed);
    }

    void add(Peer& p) override { dealer_.add(p); }
    std::error_code attach(Peer& p) override { return dealer_.attach(p); }
    void remove(Peer& p) override { dealer_.remove(p); }
    void forget(const Peer& p) noexcept override { state_.forget(&p); }

    std::error_code send(message& msg) override
    {
        if (std::error_code ec = state_.can_send())
            return ec;
        Peer* p = dealer_.next_with_room();
        if (!p)
            return errc::would_block;
        state_.wrap(msg);
        state_.sent(p);
        queues_.discard_given_back(); // a reply given back is now late (req_relaxed)
        queues_.push(*p, std::move(msg));
        return {};
    }
    bool may_send() const override
    {
        return !state_.can_send() && dealer_.may_send();
    }
    std::error_code can_send() const override
    {
        if (const std::error_code order = state_.can_send())
            return order;
        return dealer_.may_send() ? std::error_code{} : make_error_code(errc::would_block);
    }

    std::error_code can_receive() const noexcept override { return state_.can_receive(); }
    bool accept(Peer& from, message& msg) override { return state_.accept(&from, msg); }
    bool accept_may_drop() const noexcept override { return true; }

    /// A reply taken may be given back while no new request went out since.
    bool may_give_back() const noexcept override { return static_cast<bool>(state_.can_receive()); }
    void given_back() noexcept override { state_.returned(); }
    void retaken() noexcept override { state_.retaken(); }

private:
    peer_queues<Peer>& queues_;
    dealer_pattern<Peer> dealer_;
    req_state<Peer> state_;
};

} // namespace zmtp::pattern
