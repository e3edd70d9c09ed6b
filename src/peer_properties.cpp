#include "zmtp/peer_properties.hpp"

namespace zmtp {

peer_properties::peer_properties(const wire::metadata& peer, const wire::metadata& from_handler,
                                 const std::optional<std::string>& user_id, std::string_view peer_address)
    : all_(peer)
{
    // Facts of this side, which a peer must not forge.
    all_.erase("User-Id");
    all_.erase("Peer-Address");
    from_handler.for_each([&](wire::property p) { all_.set(p.name, p.value); });
    if (user_id)
        all_.set("User-Id", *user_id);
    else
        all_.erase("User-Id"); // the handler's metadata does not stand in for its User-Id frame
    if (!peer_address.empty())
        all_.set("Peer-Address", peer_address);
}

std::optional<std::string_view> peer_properties::get(std::string_view name) const noexcept
{
    if (std::optional<std::string_view> value = all_.get(name))
        return value;
    if (wire::same_property_name(name, "Routing-Id"))
        return all_.get("Identity");
    return std::nullopt;
}

} // namespace zmtp
