// PAIR: exactly one peer (RFC 31).
#pragma once

#include "pattern/socket_pattern.hpp"

#include <algorithm>
#include <vector>

namespace zmtp::pattern {

/// One peer at a time: while one is connected, another's handshake is refused
/// (errc::peer_already_connected). Sends go to the connected peer, or, before any is, queue
/// for the first connect() endpoint; they wait while it is at its high-water mark.
template <class Peer>
class pair_pattern final : public socket_pattern<Peer> {
public:
    explicit pair_pattern(peer_queues<Peer>& queues) : queues_(queues) {}

    void configure(const socket_options&) override {}
    void add(Peer& p) override { pipes_.push_back(&p); }
    std::error_code attach(Peer& p) override
    {
        if (peer_ && peer_ != &p)
            return errc::peer_already_connected;
        peer_ = &p;
        return {};
    }
    void detach(Peer& p) override
    {
        if (peer_ == &p)
            peer_ = nullptr;
    }
    void remove(Peer& p) override
    {
        std::erase(pipes_, &p);
        detach(p);
    }

    std::error_code send(message& msg) override
    {
        Peer* p = target();
        if (!p || !queues_.has_room(*p))
            return errc::would_block;
        queues_.push(*p, std::move(msg));
        return {};
    }
    bool may_send() const override
    {
        const Peer* p = target();
        return p && queues_.has_room(*p);
    }
    bool may_receive_ahead() const noexcept override { return true; }
    std::size_t send_room(std::size_t enough) const override
    {
        const Peer* p = target();
        return p ? std::min(queues_.room(*p), enough) : 0;
    }

private:
    Peer* target() const { return peer_ ? peer_ : pipes_.empty() ? nullptr : pipes_.front(); }

    peer_queues<Peer>& queues_;
    Peer* peer_ = nullptr;     ///< the connected peer
    std::vector<Peer*> pipes_; ///< every pipe, connect() endpoints' first
};

} // namespace zmtp::pattern
