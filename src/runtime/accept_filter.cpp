#include "runtime/accept_filter.hpp"

#include <algorithm>
#include <charconv>
#include <span>

namespace zmtp::detail {
namespace {

/// Whether the first `bits` bits of `a` and `b` (of one size) agree.
bool same_prefix(std::span<const unsigned char> a, std::span<const unsigned char> b, unsigned bits)
{
    const std::size_t whole = bits / 8;
    if (!std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(whole), b.begin()))
        return false;
    const unsigned rest = bits % 8;
    if (rest == 0)
        return true;
    const auto mask = static_cast<unsigned char>(0xFF << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

asio::ip::address unmapped(const asio::ip::address& a)
{
    if (a.is_v6() && a.to_v6().is_v4_mapped())
        return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
    return a;
}

} // namespace

bool accept_filter::matches(const asio::ip::address& peer_address) const
{
    const asio::ip::address peer = unmapped(peer_address);
    if (peer.is_v4() && address.is_v4())
        return same_prefix(peer.to_v4().to_bytes(), address.to_v4().to_bytes(), prefix_bits);
    if (peer.is_v6() && address.is_v6())
        return same_prefix(peer.to_v6().to_bytes(), address.to_v6().to_bytes(), prefix_bits);
    return false;
}

std::optional<accept_filter> parse_accept_filter(std::string_view text)
{
    const std::size_t slash = text.find('/');
    std::error_code ec;
    accept_filter filter;
    filter.address = asio::ip::make_address(std::string(text.substr(0, slash)), ec);
    if (ec || (filter.address.is_v6() && filter.address.to_v6().scope_id() != 0))
        return std::nullopt;
    const unsigned width = filter.address.is_v4() ? 32 : 128;
    filter.prefix_bits = width;
    if (slash != std::string_view::npos) {
        const std::string_view bits = text.substr(slash + 1);
        const auto [end, error] = std::from_chars(bits.data(), bits.data() + bits.size(), filter.prefix_bits);
        if (bits.empty() || error != std::errc{} || end != bits.data() + bits.size() || filter.prefix_bits > width)
            return std::nullopt;
    }
    return filter;
}

bool admitted(const std::vector<std::string>& filters, const asio::ip::address& peer)
{
    return filters.empty() || std::any_of(filters.begin(), filters.end(), [&](const std::string& text) {
               const std::optional<accept_filter> filter = parse_accept_filter(text);
               return filter && filter->matches(peer);
           });
}

} // namespace zmtp::detail
