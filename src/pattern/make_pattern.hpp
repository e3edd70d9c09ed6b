// The one place that maps a socket type to its pattern.
#pragma once

#include "pattern/dealer_pattern.hpp"
#include "pattern/pair_pattern.hpp"
#include "pattern/pub_pattern.hpp"
#include "pattern/push_pull_pattern.hpp"
#include "pattern/rep_pattern.hpp"
#include "pattern/req_pattern.hpp"
#include "pattern/router_pattern.hpp"
#include "pattern/socket_pattern.hpp"
#include "pattern/stream_pattern.hpp"
#include "pattern/sub_pattern.hpp"
#include "zmtp/socket_type.hpp"

#include <cstdint>
#include <memory>

namespace zmtp::pattern {

/// The pattern of a `type` socket over `queues`, or nullptr if zmtp has none for it.
/// `seed` is random: REQ's first request id, ROUTER's and STREAM's first generated
/// routing id.
template <class Peer>
std::unique_ptr<socket_pattern<Peer>> make_pattern(socket_type type, peer_queues<Peer>& queues,
                                                   const socket_options& options, std::uint32_t seed)
{
    switch (type) {
    case socket_type::dealer: return std::make_unique<dealer_pattern<Peer>>(queues, options);
    case socket_type::req: return std::make_unique<req_pattern<Peer>>(queues, options, seed);
    case socket_type::rep: return std::make_unique<rep_pattern<Peer>>(queues);
    case socket_type::router: return std::make_unique<router_pattern<Peer>>(queues, options, seed);
    case socket_type::pub: return std::make_unique<pub_pattern<Peer>>(queues, options, false);
    case socket_type::xpub: return std::make_unique<pub_pattern<Peer>>(queues, options, true);
    case socket_type::sub: return std::make_unique<sub_pattern<Peer>>(queues, options, false);
    case socket_type::xsub: return std::make_unique<sub_pattern<Peer>>(queues, options, true);
    case socket_type::push: return std::make_unique<push_pattern<Peer>>(queues, options);
    case socket_type::pull: return std::make_unique<pull_pattern<Peer>>();
    case socket_type::pair: return std::make_unique<pair_pattern<Peer>>(queues);
    case socket_type::stream: return std::make_unique<stream_pattern<Peer>>(queues, options, seed);
    }
    return nullptr;
}

} // namespace zmtp::pattern
