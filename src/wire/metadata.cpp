#include "zmtp/wire/metadata.hpp"

#include "zmtp/detail/big_endian.hpp"
#include "zmtp/error.hpp"

#include <algorithm>
#include <cstdint>

namespace zmtp::wire {
namespace {

unsigned char lower(unsigned char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + ('a' - 'A')) : c;
}

bool less_ignoring_case(std::string_view a, std::string_view b) noexcept
{
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return lower(static_cast<unsigned char>(x)) < lower(static_cast<unsigned char>(y));
    });
}

void append_property(std::string& out, std::string_view name, std::string_view value)
{
    out.push_back(static_cast<char>(name.size()));
    out.append(name);
    std::byte size[4];
    detail::store_big_endian(size, value.size(), 4);
    out.append(reinterpret_cast<const char*>(size), 4);
    out.append(value);
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

property metadata::read_at(std::size_t& pos) const noexcept
{
    const std::size_t name_size = static_cast<unsigned char>(encoded_[pos]);
    const std::string_view name(encoded_.data() + pos + 1, name_size);
    pos += 1 + name_size;
    const std::size_t value_size = detail::load_big_endian(reinterpret_cast<const std::byte*>(encoded_.data() + pos), 4);
    const std::string_view value(encoded_.data() + pos + 4, value_size);
    pos += 4 + value_size;
    return {name, value};
}

void metadata::set(std::string_view name, std::string_view value)
{
    // Built aside, so that `name` and `value` may even be views into this metadata.
    std::string rebuilt;
    bool replaced = false;
    for_each([&](property p) {
        const bool same = same_property_name(p.name, name);
        append_property(rebuilt, p.name, same ? value : p.value);
        replaced = replaced || same;
    });
    if (!replaced)
        append_property(rebuilt, name, value);
    encoded_ = std::move(rebuilt);
}

void metadata::erase(std::string_view name)
{
    std::string rebuilt;
    for_each([&](property p) {
        if (!same_property_name(p.name, name))
            append_property(rebuilt, p.name, p.value);
    });
    encoded_ = std::move(rebuilt);
}

bool same_property_name(std::string_view a, std::string_view b) noexcept
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return lower(static_cast<unsigned char>(x)) == lower(static_cast<unsigned char>(y));
           });
}

std::optional<std::string_view> metadata::get(std::string_view name) const noexcept
{
    for (std::size_t pos = 0; pos < encoded_.size();)
        if (const property p = read_at(pos); same_property_name(p.name, name))
            return p.value;
    return std::nullopt;
}

void metadata::encode(std::vector<std::byte>& out) const
{
    const auto* p = reinterpret_cast<const std::byte*>(encoded_.data());
    out.insert(out.end(), p, p + encoded_.size());
}

std::error_code parse_metadata(std::span<const std::byte> data, metadata& out)
{
    const auto text = [&](std::size_t pos, std::size_t n) {
        return std::string_view(reinterpret_cast<const char*>(data.data() + pos), n);
    };
    // Where each name starts, for the duplicate check.
    std::vector<std::size_t> names;
    std::size_t pos = 0;
    while (pos < data.size()) {
        const std::size_t name_size = static_cast<std::uint8_t>(data[pos]);
        if (name_size > data.size() - pos - 1)
            return errc::malformed_metadata;
        if (!is_valid_property_name(text(pos + 1, name_size)))
            return errc::invalid_property_name;
        names.push_back(pos);
        pos += 1 + name_size;
        if (data.size() - pos < 4)
            return errc::malformed_metadata;
        const std::uint64_t value_size = detail::load_big_endian(data.data() + pos, 4);
        pos += 4;
        if (value_size > data.size() - pos)
            return errc::malformed_metadata;
        pos += value_size;
    }
    const auto name_at = [&](std::size_t at) { return text(at + 1, static_cast<std::uint8_t>(data[at])); };
    std::sort(names.begin(), names.end(),
              [&](std::size_t a, std::size_t b) { return less_ignoring_case(name_at(a), name_at(b)); });
    const auto twice = std::adjacent_find(names.begin(), names.end(), [&](std::size_t a, std::size_t b) {
        return same_property_name(name_at(a), name_at(b));
    });
    if (twice != names.end())
        return errc::duplicate_property;
    out.encoded_.assign(text(0, data.size()));
    return {};
}

} // namespace zmtp::wire
