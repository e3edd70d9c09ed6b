// The REP socket's envelope stack (RFC 28), sans-I/O.
#pragma once

#include "zmtp/error.hpp"
#include "zmtp/message.hpp"

#include <system_error>
#include <utility>

namespace zmtp::pattern {

/// A REP receives a request, hands the application its body and keeps its envelope (every
/// frame up to and including the first empty one); the reply gets the envelope back and
/// goes to the peer the request came from. Requests without an empty delimiter, or with no
/// frame after it, are dropped.
template <class Peer>
class rep_state {
public:
    /// errc::invalid_state while a reply is owed.
    std::error_code can_receive() const noexcept
    {
        return replying_ ? make_error_code(errc::invalid_state) : std::error_code{};
    }

    /// True when `request` is well formed; it is then reduced to its body and the envelope
    /// kept for the reply. False: drop it.
    bool accept(Peer* from, message& request)
    {
        std::size_t delimiter = 0;
        while (delimiter < request.size() && !request[delimiter].empty())
            ++delimiter;
        if (delimiter + 1 >= request.size())
            return false; // no delimiter, or nothing after it

        envelope_.clear();
        for (std::size_t i = 0; i <= delimiter; ++i)
            envelope_.push_back(std::move(request[i]));
        request.erase_front(delimiter + 1);
        requester_ = from;
        replying_ = true;
        return true;
    }

    /// errc::invalid_state unless a request was received and not yet answered.
    std::error_code can_send() const noexcept
    {
        return replying_ ? std::error_code{} : make_error_code(errc::invalid_state);
    }

    /// Puts the envelope in front of `reply`; returns the peer to send it to, or nullptr
    /// if that peer is gone (the reply is then silently dropped).
    Peer* wrap(message& reply)
    {
        message wrapped = std::move(envelope_);
        for (frame& f : reply)
            wrapped.push_back(std::move(f));
        reply = std::move(wrapped);
        envelope_.clear();
        replying_ = false;
        return std::exchange(requester_, nullptr);
    }

    /// The accepted request was given back unread (its receive was cancelled): no reply is
    /// owed until it is received again; its envelope is kept for that.
    void returned() noexcept { replying_ = false; }
    /// The given-back request was received after all.
    void retaken() noexcept { replying_ = true; }

    /// `p` disconnected: a reply owed to it will be dropped.
    void forget(const Peer* p) noexcept
    {
        if (requester_ == p)
            requester_ = nullptr;
    }

private:
    message envelope_;
    Peer* requester_ = nullptr;
    bool replying_ = false;
};

} // namespace zmtp::pattern
