// What the CURVE fuzz targets (fuzz_curve_server, fuzz_curve_client, fuzz_curve_message)
// share beyond mechanism_script.hpp (the script records, a command changed at one place,
// the commands a mechanism queued): CURVE's errors, keys as credentials, and sealing.
#pragma once

#include "mechanism_script.hpp"
#include "support/curve_fixture.hpp"
#include "zmtp/error.hpp"
#include "zmtp/frame.hpp"
#include "zmtp/wire/command.hpp"
#include "zmtp/wire/frame_header.hpp"
#include "zmtp/wire/mechanism.hpp"
#include "zmtp/wire/output_queue.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace zmtp_fuzz::curve {

using zmtp::errc;
using zmtp_test::curve::key;
namespace wire = zmtp::wire;
using zmtp_fuzz::changed;
using zmtp_fuzz::error_body;
using zmtp_fuzz::is_command;
using zmtp_fuzz::only_command;
using zmtp_fuzz::queued_commands;
using zmtp_fuzz::record;
using zmtp_fuzz::record_reader;
using zmtp_fuzz::same;
using zmtp_fuzz::status;

/// Hands one command body to a mechanism (offer()), checking that an error is one a
/// CURVE mechanism gives for a command.
inline std::optional<std::error_code> give(wire::mechanism& m, std::span<const std::byte> body,
                                           wire::output_queue& out, wire::mechanism::time_point now)
{
    const std::optional<std::error_code> ec = offer(m, body, out, now);
    if (ec)
        ZMTP_FUZZ_CHECK(!*ec || *ec == errc::unexpected_command || *ec == errc::malformed_command
                        || *ec == errc::decryption_failed || *ec == errc::nonce_not_increasing
                        || *ec == errc::invalid_cookie || *ec == errc::invalid_vouch || *ec == errc::malformed_metadata
                        || *ec == errc::invalid_property_name || *ec == errc::duplicate_property);
    return ec;
}

/// A key as the 32-byte credential of a ZAP request.
inline std::string key_string(const key& k)
{
    return {reinterpret_cast<const char*>(k.data()), k.size()};
}

/// Seals `body` with `box` and returns the one data frame's body, checked to be a MESSAGE
/// data frame of the right size.
inline zmtp::frame seal(wire::frame_box& box, std::span<const std::byte> body, std::uint8_t flags)
{
    wire::output_queue q;
    box.seal(body, flags, q);
    std::error_code ec;
    std::vector<wire::decoded_frame> frames = zmtp_test::curve::take_frames(q, ec);
    ZMTP_FUZZ_CHECK(!ec && frames.size() == 1);
    ZMTP_FUZZ_CHECK(!frames[0].command && !frames[0].more);
    ZMTP_FUZZ_CHECK(frames[0].body.size() == 33 + body.size());
    return std::move(frames[0].body);
}

/// One message each way between two done mechanisms: both open, flags and body intact.
inline void check_messages_flow(wire::frame_box& a, wire::frame_box& b)
{
    static constexpr std::byte text[] = {std::byte{'h'}, std::byte{'i'}};
    for (wire::frame_box* from : {&a, &b}) {
        wire::frame_box& to = from == &a ? b : a;
        std::uint8_t flags = 0;
        zmtp::frame body;
        ZMTP_FUZZ_CHECK(!to.open(seal(*from, text, wire::frame_flag::more), flags, body));
        ZMTP_FUZZ_CHECK(flags == wire::frame_flag::more && same(body.bytes(), text));
    }
}

} // namespace zmtp_fuzz::curve
