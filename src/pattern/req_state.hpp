// The REQ socket's strict send/receive alternation and reply matching (RFC 28), sans-I/O.
#pragma once

#include "zmtp/error.hpp"
#include "zmtp/message.hpp"

#include <cstdint>
#include <cstring>
#include <system_error>

namespace zmtp::pattern {

/// A REQ sends a request, then receives exactly one reply, from the peer it sent to.
/// Requests go out as [request id], empty delimiter, body; with `correlate` the id is a
/// 4-byte counter in little-endian order (as libzmq's REQ_CORRELATE). With `relaxed` a new
/// request may be sent before the reply, and the late reply is then dropped.
template <class Peer>
class req_state {
public:
    req_state(bool correlate, bool relaxed, std::uint32_t first_id) noexcept
        : correlate_(correlate), relaxed_(relaxed), next_id_(first_id)
    {
    }

    /// Changes the options (zmq_setsockopt applies them at once): a request already out
    /// keeps the envelope it went with.
    void configure(bool correlate, bool relaxed) noexcept
    {
        correlate_ = correlate;
        relaxed_ = relaxed;
    }

    /// errc::invalid_state while a reply is due, unless relaxed.
    std::error_code can_send() const noexcept
    {
        return awaiting_ && !relaxed_ ? make_error_code(errc::invalid_state) : std::error_code{};
    }

    /// Adds the envelope to a request about to go out.
    void wrap(message& request)
    {
        request.push_front(frame());
        sent_correlated_ = correlate_;
        if (correlate_) {
            current_id_ = next_id_++;
            unsigned char id[4];
            for (int i = 0; i < 4; ++i)
                id[i] = static_cast<unsigned char>(current_id_ >> (8 * i));
            request.push_front(frame(std::as_bytes(std::span(id))));
        }
    }

    /// The request went to `to`; only its reply will be accepted.
    void sent(const Peer* to) noexcept
    {
        target_ = to;
        awaiting_ = true;
    }

    /// errc::invalid_state when no request is outstanding.
    std::error_code can_receive() const noexcept
    {
        return awaiting_ ? std::error_code{} : make_error_code(errc::invalid_state);
    }

    /// True when `reply` from `from` answers the outstanding request; its envelope is then
    /// stripped and a new request may be sent. Otherwise it must be dropped.
    bool accept(const Peer* from, message& reply)
    {
        if (!awaiting_ || from == nullptr || from != target_)
            return false;
        std::size_t envelope = 1;
        if (sent_correlated_) {
            if (reply.size() < 2 || reply[0].size() != 4 || !matches_current_id(reply[0]))
                return false;
            envelope = 2;
        }
        if (reply.size() <= envelope || !reply[envelope - 1].empty())
            return false;
        reply.erase_front(envelope);
        awaiting_ = false;
        target_ = nullptr;
        return true;
    }

    /// The accepted reply was given back unread (its receive was cancelled): it is due again.
    void returned() noexcept { awaiting_ = true; }
    /// The given-back reply was received after all.
    void retaken() noexcept { awaiting_ = false; }

    /// `p` disconnected: a reply from it can no longer come (and its address may be reused).
    void forget(const Peer* p) noexcept
    {
        if (target_ == p)
            target_ = nullptr;
    }

private:
    bool matches_current_id(const frame& f) const noexcept
    {
        std::uint32_t id = 0;
        for (int i = 3; i >= 0; --i)
            id = (id << 8) | static_cast<std::uint8_t>(f.data()[i]);
        return id == current_id_;
    }

    bool correlate_;
    bool sent_correlated_ = false; ///< the request out has a request id
    bool relaxed_;
    std::uint32_t next_id_;
    std::uint32_t current_id_ = 0;
    bool awaiting_ = false;
    const Peer* target_ = nullptr;
};

} // namespace zmtp::pattern
