#include "zmtp/socket_type.hpp"

#include <array>
#include <utility>

namespace zmtp {
namespace {

constexpr std::array<std::pair<socket_type, std::string_view>, 11> names{{
    {socket_type::pair, "PAIR"},
    {socket_type::pub, "PUB"},
    {socket_type::sub, "SUB"},
    {socket_type::req, "REQ"},
    {socket_type::rep, "REP"},
    {socket_type::dealer, "DEALER"},
    {socket_type::router, "ROUTER"},
    {socket_type::pull, "PULL"},
    {socket_type::push, "PUSH"},
    {socket_type::xpub, "XPUB"},
    {socket_type::xsub, "XSUB"},
}};

} // namespace

std::string_view to_string(socket_type type) noexcept
{
    for (const auto& [t, name] : names)
        if (t == type)
            return name;
    return type == socket_type::stream ? "STREAM" : "UNKNOWN";
}

std::optional<socket_type> parse_socket_type(std::string_view name) noexcept
{
    for (const auto& [t, n] : names)
        if (n == name)
            return t;
    return std::nullopt;
}

bool is_compatible(socket_type ours, socket_type peer) noexcept
{
    using enum socket_type;
    switch (ours) {
    case req: return peer == rep || peer == router;
    case rep: return peer == req || peer == dealer;
    case dealer: return peer == rep || peer == dealer || peer == router;
    case router: return peer == req || peer == dealer || peer == router;
    case pub:
    case xpub: return peer == sub || peer == xsub;
    case sub:
    case xsub: return peer == pub || peer == xpub;
    case push: return peer == pull;
    case pull: return peer == push;
    case pair: return peer == pair;
    case stream: return false;
    }
    return false;
}

bool sends_identity(socket_type type) noexcept
{
    return type == socket_type::req || type == socket_type::dealer || type == socket_type::router;
}

bool speaks_zmtp(socket_type type) noexcept
{
    return type != socket_type::stream;
}

bool takes_subscriptions(socket_type type) noexcept
{
    return type == socket_type::pub || type == socket_type::xpub;
}

bool sends_subscription_commands(socket_type type) noexcept
{
    return type == socket_type::sub;
}

} // namespace zmtp
