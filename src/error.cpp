#include "zmtp/error.hpp"

namespace zmtp {
namespace {

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

bool is_protocol_error(std::error_code ec) noexcept
{
    if (ec.category() != error_category())
        return false;
    const auto e = static_cast<errc>(ec.value());
    return (e >= errc::bad_signature && e <= errc::heartbeat_timeout) || e == errc::duplicate_property
        || e == errc::subscription_limit;
}

} // namespace zmtp
