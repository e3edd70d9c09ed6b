#include "zmtp/endpoint.hpp"

#include "zmtp/error.hpp"

#include <charconv>

namespace zmtp {
namespace {

/// Longest host: a DNS name is at most 253 characters.
constexpr std::size_t max_host = 253;

/// Longest Unix socket path: sizeof(sockaddr_un::sun_path) - 1 on Linux.
constexpr std::size_t max_ipc_path = 107;

std::error_code parse_tcp(std::string_view rest, endpoint& out)
{
    const std::size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos)
        return errc::invalid_endpoint;
    std::string_view host = rest.substr(0, colon);
    const std::string_view port = rest.substr(colon + 1);
    const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    if (bracketed)
        host = host.substr(1, host.size() - 2);
    else if (host.find(':') != std::string_view::npos)
        return errc::invalid_endpoint; // IPv6 addresses need brackets
    if (host.empty() || host.size() > max_host || host.find_first_of("[]") != std::string_view::npos)
        return errc::invalid_endpoint;
    out.host = std::string(host);
    if (port == "*" || port == "0") {
        out.port = 0;
        return {};
    }
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
        return errc::invalid_endpoint;
    out.port = static_cast<std::uint16_t>(value);
    return {};
}

} // namespace

std::error_code parse_endpoint(std::string_view text, endpoint& out)
{
    const std::size_t sep = text.find("://");
    if (sep == std::string_view::npos)
        return errc::invalid_endpoint;
    const std::string_view scheme = text.substr(0, sep);
    const std::string_view rest = text.substr(sep + 3);
    endpoint e;
    if (scheme == "tcp") {
        e.transport = transport::tcp;
        if (std::error_code ec = parse_tcp(rest, e))
            return ec;
    } else if (scheme == "ipc") {
        if (rest.empty() || rest.size() > max_ipc_path)
            return errc::invalid_endpoint;
        e.transport = transport::ipc;
        e.path = std::string(rest);
    } else if (scheme == "inproc") {
        if (rest.empty())
            return errc::invalid_endpoint;
        e.transport = transport::inproc;
        e.path = std::string(rest);
    } else {
        return errc::invalid_endpoint;
    }
    out = std::move(e);
    return {};
}

std::string endpoint::to_string() const
{
    switch (transport) {
    case transport::tcp: {
        const bool v6 = host.find(':') != std::string::npos;
        const std::string port_text = port == 0 ? "*" : std::to_string(port);
        return "tcp://" + (v6 ? "[" + host + "]" : host) + ":" + port_text;
    }
    case transport::ipc: return "ipc://" + path;
    case transport::inproc: return "inproc://" + path;
    }
    return {};
}

} // namespace zmtp
