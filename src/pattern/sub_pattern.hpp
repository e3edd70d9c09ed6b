// SUB and XSUB: receive the messages that match the socket's subscriptions (RFC 29).
#pragma once

#include "pattern/socket_pattern.hpp"
#include "pattern/subscription_message.hpp"
#include "pattern/subscription_trie.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace zmtp::pattern {

/// The socket's subscriptions are counted per topic; peers hear of a topic's first
/// subscribe and last cancel only, since a publisher keeps a set per peer. Every peer gets
/// every subscription when it connects (and reconnects: what was queued for a lost
/// connection is dropped). Subscriptions are never dropped at the high-water mark.
/// Received messages are filtered here too, by prefix of their first frame (with
/// invert_matching: those matching no subscription), and fair-queued.
///
/// A SUB subscribes with subscribe()/unsubscribe() and sends nothing else. An XSUB
/// (`xsub`) also takes subscriptions as 0x01/0x00 messages sent by the application, and
/// sends its other messages to every peer with room (a connect() endpoint's before it
/// is connected too, as DEALER would).
template <class Peer>
class sub_pattern final : public socket_pattern<Peer> {
public:
    sub_pattern(peer_queues<Peer>& queues, const socket_options& options, bool xsub) : queues_(queues), xsub_(xsub)
    {
        configure(options);
        matched_.reserve(1); // arrived() then never allocates
    }

    void configure(const socket_options& o) override { invert_ = o.invert_matching; }
    bool may_receive_ahead() const noexcept override { return true; }

    void add(Peer& p) override { pipes_.push_back(&p); }
    void remove(Peer& p) override { std::erase(pipes_, &p); }
    std::error_code attach(Peer& p) override
    {
        peers_.push_back(&p);
        for (const auto& [topic, count] : counts_)
            queues_.push(p, subscription_message(true, std::as_bytes(std::span(topic))));
        return {};
    }
    void detach(Peer& p) override
    {
        std::erase(peers_, &p);
        queues_.discard_output(p); // its next connection gets every subscription afresh
    }

    std::error_code subscribe(bool on, std::span<const std::byte> topic) override
    {
        const std::string key(reinterpret_cast<const char*>(topic.data()), topic.size());
        if (on) {
            if (++counts_[key] > 1)
                return {};
            filter_.add(topic, this);
        } else {
            const auto it = counts_.find(key);
            if (it == counts_.end() || --it->second > 0)
                return {};
            counts_.erase(it);
            filter_.remove(topic, this);
        }
        for (Peer* p : peers_)
            queues_.push(*p, subscription_message(on, topic));
        return {};
    }

    std::error_code send(message& msg) override
    {
        if (!xsub_)
            return errc::not_supported;
        if (const auto change = parse_subscription(msg))
            return subscribe(change->on, change->topic);
        for (Peer* p : pipes_)
            if (queues_.has_room(*p))
                queues_.push(*p, message(msg));
        return {};
    }
    bool may_send() const override { return xsub_; }
    std::error_code can_send() const override { return xsub_ ? std::error_code{} : errc::not_supported; }
    conflation may_conflate() const noexcept override { return {.incoming = !xsub_}; }

    bool arrived(Peer&, message& msg) override
    {
        filter_.match(msg[0].bytes(), matched_);
        return matched_.empty() == invert_;
    }

private:
    peer_queues<Peer>& queues_;
    const bool xsub_;
    std::map<std::string, std::size_t, std::less<>> counts_; ///< subscribe() calls per topic
    subscription_trie<const sub_pattern> filter_;            ///< the topics in counts_
    std::vector<const sub_pattern*> matched_;                ///< arrived()'s, kept for its capacity
    std::vector<Peer*> peers_;                               ///< connected peers
    std::vector<Peer*> pipes_;                               ///< every peer (XSUB's messages)
    bool invert_ = false;
};

} // namespace zmtp::pattern
