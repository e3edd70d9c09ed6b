// Socket monitor events: what happened to a socket's connections and listeners.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace zmtp {

/// Monitor event kinds; the values are libzmq's ZMQ_EVENT_* codes.
enum class monitor_event_type : std::uint32_t {
    connected = 0x1,                 ///< A connect attempt reached the peer (transport up).
    connect_delayed = 0x2,           ///< A tcp connect attempt is in progress (not yet refused or made).
    connect_retried = 0x4,           ///< A connect attempt failed; another is scheduled.
    listening = 0x8,                 ///< bind() succeeded.
    bind_failed = 0x10,              ///< bind() failed.
    accepted = 0x20,                 ///< A listener accepted a connection.
    accept_failed = 0x40,            ///< Accepting a connection failed.
    closed = 0x80,                   ///< A listener was closed (unbind or close).
    disconnected = 0x200,            ///< An established connection ended.
    handshake_failed_no_detail = 0x800, ///< A handshake failed: I/O error or timeout.
    handshake_succeeded = 0x1000,    ///< A ZMTP handshake completed; messages may flow.
    handshake_failed_protocol = 0x2000, ///< A handshake failed: the peer broke the protocol.
    /// A handshake failed on authentication: ZAP refused the peer, or the peer's ZAP
    /// refused us (its ERROR "400" or "500"); error says which (error_kind::authentication).
    handshake_failed_auth = 0x4000,
};

/// The libzmq-style name of `type`, e.g. "HANDSHAKE_SUCCEEDED".
std::string_view to_string(monitor_event_type type) noexcept;

/// One monitor event.
struct monitor_event {
    monitor_event_type type{};
    /// The endpoint concerned: the bound or connected endpoint string.
    std::string endpoint;
    /// The peer's routing id, when known (after a handshake on a ROUTER, or the peer's
    /// announced Identity elsewhere).
    std::string routing_id;
    /// Why: the error of a failure or disconnection; empty for successes (connect_delayed:
    /// std::errc::operation_in_progress).
    std::error_code error;
    /// The descriptor concerned, as libzmq's event value gives it: the connection's for
    /// connected, accepted and disconnected (then already closed: only a number), the
    /// listener's for listening and closed; -1 otherwise and for inproc.
    int fd = -1;
};

} // namespace zmtp
