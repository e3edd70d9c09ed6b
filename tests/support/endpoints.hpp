// Endpoints in tests: fresh ones to bind, unique per process and call, so test cases (and
// test processes run in parallel) never share one; and the port of a bound tcp endpoint.
#pragma once

#include "zmtp/endpoint.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace zmtp_test {

/// A fresh ipc endpoint under /tmp (nobody listens there until a test binds it).
inline std::string unique_ipc()
{
    static std::atomic<int> counter{0};
    return "ipc:///tmp/zmtp-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".ipc";
}

/// A fresh inproc name.
inline std::string unique_inproc()
{
    static std::atomic<int> counter{0};
    return "inproc://zmtp-test-" + std::to_string(counter++);
}

/// The port of a tcp endpoint such as a socket's last_endpoint(), "tcp://127.0.0.1:40135".
/// Throws std::invalid_argument for text parse_endpoint() refuses.
inline std::uint16_t port_of(const std::string& endpoint)
{
    zmtp::endpoint parsed;
    if (zmtp::parse_endpoint(endpoint, parsed))
        throw std::invalid_argument("port_of: not an endpoint: " + endpoint);
    return parsed.port;
}

} // namespace zmtp_test
