// PUB and XPUB: each message to the peers subscribed to a prefix of its first frame (RFC 29).
#pragma once

#include "pattern/socket_pattern.hpp"
#include "pattern/subscription_message.hpp"
#include "pattern/subscription_trie.hpp"

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace zmtp::pattern {

/// Peers' subscriptions are a set per peer in a subscription_trie (two subscribes and one
/// cancel leave a peer unsubscribed, as libzmq does). A message goes to each matching peer
/// with room and is dropped for the others: a slow subscriber never blocks the publisher
/// or slows the rest (XPUB with xpub_nodrop waits instead). The message is copied per peer,
/// sharing its large bodies; small bodies live in the frame.
///
/// Each peer is bounded: a topic over max_subscription_size, or more than
/// max_subscriptions topics, closes its connection (errc::subscription_limit).
///
/// An XPUB (`xpub`) also passes subscriptions to the application as 0x01/0x00 messages
/// (the first subscribe and last cancel of each topic; all subscribes with xpub_verbose,
/// all of both with xpub_verboser; a cancel of a topic nobody has, too), reports the topics
/// a disconnecting peer leaves without subscribers as cancels, receives the peers' other
/// messages, and takes the xpub_* options. A PUB receives nothing.
template <class Peer>
class pub_pattern final : public socket_pattern<Peer> {
public:
    pub_pattern(peer_queues<Peer>& queues, const socket_options& options, bool xpub) : queues_(queues), xpub_(xpub)
    {
        configure(options);
    }

    void configure(const socket_options& o) override
    {
        invert_ = o.invert_matching;
        verbose_ = xpub_ && (o.xpub_verbose || o.xpub_verboser);
        verboser_ = xpub_ && o.xpub_verboser;
        manual_ = xpub_ && o.xpub_manual;
        nodrop_ = xpub_ && o.xpub_nodrop;
        welcome_ = xpub_ ? o.xpub_welcome_message : std::string();
        max_topic_ = o.max_subscription_size;
        max_topics_ = o.max_subscriptions;
    }

    std::error_code attach(Peer& p) override
    {
        peers_.push_back(&p);
        matched_.reserve(peers_.size()); // match() then never allocates
        if (!welcome_.empty())
            queues_.push(p, message{welcome_});
        return {};
    }

    void detach(Peer& p) override
    {
        std::erase(peers_, &p);
        topics_of_.erase(&p);
        if (last_subscriber_ == &p)
            last_subscriber_ = nullptr;
        subscriptions_.remove_peer(&p, [&](std::span<const std::byte> topic) {
            if (xpub_) // queued one by one: no second copy of them all
                queues_.deliver(p, subscription_message(false, topic));
        });
    }

    std::error_code send(message& msg) override
    {
        subscriptions_.match(msg[0].bytes(), matched_);
        if (invert_)
            keep_unmatched();
        if (nodrop_ && !std::all_of(matched_.begin(), matched_.end(), [this](Peer* p) { return queues_.has_room(*p); }))
            return errc::would_block;
        std::erase_if(matched_, [this](Peer* p) { return !queues_.has_room(*p); }); // dropped for them
        for (std::size_t i = 0; i < matched_.size(); ++i)
            queues_.push(*matched_[i], i + 1 == matched_.size() ? std::move(msg) : message(msg));
        return {};
    }
    conflation may_conflate() const noexcept override { return {.outgoing = !xpub_}; }
    /// A send never waits (it drops for peers without room), except with nodrop.
    std::size_t send_room(std::size_t enough) const override { return nodrop_ ? 0 : enough; }
    bool may_send() const override
    {
        // With nodrop a send waits only for the peers its message goes to: it may go while
        // any peer has room (it is tried, and waits again if its own peers are full).
        return !nodrop_ || peers_.empty()
            || std::any_of(peers_.begin(), peers_.end(), [this](Peer* p) { return queues_.has_room(*p); });
    }

    /// XPUB with xpub_manual: the application applies a subscription for the peer whose
    /// subscription it received last.
    std::error_code subscribe(bool on, std::span<const std::byte> topic) override
    {
        if (!manual_)
            return errc::not_supported;
        if (last_subscriber_)
            apply(*last_subscriber_, on, topic);
        return {};
    }

    std::error_code can_receive() const noexcept override
    {
        return xpub_ ? std::error_code{} : make_error_code(errc::not_supported);
    }
    bool arrived(Peer&, message&) override { return xpub_; }

    void subscription(Peer& p, bool on, std::span<const std::byte> topic) override
    {
        if (topic.size() > max_topic_)
            return queues_.disconnect(p, errc::subscription_limit);
        if (manual_) {
            last_subscriber_ = &p;
            return queues_.deliver(p, subscription_message(on, topic));
        }
        const bool had_subscribers = subscriptions_.has_subscribers(topic);
        const bool changed = apply(p, on, topic);
        if (on && changed && topics_of_[&p] > max_topics_) {
            apply(p, false, topic); // never subscribed, so never reported as cancelled
            return queues_.disconnect(p, errc::subscription_limit); // detach() removes the rest
        }
        const bool first_or_last = on ? !had_subscribers : !subscriptions_.has_subscribers(topic) && (changed || !had_subscribers);
        if (xpub_ && (first_or_last || (on ? verbose_ : verboser_)))
            queues_.deliver(p, subscription_message(on, topic));
    }

private:
    /// Subscribes or unsubscribes `p`; true if that changed anything.
    bool apply(Peer& p, bool on, std::span<const std::byte> topic)
    {
        if (on) {
            if (!subscriptions_.add(topic, &p))
                return false;
            ++topics_of_[&p];
            return true;
        }
        if (!subscriptions_.remove(topic, &p))
            return false;
        --topics_of_[&p];
        return true;
    }

    /// invert_matching: the peers that did not match instead.
    void keep_unmatched()
    {
        const std::size_t matched = matched_.size(); // sorted: match() returns them so
        for (Peer* p : peers_)
            if (!std::binary_search(matched_.begin(), matched_.begin() + matched, p, std::less<Peer*>{}))
                matched_.push_back(p);
        matched_.erase(matched_.begin(), matched_.begin() + matched);
    }

    peer_queues<Peer>& queues_;
    const bool xpub_;
    subscription_trie<Peer> subscriptions_;
    std::unordered_map<const Peer*, std::size_t> topics_of_; ///< subscriptions per peer
    std::vector<Peer*> peers_;                               ///< connected peers
    std::vector<Peer*> matched_;                             ///< send()'s targets, kept for its capacity
    Peer* last_subscriber_ = nullptr;                        ///< xpub_manual: whom subscribe() is for

    bool invert_ = false;
    bool verbose_ = false;
    bool verboser_ = false;
    bool manual_ = false;
    bool nodrop_ = false;
    std::string welcome_;
    std::size_t max_topic_ = 0;
    std::size_t max_topics_ = 0;
};

} // namespace zmtp::pattern
