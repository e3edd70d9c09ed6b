#include "zmtp/wire/metadata.hpp"

#include "zmtp/detail/big_endian.hpp"
#include "zmtp/error.hpp"

#include <algorithm>

namespace zmtp::wire {
namespace {

bool equal_ignoring_case(std::string_view a, std::string_view b) noexcept
{
    const auto lower = [](unsigned char c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; };
    return a.size() == b.size()
        && std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) {
               return lower(static_cast<unsigned char>(x)) == lower(static_cast<unsigned char>(y));
           });
}

void append_text(std::vector<std::byte>& out, std::string_view text)
{
    const auto* p = reinterpret_cast<const std::byte*>(text.data());
    out.insert(out.end(), p, p + text.size());
}

} // namespace

bool is_valid_property_name(std::string_view name) noexcept
{
    return !name.empty() && name.size() <= 255
        && std::all_of(name.begin(), name.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                   || c == '-' || c == '_' || c == '.' || c == '+';
           });
}

void metadata::set(std::string_view name, std::string_view value)
{
    for (property& p : properties_) {
        if (equal_ignoring_case(p.name, name)) {
            p.value = value;
            return;
        }
    }
    properties_.push_back({std::string(name), std::string(value)});
}

std::optional<std::string_view> metadata::get(std::string_view name) const noexcept
{
    for (const property& p : properties_)
        if (equal_ignoring_case(p.name, name))
            return p.value;
    return std::nullopt;
}

void metadata::encode(std::vector<std::byte>& out) const
{
    for (const property& p : properties_) {
        out.push_back(static_cast<std::byte>(p.name.size()));
        append_text(out, p.name);
        std::byte size[4];
        detail::store_big_endian(size, p.value.size(), 4);
        out.insert(out.end(), size, size + 4);
        append_text(out, p.value);
    }
}

std::error_code parse_metadata(std::span<const std::byte> data, metadata& out)
{
    const auto text = [&](std::size_t pos, std::size_t n) {
        return std::string_view(reinterpret_cast<const char*>(data.data() + pos), n);
    };
    std::size_t pos = 0;
    while (pos < data.size()) {
        const std::size_t name_size = static_cast<std::uint8_t>(data[pos++]);
        if (name_size > data.size() - pos)
            return errc::malformed_metadata;
        const std::string_view name = text(pos, name_size);
        if (!is_valid_property_name(name))
            return errc::invalid_property_name;
        pos += name_size;
        if (data.size() - pos < 4)
            return errc::malformed_metadata;
        const std::uint64_t value_size = detail::load_big_endian(data.data() + pos, 4);
        pos += 4;
        if (value_size > data.size() - pos)
            return errc::malformed_metadata;
        out.add({std::string(name), std::string(text(pos, value_size))});
        pos += value_size;
    }
    return {};
}

} // namespace zmtp::wire
