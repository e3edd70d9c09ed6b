#include "zmtp/peer_properties.hpp"

namespace zmtp {

peer_properties::peer_properties(const wire::metadata& peer, const wire::metadata& from_handler,
                                 const std::optional<std::string>& user_id, std::string_view peer_address,
                                 int source_fd)
    : all_(peer), source_fd_(source_fd)
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
    all_.for_each([&](wire::property p) {
        values_.append(p.value);
        values_.push_back('\0');
    });
}

std::optional<std::string_view> peer_properties::get(std::string_view name) const noexcept
{
    if (std::optional<std::string_view> value = find(name))
        return value;
    if (wire::same_property_name(name, "Routing-Id"))
        return find("Identity");
    return std::nullopt;
}

std::optional<std::string_view> peer_properties::find(std::string_view name) const noexcept
{
    std::optional<std::string_view> found;
    std::size_t offset = 0;
    all_.for_each([&](wire::property p) {
        if (!found && wire::same_property_name(p.name, name))
            found = std::string_view(values_).substr(offset, p.value.size());
        offset += p.value.size() + 1;
    });
    return found;
}

} // namespace zmtp
