// Endpoint strings: tcp://[source;]host:port, ipc://path, inproc://name (sans-I/O parsing).
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
/// directory; one starting with '@' names a socket in Linux's abstract namespace, which
/// has no file); for inproc, `path` is the name.
struct endpoint {
    zmtp::transport transport = transport::tcp;
    std::string host;
    std::uint16_t port = 0;
    std::string path;
    /// tcp connect only: the local address to connect from, written before the destination
    /// as in libzmq (`tcp://127.0.0.1:0;127.0.0.1:5555`, see `man zmq_tcp`). A host as
    /// bind() takes it (an address, an interface name or "*"); empty = the system chooses.
    std::string source_host;
    /// The local port to connect from; 0 = any.
    std::uint16_t source_port = 0;

    /// Whether `path` names an ipc socket in the abstract namespace ("@name").
    bool abstract_ipc() const noexcept { return transport == transport::ipc && path.starts_with('@'); }

    /// The canonical string form, e.g. "tcp://127.0.0.1:5555", "tcp://[::1]:5555" or
    /// "tcp://127.0.0.2:*;127.0.0.1:5555".
    std::string to_string() const;
};

/// Parses `text`. Errors (errc::invalid_endpoint): unknown scheme, missing or malformed
/// host (empty, over 253 characters, stray brackets, IPv6 without brackets) or port (it
/// must be 1..65535, or "*" or "0" for an ephemeral port, which only bind accepts), a
/// malformed source or one before a destination port of "*" or 0, empty ipc path or one
/// longer than a Unix socket path may be (107 bytes), empty inproc name.
/// On error `out` is left untouched.
std::error_code parse_endpoint(std::string_view text, endpoint& out);

/// As above; on error also sets `why` to the reason, e.g. "port must be 1..65535, * or 0"
/// or "unknown transport 'udp' (tcp, ipc, inproc)". On success `why` is left untouched.
std::error_code parse_endpoint(std::string_view text, endpoint& out, std::string& why);

/// A one-line message for `ec`, the error of a bind or connect to `text`: the endpoint,
/// then why. For errc::invalid_endpoint the reason parse_endpoint gives (or, for a tcp
/// endpoint that parses, that connect needs a port or that bind takes no source), for std::errc::no_such_device on a
/// tcp endpoint "no interface or host named '<host>'", else ec.message(). For example
/// "tcp://127.0.0.1:99999: port must be 1..65535, * or 0" or
/// "tcp://127.0.0.1:5555: Address already in use". Control characters in `text` are
/// escaped (\xNN) and a text over 200 bytes is cut, so the message stays one short line.
std::string describe_endpoint_error(std::string_view text, std::error_code ec);

} // namespace zmtp
