// Endpoint strings: tcp://host:port, ipc://path, inproc://name (sans-I/O parsing).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace zmtp {

enum class transport { tcp, ipc, inproc };

/// A parsed endpoint. For tcp, `host` is a name, an IPv4 address, an IPv6 address (without
/// brackets) or "*" (any interface); `port` 0 stands for "*" (an ephemeral port).
/// For ipc, `path` is the Unix socket path (relative paths are relative to the current
/// directory); for inproc, `path` is the name.
struct endpoint {
    zmtp::transport transport = transport::tcp;
    std::string host;
    std::uint16_t port = 0;
    std::string path;

    /// The canonical string form, e.g. "tcp://127.0.0.1:5555" or "tcp://[::1]:5555".
    std::string to_string() const;
};

/// Parses `text`. Errors (errc::invalid_endpoint): unknown scheme, missing or malformed
/// host (empty, over 253 characters, stray brackets, IPv6 without brackets) or port (it
/// must be 1..65535, or "*" or "0" for an ephemeral port, which only bind accepts), empty
/// ipc path or one longer than a Unix socket path may be (107 bytes), empty inproc name.
std::error_code parse_endpoint(std::string_view text, endpoint& out);

} // namespace zmtp
