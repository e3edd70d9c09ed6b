// Round-robin choice of an outgoing peer (DEALER, REQ), sans-I/O.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace zmtp::pattern {

/// The peers a socket may send to, taken in turn. `pick` skips peers that cannot take a
/// message now (queue at its high-water mark), so one slow peer does not stall the rest.
template <class Peer>
class load_balancer {
public:
    void add(Peer* p) { peers_.push_back(p); }

    void remove(Peer* p)
    {
        const auto it = std::find(peers_.begin(), peers_.end(), p);
        if (it == peers_.end())
            return;
        const auto index = static_cast<std::size_t>(it - peers_.begin());
        peers_.erase(it);
        if (index < next_)
            --next_;
        if (next_ >= peers_.size())
            next_ = 0;
    }

    /// The next peer in turn for which `can_take(peer)` holds, or nullptr; the turn moves
    /// past the peer returned.
    template <class Predicate>
    Peer* pick(Predicate can_take)
    {
        for (std::size_t tried = 0; tried < peers_.size(); ++tried) {
            Peer* p = peers_[next_];
            next_ = (next_ + 1) % peers_.size();
            if (can_take(*p))
                return p;
        }
        return nullptr;
    }

    /// True when some peer satisfies `can_take` (the turn stays).
    template <class Predicate>
    bool any(Predicate can_take) const
    {
        return std::any_of(peers_.begin(), peers_.end(), [&](const Peer* p) { return can_take(*p); });
    }

    std::size_t size() const noexcept { return peers_.size(); }

private:
    std::vector<Peer*> peers_;
    std::size_t next_ = 0;
};

} // namespace zmtp::pattern
