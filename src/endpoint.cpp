#include "zmtp/endpoint.hpp"

#include "zmtp/error.hpp"

#include <charconv>
#include <string>

namespace zmtp {
namespace {

/// Longest host: a DNS name is at most 253 characters.
constexpr std::size_t max_host = 253;

/// Longest Unix socket path: sizeof(sockaddr_un::sun_path) - 1 on Linux.
constexpr std::size_t max_ipc_path = 107;

/// Longest endpoint text quoted in an error message.
constexpr std::size_t max_quoted = 200;

/// `text` fit for a one-line message: control characters as \xNN, cut after max_quoted
/// bytes (with the full length said).
std::string printable(std::string_view text)
{
    constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (const char ch : text.substr(0, max_quoted)) {
        const auto byte = static_cast<unsigned char>(ch);
        if (byte < 0x20 || byte == 0x7f) {
            out += "\\x";
            out += hex[byte >> 4];
            out += hex[byte & 0xf];
        } else {
            out += ch;
        }
    }
    if (text.size() > max_quoted)
        out += "... (" + std::to_string(text.size()) + " bytes)";
    return out;
}

/// Sets `why` (when wanted) and returns errc::invalid_endpoint.
std::error_code refuse(std::string* why, std::string_view reason)
{
    if (why)
        *why = reason;
    return errc::invalid_endpoint;
}

/// Parses "host:port" into `host` and `port`.
std::error_code parse_host_port(std::string_view rest, std::string& host_out, std::uint16_t& port_out, std::string* why)
{
    const std::size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos)
        return refuse(why, "missing port");
    std::string_view host = rest.substr(0, colon);
    const std::string_view port = rest.substr(colon + 1);
    const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    if (bracketed)
        host = host.substr(1, host.size() - 2);
    else if (host.find(':') != std::string_view::npos)
        return refuse(why, "an IPv6 address needs brackets, e.g. tcp://[::1]:5555");
    if (host.empty())
        return refuse(why, "missing host");
    if (host.size() > max_host)
        return refuse(why, "host longer than 253 characters");
    if (host.find_first_of("[]") != std::string_view::npos)
        return refuse(why, "unbalanced '[' or ']' in host");
    if (port == "*" || port == "0") {
        host_out = std::string(host);
        port_out = 0;
        return {};
    }
    if (port.empty())
        return refuse(why, "missing port");
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
        return refuse(why, "port must be 1..65535, * or 0");
    host_out = std::string(host);
    port_out = static_cast<std::uint16_t>(value);
    return {};
}

/// "[source;]host:port"; a source comes only before a destination port.
std::error_code parse_tcp(std::string_view rest, endpoint& out, std::string* why)
{
    const std::size_t semicolon = rest.find(';');
    if (semicolon == std::string_view::npos)
        return parse_host_port(rest, out.host, out.port, why);
    if (std::error_code ec = parse_host_port(rest.substr(0, semicolon), out.source_host, out.source_port, why)) {
        if (why)
            *why = "source: " + *why;
        return ec;
    }
    if (std::error_code ec = parse_host_port(rest.substr(semicolon + 1), out.host, out.port, why))
        return ec;
    if (out.port == 0)
        return refuse(why, "a source is for connect, which needs a destination port 1..65535");
    return {};
}

std::error_code parse(std::string_view text, endpoint& out, std::string* why)
{
    const std::size_t sep = text.find("://");
    if (sep == std::string_view::npos || sep == 0)
        return refuse(why, "missing transport (tcp://, ipc:// or inproc://)");
    const std::string_view scheme = text.substr(0, sep);
    const std::string_view rest = text.substr(sep + 3);
    endpoint e;
    if (scheme == "tcp") {
        e.transport = transport::tcp;
        if (std::error_code ec = parse_tcp(rest, e, why))
            return ec;
    } else if (scheme == "ipc") {
        if (rest.empty())
            return refuse(why, "missing ipc path");
        if (rest.size() > max_ipc_path)
            return refuse(why, "ipc path longer than 107 bytes");
        e.transport = transport::ipc;
        e.path = std::string(rest);
    } else if (scheme == "inproc") {
        if (rest.empty())
            return refuse(why, "missing inproc name");
        e.transport = transport::inproc;
        e.path = std::string(rest);
    } else {
        return refuse(why, "unknown transport '" + printable(scheme) + "' (tcp, ipc, inproc)");
    }
    out = std::move(e);
    return {};
}

/// "host:port" as an endpoint writes it: IPv6 in brackets, port 0 as "*".
std::string host_port(const std::string& host, std::uint16_t port)
{
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + (port == 0 ? "*" : std::to_string(port));
}

} // namespace

std::error_code parse_endpoint(std::string_view text, endpoint& out)
{
    return parse(text, out, nullptr);
}

std::error_code parse_endpoint(std::string_view text, endpoint& out, std::string& why)
{
    return parse(text, out, &why);
}

std::string describe_endpoint_error(std::string_view text, std::error_code ec)
{
    const std::string shown = text.empty() ? std::string("(empty endpoint)") : printable(text);
    if (!ec)
        return shown;
    endpoint e;
    std::string why;
    const std::error_code parsed = parse(text, e, &why);
    if (ec == errc::invalid_endpoint) {
        if (parsed)
            return shown + ": " + why;
        if (e.transport == transport::tcp && !e.source_host.empty())
            return shown + ": bind takes no source (source;destination is for connect)";
        if (e.transport == transport::tcp && e.port == 0)
            return shown + ": connect needs a port 1..65535 (* and 0 are for bind)";
    } else if (ec == std::errc::no_such_device && !parsed && e.transport == transport::tcp) {
        return shown + ": no interface or host named '" + printable(e.host) + "'";
    }
    return shown + ": " + ec.message();
}

std::string endpoint::to_string() const
{
    switch (transport) {
    case transport::tcp: {
        const std::string source = source_host.empty() ? "" : host_port(source_host, source_port) + ";";
        return "tcp://" + source + host_port(host, port);
    }
    case transport::ipc: return "ipc://" + path;
    case transport::inproc: return "inproc://" + path;
    }
    return {};
}

} // namespace zmtp
