// The NULL security mechanism (RFC 23/37): no authentication, just metadata exchange.
#pragma once

#include "zmtp/wire/command.hpp"
#include "zmtp/wire/metadata.hpp"

#include <cstddef>
#include <system_error>
#include <vector>

namespace zmtp::wire {

/// NULL handshake, identical for both roles: each side sends READY with its metadata and
/// waits for the peer's READY. `start()` gives the commands to send first, `on_command()`
/// consumes each peer command, `done()` says when the peer's metadata is known.
class null_mechanism {
public:
    static constexpr const char* name = "NULL";

    explicit null_mechanism(metadata ours) : ours_(std::move(ours)) {}

    /// Commands to send once greetings are exchanged: our READY.
    std::vector<std::byte> start() const { return encode_ready(ours_); }
    /// Handles one handshake command (ERROR is the connection's business). READY with
    /// well-formed metadata completes the handshake; anything else is unexpected_command.
    std::error_code on_command(const command& cmd);
    bool done() const noexcept { return done_; }
    /// What the peer announced. Valid once done().
    const metadata& peer_metadata() const noexcept { return peer_; }

private:
    metadata ours_;
    metadata peer_;
    bool done_ = false;
};

} // namespace zmtp::wire
