// ROUTER routing ids: lookup and generation, sans-I/O.
#pragma once

#include "zmtp/frame.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace zmtp::pattern {

/// Maps routing ids (byte strings) to peers. Generated ids are 5 bytes, 0x00 then a 4-byte
/// big-endian counter that starts at `seed` and goes up by one per peer, as libzmq does;
/// peer-chosen ids never start with 0x00, so the two never collide.
template <class Peer>
class routing_table {
public:
    explicit routing_table(std::uint32_t seed) noexcept : next_(seed) {}

    /// A fresh generated id not in use.
    std::string generate_id()
    {
        std::string id;
        do {
            const std::uint32_t n = next_++;
            id = {'\0', static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                  static_cast<char>(n)};
        } while (peers_.contains(id));
        return id;
    }

    Peer* find(std::string_view id) const
    {
        const auto it = peers_.find(id);
        return it == peers_.end() ? nullptr : it->second;
    }

    /// Adds `id` -> `p`; false if the id is taken.
    bool insert(const std::string& id, Peer* p) { return peers_.try_emplace(id, p).second; }
    /// Points `id` at `p` whether taken or not.
    void assign(const std::string& id, Peer* p) { peers_.insert_or_assign(id, p); }
    void erase(std::string_view id)
    {
        if (const auto it = peers_.find(id); it != peers_.end())
            peers_.erase(it);
    }
    std::size_t size() const noexcept { return peers_.size(); }

    /// Routes `p.routing_id` to `p` and gives `p` its routing frame; false (and nothing
    /// changes) if the id routes to another peer.
    bool route(Peer& p)
    {
        if (!insert(p.routing_id, &p))
            return find(p.routing_id) == &p;
        p.routing_frame = frame(p.routing_id);
        return true;
    }
    /// Stops routing `p.routing_id` if it routes to `p`; true if it did.
    bool unroute(const Peer& p)
    {
        if (find(p.routing_id) != &p)
            return false;
        erase(p.routing_id);
        return true;
    }

private:
    struct transparent_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };

    std::unordered_map<std::string, Peer*, transparent_hash, std::equal_to<>> peers_;
    std::uint32_t next_;
};

} // namespace zmtp::pattern
