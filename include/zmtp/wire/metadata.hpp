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

/// One metadata property. Names are case-insensitive on lookup; values are bytes.
struct property {
    std::string name;
    std::string value;
};

/// The properties a peer announces: Socket-Type, Identity, Resource, X-* ...
class metadata {
public:
    /// Sets `name` to `value`, replacing an existing property of that name (any case).
    /// Precondition: is_valid_property_name(name) and value.size() < 2^32.
    void set(std::string_view name, std::string_view value);
    /// Value of the first property named `name` (compared case-insensitively).
    std::optional<std::string_view> get(std::string_view name) const noexcept;
    const std::vector<property>& properties() const noexcept { return properties_; }

    /// Appends the wire form: per property `name-size(1) name value-size(4, BE) value`.
    void encode(std::vector<std::byte>& out) const;

    /// Appends a property without replacing, as parsing does.
    void add(property p) { properties_.push_back(std::move(p)); }

private:
    std::vector<property> properties_;
};

/// True when `name` is 1..255 characters of letters, digits, '-', '_', '.', '+'.
bool is_valid_property_name(std::string_view name) noexcept;

/// Parses the wire form of metadata, checking every length against what remains.
/// Errors: errc::malformed_metadata, errc::invalid_property_name.
std::error_code parse_metadata(std::span<const std::byte> data, metadata& out);

} // namespace zmtp::wire
