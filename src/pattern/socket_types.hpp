// Which socket types have a pattern (routing logic) in zmtp so far.
#pragma once

#include "zmtp/socket_type.hpp"

namespace zmtp::pattern {

/// True for the types zmtp can make a socket of: REQ, REP, DEALER, ROUTER. The others
/// (PUB, SUB, XPUB, XSUB, PUSH, PULL, PAIR) come with issue 12.
constexpr bool has_pattern(socket_type type) noexcept
{
    return type == socket_type::req || type == socket_type::rep || type == socket_type::dealer
        || type == socket_type::router;
}

} // namespace zmtp::pattern
