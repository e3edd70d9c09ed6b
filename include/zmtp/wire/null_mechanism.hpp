// The NULL security mechanism (RFC 23/37): no authentication, just metadata exchange.
#pragma once

#include "zmtp/wire/mechanism.hpp"

#include <system_error>

namespace zmtp::wire {

/// NULL handshake, identical for both roles: each side sends READY with its metadata and
/// waits for the peer's READY. A side that authenticates (a socket with a ZAP domain, as
/// in libzmq) first asks ZAP, with no credentials, and sends its READY only once admitted;
/// a refusal ends the handshake before it.
class null_mechanism final : public mechanism {
public:
    static constexpr std::string_view mechanism_name = "NULL";

    explicit null_mechanism(metadata ours, bool authenticate = false)
        : ours_(std::move(ours)), authenticate_(authenticate)
    {
    }

    std::string_view name() const noexcept override { return mechanism_name; }
    bool as_server() const noexcept override { return false; }
    /// Queues our READY, or asks for authentication first.
    std::error_code start(output_queue& out, time_point now) override;
    /// READY with well-formed metadata completes the handshake (once admitted); anything
    /// else is unexpected_command. Errors are told to the peer in an ERROR.
    std::error_code on_command(const command& cmd, output_queue& out, time_point now) override;
    const authentication_request* authentication_wanted() const noexcept override
    {
        return asking_ ? &request_ : nullptr;
    }
    /// Admitted: queues our READY.
    std::error_code on_authentication(const authentication_result& result, output_queue& out) override;
    bool done() const noexcept override { return admitted_ && peer_ready_; }
    const metadata& peer_metadata() const noexcept override { return peer_; }

private:
    metadata ours_;
    metadata peer_;
    bool authenticate_;
    bool asking_ = false;
    bool admitted_ = false;
    bool peer_ready_ = false;
    authentication_request request_{.mechanism = std::string(mechanism_name), .credentials = {}};
};

} // namespace zmtp::wire
