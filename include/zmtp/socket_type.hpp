// zmtp::socket_type and the ZMTP socket-type compatibility rules.
#pragma once

#include <optional>
#include <string_view>

namespace zmtp {

/// The ZeroMQ socket types, as named in the Socket-Type property of ZMTP 3.x, in the order
/// of libzmq's ZMQ_PAIR (0) .. ZMQ_STREAM (11). STREAM speaks raw bytes, not ZMTP.
enum class socket_type { pair, pub, sub, req, rep, dealer, router, pull, push, xpub, xsub, stream };

/// The wire name of `type`, e.g. "DEALER" ("STREAM" has none on the wire).
std::string_view to_string(socket_type type) noexcept;

/// Parses a wire name (exact, upper case as ZMTP specifies); nullopt if unknown (and for
/// "STREAM", which no ZMTP peer can be).
std::optional<socket_type> parse_socket_type(std::string_view name) noexcept;

/// True when a socket of type `ours` may talk to a peer of type `peer` (ZMTP 3.x table).
bool is_compatible(socket_type ours, socket_type peer) noexcept;

/// True for the types that announce an Identity property in their READY (REQ, DEALER,
/// ROUTER), so that a ROUTER peer can use it as routing id.
bool sends_identity(socket_type type) noexcept;

/// False for STREAM, whose connections carry raw bytes: no greeting, handshake or framing.
bool speaks_zmtp(socket_type type) noexcept;

/// True for the types that take subscriptions from their peers (PUB, XPUB: RFC 29).
bool takes_subscriptions(socket_type type) noexcept;

/// True for the type whose subscriptions travel as SUBSCRIBE/CANCEL commands to ZMTP 3.1
/// peers (SUB; an XSUB sends the application's 0x01/0x00 messages as they are).
bool sends_subscription_commands(socket_type type) noexcept;

} // namespace zmtp
