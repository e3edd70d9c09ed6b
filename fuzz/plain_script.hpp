// What the PLAIN fuzz targets (fuzz_plain_server, fuzz_plain_client) share beyond
// mechanism_script.hpp: HELLO built and read independently of the library (RFC 24:
// `05 "HELLO" username-size(1) username password-size(1) password`), PLAIN's errors,
// and metadata compared property by property.
#pragma once

#include "mechanism_script.hpp"
#include "zmtp/error.hpp"
#include "zmtp/wire/command.hpp"
#include "zmtp/wire/mechanism.hpp"
#include "zmtp/wire/metadata.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace zmtp_fuzz::plain {

using zmtp::errc;
namespace wire = zmtp::wire;

/// A HELLO command body carrying `username` and `password` (each at most 255 bytes).
inline std::vector<std::byte> hello_body(std::string_view username, std::string_view password)
{
    std::vector<std::byte> body = {std::byte{5}, std::byte{'H'}, std::byte{'E'}, std::byte{'L'}, std::byte{'L'},
                                   std::byte{'O'}};
    for (const std::string_view s : {username, password}) {
        body.push_back(static_cast<std::byte>(s.size()));
        for (const char c : s)
            body.push_back(static_cast<std::byte>(c));
    }
    return body;
}

struct credentials {
    std::string username;
    std::string password;
};

/// The credentials in HELLO's data, if its two lengths add up to its size exactly.
inline std::optional<credentials> read_hello(std::span<const std::byte> data)
{
    if (data.empty())
        return std::nullopt;
    const auto user_size = static_cast<std::size_t>(data[0]);
    if (data.size() < 2 + user_size)
        return std::nullopt;
    const auto password_size = static_cast<std::size_t>(data[1 + user_size]);
    if (data.size() != 2 + user_size + password_size)
        return std::nullopt;
    return credentials{to_string(data.subspan(1, user_size)), to_string(data.subspan(2 + user_size))};
}

/// The properties of `m`, in order, as owned strings.
inline std::vector<std::pair<std::string, std::string>> properties_of(const wire::metadata& m)
{
    std::vector<std::pair<std::string, std::string>> out;
    m.for_each([&](wire::property p) { out.emplace_back(p.name, p.value); });
    return out;
}

inline wire::metadata metadata_of(std::string_view socket_type, std::string_view identity)
{
    wire::metadata m;
    m.set("Socket-Type", socket_type);
    if (!identity.empty())
        m.set("Identity", identity);
    m.set("X-Fuzz", "plain");
    return m;
}

/// True when `body` is the command `name` whose data is the metadata `expected`.
inline bool is_metadata_command(std::span<const std::byte> body, std::string_view name, const wire::metadata& expected)
{
    wire::command cmd;
    wire::metadata got;
    return !wire::parse_command(body, cmd) && cmd.name == name && !wire::parse_metadata(cmd.data, got)
        && properties_of(got) == properties_of(expected);
}

/// Hands one command body to a mechanism (offer()), checking that an error is one a
/// PLAIN mechanism gives for a command.
inline std::optional<std::error_code> give(wire::mechanism& m, std::span<const std::byte> body,
                                           wire::output_queue& out, wire::mechanism::time_point now)
{
    const std::optional<std::error_code> ec = offer(m, body, out, now);
    if (ec)
        ZMTP_FUZZ_CHECK(!*ec || *ec == errc::unexpected_command || *ec == errc::malformed_command
                        || *ec == errc::malformed_metadata || *ec == errc::invalid_property_name
                        || *ec == errc::duplicate_property);
    return ec;
}

/// What a mechanism made of one command body (see hand()).
struct step {
    enum { not_a_command, refused, taken } what;
    std::vector<std::vector<std::byte>> queued; ///< what it queued, when taken
};

/// Hands `body` to `m` (give()) and checks its answer against the model: `expected(cmd)`
/// is the error the model wants for the command, none when it is to be taken. A refused
/// command queues nothing and leaves done() as it was.
template <class Model>
step hand(wire::mechanism& m, std::span<const std::byte> body, wire::output_queue& out, Model expected)
{
    const bool was_done = m.done();
    const std::optional<std::error_code> ec = give(m, body, out, {});
    if (!ec)
        return {step::not_a_command, {}};
    std::vector<std::vector<std::byte>> queued = queued_commands(out);
    wire::command cmd;
    ZMTP_FUZZ_CHECK(!wire::parse_command(body, cmd));
    ZMTP_FUZZ_CHECK(*ec == expected(cmd));
    if (*ec) {
        ZMTP_FUZZ_CHECK(queued.empty() && m.done() == was_done);
        return {step::refused, {}};
    }
    return {step::taken, std::move(queued)};
}

} // namespace zmtp_fuzz::plain
