// zmtp error codes: one std::error_category for everything the library reports.
#pragma once

#include <string>
#include <system_error>

namespace zmtp {

/// Every error zmtp reports. Those is_protocol_error() names are the peer's fault (a
/// protocol violation or a timeout); the connection that saw one is closed and never
/// restarted. The rest are local misuse or local conditions.
enum class errc {
    // --- greeting ---
    bad_signature = 1,        ///< Greeting does not start with 0xFF ... 0x7F.
    unsupported_zmtp_1_0,     ///< Peer speaks ZMTP 1.0 (legacy, refused).
    unsupported_zmtp_2_0,     ///< Peer speaks ZMTP 2.0 (legacy, refused).
    mechanism_mismatch,       ///< Peer's security mechanism differs from ours.
    invalid_mechanism_name,   ///< Mechanism field holds bytes outside the allowed set.
    // --- framing ---
    reserved_flags_set,       ///< A frame has one of the reserved flag bits 3..7 set.
    command_with_more,        ///< A command frame has the MORE flag.
    invalid_frame_size,       ///< A long frame size has its top bit set (>= 2^63).
    message_too_large,        ///< A frame or multipart message exceeds max_message_size.
    command_too_large,        ///< A command exceeds max_command_size.
    command_inside_message,   ///< A command arrived between the frames of one message.
    // --- commands and metadata ---
    malformed_command,        ///< Command name size is 0, exceeds the body, or not letters.
    malformed_metadata,       ///< A metadata length runs past the end of the command.
    invalid_property_name,    ///< A metadata name has characters outside [A-Za-z0-9-_.+].
    malformed_ping,           ///< PING shorter than its TTL or with a context over 16 bytes.
    malformed_error_command,  ///< ERROR command whose reason length does not match.
    // --- handshake ---
    handshake_too_large,      ///< Bytes received before the handshake ended exceed max_handshake_size.
    unexpected_command,       ///< A command not allowed at this point of the handshake.
    message_before_handshake, ///< A message frame arrived before the handshake completed.
    missing_socket_type,      ///< Peer's READY has no Socket-Type property.
    unknown_socket_type,      ///< Peer's Socket-Type is not a known socket type.
    incompatible_socket_type, ///< Peer's socket type cannot talk to ours.
    invalid_identity,         ///< Peer's Identity is over 255 bytes or starts with a zero byte.
    peer_error,               ///< Peer sent an ERROR command (see peer_error_reason()).
    handshake_timeout,        ///< Handshake not complete within handshake_timeout.
    heartbeat_timeout,        ///< No traffic from the peer within the heartbeat timeout or TTL.
    // --- local ---
    invalid_endpoint,         ///< An endpoint string is malformed or its transport unknown.
    invalid_state,            ///< The socket type's send/receive order forbids this (REQ/REP).
    would_block,              ///< Nothing can be done without waiting (dontwait, or a timeout expired).
    host_unreachable,         ///< ROUTER with router_mandatory: no peer has that routing id.
    not_supported,            ///< The socket type does not support this operation.
    socket_closed,            ///< The socket was closed.
    address_in_use,           ///< bind: the address (tcp port, ipc path, inproc name) is taken.
    duplicate_routing_id,     ///< ROUTER: a new peer announced a routing id already in use.
    blocking_in_executor,     ///< A blocking call from the thread running the socket's executor.
    not_ready,                ///< Sending on a connection whose handshake is not complete.
    empty_message,            ///< Sending a message with no frames (ZMTP cannot carry one).
    connection_closed,        ///< The connection is closed (by us, or after an earlier error).
    out_of_memory,            ///< Memory for the peer's input could not be allocated; that connection closes.
    // --- added later, the peer's fault ---
    duplicate_property,       ///< Peer's metadata names one property twice (names compare case-insensitively).
    // --- added later, local ---
    invalid_argument,         ///< An option or argument has a value it may not have (the exception says which).
    context_terminated,       ///< The socket's zmtp::context was shut down (libzmq's ETERM).
    no_such_endpoint,         ///< unbind/disconnect of an endpoint the socket does not have.
    // --- added later, the peer's fault ---
    subscription_limit,       ///< A peer's subscription is over max_subscription_size or max_subscriptions.
    peer_already_connected,   ///< PAIR: a second peer while the first is connected (refused).
    // --- added later, security (error_kind::authentication) ---
    authentication_denied,      ///< ZAP denied the peer (status 400); the peer gets ERROR "400".
    authentication_unavailable, ///< ZAP failed for now (300), or there is no ZAP handler where
                                ///< the mechanism needs one (a PLAIN server): the peer is refused.
    authentication_error,       ///< The ZAP handler failed (500: the peer gets ERROR "500"), or
                                ///< replied what RFC 27 does not allow.
    // --- added later, security (error_kind::protocol: the peer's fault) ---
    decryption_failed,          ///< A CURVE box does not open: forged, tampered, or another key.
    nonce_not_increasing,       ///< A CURVE short nonce is not above the last one (a replay).
    invalid_cookie,             ///< A CURVE INITIATE's cookie is not one this server made for this client.
    invalid_vouch,              ///< A CURVE INITIATE's vouch is not for this connection and server.
};

/// Families of errors, usable as std::error_condition: `ec == zmtp::error_kind::protocol`.
enum class error_kind {
    protocol = 1,   ///< The peer's fault: a protocol violation or a timeout (is_protocol_error()).
    authentication, ///< The peer was refused by the security handshake or by ZAP.
};

/// The category of all `zmtp::errc` values; its name() is "zmtp". Errors with a std::errc
/// twin (the errno libzmq reports) compare equal to it: would_block to
/// resource_unavailable_try_again, address_in_use, host_unreachable, not_supported to
/// operation_not_supported, invalid_endpoint and invalid_argument to invalid_argument, socket_closed to
/// not_a_socket, message_too_large to message_size, out_of_memory to not_enough_memory,
/// blocking_in_executor to resource_deadlock_would_occur, the timeouts to timed_out,
/// no_such_endpoint to no_such_file_or_directory (libzmq's ENOENT).
const std::error_category& error_category() noexcept;

/// Makes an error_code of the zmtp category (found by ADL for `std::error_code ec = errc::x`).
std::error_code make_error_code(errc e) noexcept;

/// The category of error_kind conditions; its name() is "zmtp.kind".
const std::error_category& error_kind_category() noexcept;

/// Makes an error_condition of an error_kind (found by ADL for `ec == error_kind::x`).
std::error_condition make_error_condition(error_kind k) noexcept;

/// True for the errors that are the peer's fault (protocol violations and timeouts):
/// `ec == error_kind::protocol`.
bool is_protocol_error(std::error_code ec) noexcept;

} // namespace zmtp

template <>
struct std::is_error_code_enum<zmtp::errc> : std::true_type {};

template <>
struct std::is_error_condition_enum<zmtp::error_kind> : std::true_type {};
