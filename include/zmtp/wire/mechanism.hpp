// The security mechanism seam (sans-I/O): one interface for NULL, PLAIN and CURVE.
#pragma once

#include "zmtp/frame.hpp"
#include "zmtp/wire/command.hpp"
#include "zmtp/wire/metadata.hpp"
#include "zmtp/wire/output_queue.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace zmtp::wire {

/// Where a mechanism's randomness comes from: fills the span with random bytes. In a
/// socket it is libsodium's randombytes_buf; tests and fuzz targets pass a seeded one.
using random_source = std::function<void(std::span<std::byte>)>;

/// What a server mechanism asks a ZAP handler (RFC 27) before it admits the peer. The
/// runtime adds the version, request id, domain, address and identity frames.
struct authentication_request {
    std::string mechanism;                ///< "NULL", "PLAIN" or "CURVE"
    std::vector<std::string> credentials; ///< PLAIN: user name, password; CURVE: 32-byte key
};

/// The decision on an authentication_request: a ZAP reply, or the runtime's stand-in when
/// there is no handler.
struct authentication_result {
    std::string status_code; ///< "200" admits; "300" temporary, "400" denied, "500" error
    std::string status_text;
    /// The handler's User-Id, the property of the peer's messages; none when no handler
    /// was asked (the runtime's stand-in decision).
    std::optional<std::string> user_id;
    metadata properties;     ///< the handler's metadata, also properties of the messages
};

/// After a handshake that encrypts (CURVE), turns every frame into a MESSAGE command
/// carried in a data frame, and back.
class frame_box {
public:
    virtual ~frame_box() = default;
    /// Appends `body` with its flags (frame_flag::more, frame_flag::command) sealed in one
    /// MESSAGE, framed as a data frame (flags 0x00, or 0x02 when long), to `out`.
    virtual void seal(std::span<const std::byte> body, std::uint8_t flags, output_queue& out) = 0;
    /// Opens the body of a received MESSAGE data frame: `flags` gets its frame_flag::more
    /// and frame_flag::command bits, `body` the plaintext. Any forgery, replay, or a
    /// malformed MESSAGE is an error, and the connection closes.
    virtual std::error_code open(frame&& wire_body, std::uint8_t& flags, frame& body) = 0;
    /// As above, for a MESSAGE still in the input (a whole short frame): reads it in place.
    virtual std::error_code open(std::span<const std::byte> wire_body, std::uint8_t& flags, frame& body) = 0;
};

/// One side of a ZMTP security handshake (RFC 23 section "Security Handshake"). The
/// connection owns one: it announces name() and as_server() in its greeting, refuses a
/// peer whose greeting names another mechanism, calls start() once both greetings are
/// in, hands every handshake command but ERROR to on_command(), and is ready once done().
/// Commands for the peer go to the output queue the calls are given.
class mechanism {
public:
    using time_point = std::chrono::steady_clock::time_point;

    virtual ~mechanism() = default;

    /// The mechanism's name in the greeting: "NULL", "PLAIN" or "CURVE".
    virtual std::string_view name() const noexcept = 0;
    /// The greeting's as-server bit: set by PLAIN and CURVE servers, clear otherwise.
    virtual bool as_server() const noexcept = 0;

    /// Both greetings are exchanged: queues the commands this side sends first.
    virtual std::error_code start(output_queue& out, time_point now) = 0;
    /// Handles one handshake command of the peer, queueing any answer. An error ends the
    /// connection; what the mechanism queued first (an ERROR for the peer) is still sent.
    virtual std::error_code on_command(const command& cmd, output_queue& out, time_point now) = 0;

    /// Non-null while the handshake waits for an authentication decision: no command is
    /// handled until on_authentication() has the answer.
    virtual const authentication_request* authentication_wanted() const noexcept { return nullptr; }
    /// The decision on authentication_wanted(): "200" goes on with the handshake (queueing
    /// what it was waiting to send), anything else ends it with an error (see
    /// authentication_refused()).
    virtual std::error_code on_authentication(const authentication_result& result, output_queue& out) = 0;

    /// The handshake is complete: peer_metadata() is known and messages may flow.
    virtual bool done() const noexcept = 0;
    /// What the peer announced in its READY (or INITIATE). Valid once done().
    virtual const metadata& peer_metadata() const noexcept = 0;
    /// Once done(): the frame box when the mechanism encrypts (CURVE), else null.
    virtual frame_box* box() noexcept { return nullptr; }
};

/// How every mechanism ends a refused authentication, as libzmq does: status 400 and 500
/// queue an ERROR with the code as its reason and give authentication_denied and
/// authentication_error; 300 gives authentication_unavailable and any other code
/// authentication_error, both without an ERROR.
std::error_code authentication_refused(const authentication_result& result, output_queue& out);

/// What the peer's ERROR during a handshake means: the reasons authentication_refused()
/// sends (a ZAP status code) are authentication errors, anything else errc::peer_error.
std::error_code peer_refusal(std::string_view reason);

} // namespace zmtp::wire
