// ZMTP metadata: the name/value properties carried by READY (sans-I/O).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace zmtp::wire {

/// One metadata property, viewed in place. Names are case-insensitive; values are bytes.
struct property {
    std::string_view name;
    std::string_view value;
};

/// The properties a peer announces: Socket-Type, Identity, Resource, X-* ...
///
/// Kept in their wire form, one contiguous string: a peer's metadata costs us the bytes it
/// sent and no more (a property of 6 bytes on the wire would otherwise take a hundred in
/// separate strings). Names are unique, compared case-insensitively.
class metadata {
public:
    /// Sets `name` to `value`, replacing an existing property of that name (any case).
    /// Precondition: is_valid_property_name(name) and value.size() < 2^32.
    void set(std::string_view name, std::string_view value);
    /// Removes the property named `name` (any case), if there is one.
    void erase(std::string_view name);
    /// Value of the property named `name` (compared case-insensitively).
    std::optional<std::string_view> get(std::string_view name) const noexcept;
    /// Calls `f(property)` for each property, in order.
    template <class F>
    void for_each(F&& f) const
    {
        for (std::size_t pos = 0; pos < encoded_.size();)
            f(read_at(pos));
    }
    bool empty() const noexcept { return encoded_.empty(); }

    /// Appends the wire form: per property `name-size(1) name value-size(4, BE) value`.
    void encode(std::vector<std::byte>& out) const;

    /// Parses the wire form, checking every length against what remains, every name, and
    /// that no name appears twice. Replaces `out` only on success. Work is O(n log n) in
    /// the number of properties. Errors: errc::malformed_metadata,
    /// errc::invalid_property_name, errc::duplicate_property.
    friend std::error_code parse_metadata(std::span<const std::byte> data, metadata& out);

private:
    /// The property at `pos` of encoded_ (well-formed), advancing `pos` past it.
    property read_at(std::size_t& pos) const noexcept;

    std::string encoded_; ///< The wire form.
};

/// True when `a` and `b` name the same property: equal but for ASCII letter case.
bool same_property_name(std::string_view a, std::string_view b) noexcept;

/// True when `name` is 1..255 characters of letters, digits, '-', '_', '.', '+'.
bool is_valid_property_name(std::string_view name) noexcept;

std::error_code parse_metadata(std::span<const std::byte> data, metadata& out);

} // namespace zmtp::wire
