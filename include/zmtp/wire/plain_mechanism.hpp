// The PLAIN security mechanism (RFC 24): a user name and password in clear text, checked
// by the server through ZAP.
#pragma once

#include "zmtp/wire/mechanism.hpp"

#include <string>
#include <system_error>

namespace zmtp::wire {

/// The client's side: HELLO with the credentials, then INITIATE with our metadata once
/// WELCOMEd, and done at the server's READY.
class plain_client final : public mechanism {
public:
    /// `username` and `password`: at most 255 bytes each (longer is cut, as the one-byte
    /// lengths of HELLO require; the socket options refuse longer ones).
    plain_client(std::string username, std::string password, metadata ours);

    std::string_view name() const noexcept override { return "PLAIN"; }
    bool as_server() const noexcept override { return false; }
    /// Queues HELLO.
    std::error_code start(output_queue& out, time_point now) override;
    /// WELCOME (queues INITIATE), then READY; anything else is unexpected_command.
    std::error_code on_command(const command& cmd, output_queue& out, time_point now) override;
    /// A client is never asked to authenticate: unexpected_command.
    std::error_code on_authentication(const authentication_result& result, output_queue& out) override;
    bool done() const noexcept override { return stage_ == stage::done; }
    const metadata& peer_metadata() const noexcept override { return peer_; }

private:
    enum class stage { hello_sent, initiate_sent, done };

    std::string username_;
    std::string password_;
    metadata ours_;
    metadata peer_;
    stage stage_ = stage::hello_sent;
};

/// The server's side: a HELLO is passed to authentication (ZAP) with its user name and
/// password; once admitted, WELCOME; then INITIATE with the client's metadata, answered
/// with our READY.
class plain_server final : public mechanism {
public:
    explicit plain_server(metadata ours);

    std::string_view name() const noexcept override { return "PLAIN"; }
    bool as_server() const noexcept override { return true; }
    /// The client speaks first: queues nothing.
    std::error_code start(output_queue& out, time_point now) override;
    /// HELLO (asks for authentication), then INITIATE (queues READY). A HELLO whose
    /// lengths do not add up to its size is malformed_command; anything else at the wrong
    /// moment unexpected_command.
    std::error_code on_command(const command& cmd, output_queue& out, time_point now) override;
    const authentication_request* authentication_wanted() const noexcept override
    {
        return stage_ == stage::asking ? &request_ : nullptr;
    }
    /// Admitted: queues WELCOME.
    std::error_code on_authentication(const authentication_result& result, output_queue& out) override;
    bool done() const noexcept override { return stage_ == stage::done; }
    const metadata& peer_metadata() const noexcept override { return peer_; }

private:
    enum class stage { waiting_hello, asking, welcomed, done };

    metadata ours_;
    metadata peer_;
    authentication_request request_;
    stage stage_ = stage::waiting_hello;
};

/// HELLO's data: `username-size(1) username password-size(1) password` (RFC 24).
std::vector<std::byte> encode_plain_hello(std::string_view username, std::string_view password);

} // namespace zmtp::wire
