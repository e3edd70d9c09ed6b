#include "zmtp/error.hpp"

namespace zmtp {
namespace {

/// The family of an error (0: none of them, local misuse or conditions).
int kind_of(errc e) noexcept
{
    switch (e) {
    case errc::bad_signature:
    case errc::unsupported_zmtp_1_0:
    case errc::unsupported_zmtp_2_0:
    case errc::mechanism_mismatch:
    case errc::invalid_mechanism_name:
    case errc::reserved_flags_set:
    case errc::command_with_more:
    case errc::invalid_frame_size:
    case errc::message_too_large:
    case errc::command_too_large:
    case errc::command_inside_message:
    case errc::malformed_command:
    case errc::malformed_metadata:
    case errc::invalid_property_name:
    case errc::malformed_ping:
    case errc::malformed_error_command:
    case errc::handshake_too_large:
    case errc::unexpected_command:
    case errc::message_before_handshake:
    case errc::missing_socket_type:
    case errc::unknown_socket_type:
    case errc::incompatible_socket_type:
    case errc::invalid_identity:
    case errc::peer_error:
    case errc::handshake_timeout:
    case errc::heartbeat_timeout:
    case errc::duplicate_property:
    case errc::subscription_limit:
    case errc::decryption_failed:
    case errc::nonce_not_increasing:
    case errc::invalid_cookie:
    case errc::invalid_vouch: return static_cast<int>(error_kind::protocol);
    case errc::authentication_denied:
    case errc::authentication_unavailable:
    case errc::authentication_error: return static_cast<int>(error_kind::authentication);
    default: return 0;
    }
}

class kind_category final : public std::error_category {
public:
    const char* name() const noexcept override { return "zmtp.kind"; }
    std::string message(int value) const override
    {
        switch (static_cast<error_kind>(value)) {
        case error_kind::protocol: return "the peer broke the protocol or timed out";
        case error_kind::authentication: return "the peer was refused by authentication";
        }
        return "unknown zmtp error kind";
    }
};

class zmtp_category final : public std::error_category {
public:
    const char* name() const noexcept override { return "zmtp"; }

    std::string message(int value) const override
    {
        switch (static_cast<errc>(value)) {
        case errc::bad_signature: return "bad greeting signature";
        case errc::unsupported_zmtp_1_0: return "peer speaks ZMTP 1.0, which is not supported";
        case errc::unsupported_zmtp_2_0: return "peer speaks ZMTP 2.0, which is not supported";
        case errc::mechanism_mismatch: return "peer uses a different security mechanism";
        case errc::invalid_mechanism_name: return "invalid mechanism name in greeting";
        case errc::reserved_flags_set: return "frame has reserved flag bits set";
        case errc::command_with_more: return "command frame has the MORE flag";
        case errc::invalid_frame_size: return "frame size has the top bit set";
        case errc::message_too_large: return "message exceeds the maximum message size";
        case errc::command_too_large: return "command exceeds the maximum command size";
        case errc::command_inside_message: return "command frame inside a multipart message";
        case errc::malformed_command: return "malformed command";
        case errc::malformed_metadata: return "malformed metadata";
        case errc::invalid_property_name: return "invalid metadata property name";
        case errc::malformed_ping: return "malformed PING command";
        case errc::malformed_error_command: return "malformed ERROR command";
        case errc::handshake_too_large: return "handshake exceeds the maximum handshake size";
        case errc::unexpected_command: return "unexpected command during handshake";
        case errc::message_before_handshake: return "message received before the handshake completed";
        case errc::missing_socket_type: return "peer did not send its socket type";
        case errc::unknown_socket_type: return "peer sent an unknown socket type";
        case errc::incompatible_socket_type: return "peer socket type is incompatible";
        case errc::invalid_identity: return "peer identity is invalid";
        case errc::peer_error: return "peer sent an ERROR command";
        case errc::handshake_timeout: return "handshake timed out";
        case errc::heartbeat_timeout: return "heartbeat timed out";
        case errc::invalid_endpoint: return "invalid endpoint";
        case errc::invalid_state: return "operation not allowed in the socket's current state";
        case errc::would_block: return "operation would block";
        case errc::host_unreachable: return "no peer with that routing id";
        case errc::not_supported: return "operation not supported by this socket type";
        case errc::socket_closed: return "socket is closed";
        case errc::address_in_use: return "address already in use";
        case errc::duplicate_routing_id: return "routing id already in use by another peer";
        case errc::blocking_in_executor: return "blocking call on the thread that runs the socket's executor";
        case errc::not_ready: return "connection handshake is not complete";
        case errc::empty_message: return "message has no frames";
        case errc::connection_closed: return "connection is closed";
        case errc::out_of_memory: return "out of memory for the peer's input";
        case errc::duplicate_property: return "metadata names a property twice";
        case errc::invalid_argument: return "invalid argument";
        case errc::context_terminated: return "the socket's context was shut down";
        case errc::no_such_endpoint: return "the socket has no such endpoint";
        case errc::subscription_limit: return "the peer's subscription is over max_subscription_size or max_subscriptions";
        case errc::peer_already_connected: return "a PAIR socket already has its one peer";
        case errc::authentication_denied: return "authentication denied (ZAP status 400)";
        case errc::authentication_unavailable: return "authentication unavailable (ZAP status 300, or no ZAP handler)";
        case errc::authentication_error: return "authentication failed in the ZAP handler (status 500 or a malformed reply)";
        case errc::decryption_failed: return "a CURVE box does not open";
        case errc::nonce_not_increasing: return "a CURVE nonce is not above the last one";
        case errc::invalid_cookie: return "a CURVE cookie is not valid for this connection";
        case errc::invalid_vouch: return "a CURVE vouch is not valid for this connection";
        }
        return "unknown zmtp error";
    }

    /// The std::errc twin of an error, where it has one (the errno libzmq reports for the
    /// same condition), so that `ec == std::errc::resource_unavailable_try_again` holds
    /// for errc::would_block; the others compare equal only to themselves.
    std::error_condition default_error_condition(int value) const noexcept override
    {
        switch (static_cast<errc>(value)) {
        case errc::would_block: return std::errc::resource_unavailable_try_again;
        case errc::address_in_use: return std::errc::address_in_use;
        case errc::host_unreachable: return std::errc::host_unreachable;
        case errc::not_supported: return std::errc::operation_not_supported;
        case errc::invalid_endpoint:
        case errc::invalid_argument: return std::errc::invalid_argument;
        case errc::no_such_endpoint: return std::errc::no_such_file_or_directory;
        case errc::socket_closed: return std::errc::not_a_socket;
        case errc::message_too_large: return std::errc::message_size;
        case errc::out_of_memory: return std::errc::not_enough_memory;
        case errc::blocking_in_executor: return std::errc::resource_deadlock_would_occur;
        case errc::handshake_timeout:
        case errc::heartbeat_timeout: return std::errc::timed_out;
        default: return {value, *this};
        }
    }

    /// Also equal to its error_kind, besides its default condition.
    bool equivalent(int value, const std::error_condition& condition) const noexcept override
    {
        if (condition.category() == error_kind_category())
            return kind_of(static_cast<errc>(value)) == condition.value();
        return default_error_condition(value) == condition;
    }
};

} // namespace

const std::error_category& error_category() noexcept
{
    static const zmtp_category category;
    return category;
}

std::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

const std::error_category& error_kind_category() noexcept
{
    static const kind_category category;
    return category;
}

std::error_condition make_error_condition(error_kind k) noexcept
{
    return {static_cast<int>(k), error_kind_category()};
}

bool is_protocol_error(std::error_code ec) noexcept
{
    return ec == error_kind::protocol;
}

} // namespace zmtp
