// Fair queueing of incoming messages over peers, sans-I/O.
#pragma once

#include "zmtp/detail/ring_buffer.hpp"

namespace zmtp::pattern {

/// The peers that have a message waiting, in turn: one message is taken from the peer at
/// the front, which then goes to the back if it has more. O(1) per message however many
/// peers are idle. The caller keeps each peer in the queue at most once: it pushes a peer
/// when its first message arrives, and again after taking one if more remain.
template <class Peer>
class fair_queue {
public:
    /// Makes room for `peers` peers, so that push() never allocates while there are no more.
    void reserve(std::size_t peers) { ready_.reserve(peers); }
    void push(Peer* p) { ready_.push_back(p); }
    bool empty() const noexcept { return ready_.empty(); }
    /// The peer whose turn it is, removed from the queue. Precondition: !empty().
    Peer* pop() { return ready_.pop_front(); }

private:
    detail::ring_buffer<Peer*> ready_;
};

} // namespace zmtp::pattern
