// What the mechanism fuzz targets (CURVE's and PLAIN's) share: their script records, a
// command changed at one place, the commands a mechanism queued, and handing it one.
//
// Script format: records of
//     op(1) len(1) [len-hi(1) len-lo(1) when len == 255] data(len)
// A record cut short by the end of input uses the bytes that remain. What `op` means is
// up to each target (see the top of its file).
//
// A change ("how", the data of some records): BE16 offset (taken modulo the size) and an
// XOR mask; fewer than 3 bytes, or a zero mask, leave the bytes as they are.
#pragma once

#include "fuzz_util.hpp"
#include "support/curve_fixture.hpp"
#include "zmtp/wire/command.hpp"
#include "zmtp/wire/frame_header.hpp"
#include "zmtp/wire/mechanism.hpp"
#include "zmtp/wire/output_queue.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace zmtp_fuzz {

struct record {
    std::uint8_t op = 0;
    std::span<const std::byte> data;
};

/// Reads the records of a script, in order.
class record_reader {
public:
    explicit record_reader(std::span<const std::byte> script) noexcept : rest_(script) {}

    /// The next record, false at the end.
    bool next(record& r) noexcept
    {
        if (rest_.empty())
            return false;
        r.op = static_cast<std::uint8_t>(rest_[0]);
        std::size_t len = rest_.size() > 1 ? static_cast<std::uint8_t>(rest_[1]) : 0;
        std::size_t header = 2;
        if (len == 255 && rest_.size() >= 4) {
            len = static_cast<std::size_t>(static_cast<std::uint8_t>(rest_[2])) << 8 | static_cast<std::uint8_t>(rest_[3]);
            header = 4;
        }
        header = header < rest_.size() ? header : rest_.size();
        rest_ = rest_.subspan(header);
        r.data = rest_.first(len < rest_.size() ? len : rest_.size());
        rest_ = rest_.subspan(r.data.size());
        return true;
    }

private:
    std::span<const std::byte> rest_;
};

/// `body` changed as `how` says (see the top of this file).
inline std::vector<std::byte> changed(std::span<const std::byte> body, std::span<const std::byte> how)
{
    std::vector<std::byte> out(body.begin(), body.end());
    if (how.size() >= 3 && !out.empty()) {
        const std::size_t at = (static_cast<std::size_t>(how[0]) << 8 | static_cast<std::size_t>(how[1])) % out.size();
        out[at] ^= how[2];
    }
    return out;
}

inline bool same(std::span<const std::byte> a, std::span<const std::byte> b) noexcept
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

/// The bodies of the frames waiting in `q` (emptied), each checked to be a command.
inline std::vector<std::vector<std::byte>> queued_commands(zmtp::wire::output_queue& q)
{
    std::error_code ec;
    std::vector<zmtp::wire::decoded_frame> frames = zmtp_test::curve::take_frames(q, ec);
    ZMTP_FUZZ_CHECK(!ec);
    std::vector<std::vector<std::byte>> bodies;
    for (const zmtp::wire::decoded_frame& f : frames) {
        ZMTP_FUZZ_CHECK(f.command && !f.more);
        bodies.emplace_back(f.body.bytes().begin(), f.body.bytes().end());
    }
    return bodies;
}

/// The one command waiting in `q` (emptied).
inline std::vector<std::byte> only_command(zmtp::wire::output_queue& q)
{
    std::vector<std::vector<std::byte>> bodies = queued_commands(q);
    ZMTP_FUZZ_CHECK(bodies.size() == 1);
    return std::move(bodies[0]);
}

/// True when `body` is the command `name` of `size` bytes.
inline bool is_command(std::span<const std::byte> body, std::string_view name, std::size_t size)
{
    zmtp::wire::command cmd;
    return body.size() == size && !zmtp::wire::parse_command(body, cmd) && cmd.name == name;
}

/// Hands one command body to a mechanism, as the connection does, and returns what
/// on_command() said. Nothing when the body is no command at all: the connection refuses
/// it, the mechanism never sees it.
inline std::optional<std::error_code> offer(zmtp::wire::mechanism& m, std::span<const std::byte> body,
                                            zmtp::wire::output_queue& out, zmtp::wire::mechanism::time_point now)
{
    zmtp::wire::command cmd;
    if (zmtp::wire::parse_command(body, cmd))
        return std::nullopt;
    return m.on_command(cmd, out, now);
}

/// A status for on_authentication().
inline zmtp::wire::authentication_result status(std::string_view code)
{
    return {.status_code = std::string(code), .status_text = {}, .user_id = {}, .properties = {}};
}

/// The body of an ERROR command whose reason is a three-digit status `code`.
inline std::vector<std::byte> error_body(std::string_view code)
{
    std::vector<std::byte> body = {std::byte{5}, std::byte{'E'}, std::byte{'R'}, std::byte{'R'},
                                   std::byte{'O'}, std::byte{'R'}, std::byte(code.size())};
    for (const char c : code)
        body.push_back(std::byte(c));
    return body;
}

} // namespace zmtp_fuzz
