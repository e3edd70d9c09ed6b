// Helpers for the security tests (PLAIN, ZAP, the authenticator): client and server
// options, and the outcome of a handshake as a socket's monitor reports it.
#pragma once

#include "socket_test_support.hpp"
#include "zmtp/monitor.hpp"
#include "zmtp/socket.hpp"

#include <unistd.h>

#include <future>
#include <string>

namespace zmtp_test {

/// A PLAIN client's options: these credentials, and linger 0 (a refused client would
/// otherwise keep retrying to deliver at close).
inline zmtp::socket_options plain_client_options(std::string user, std::string password)
{
    zmtp::socket_options o = test_options();
    o.linger = 0ms;
    o.plain_username = std::move(user);
    o.plain_password = std::move(password);
    return o;
}

/// A PLAIN server's options.
inline zmtp::socket_options plain_server_options()
{
    zmtp::socket_options o = test_options();
    o.plain_server = true;
    return o;
}

/// The address a ZAP request and the Peer-Address property give for an ipc peer in this
/// process, as libzmq writes it: "localhost:UID:GID:PID".
inline std::string own_ipc_address()
{
    return "localhost:" + std::to_string(::getuid()) + ":" + std::to_string(::getgid()) + ":" +
           std::to_string(::getpid());
}

/// The first handshake outcome the monitor of `s` reports (success or a failure), waiting
/// at most 10 s.
inline zmtp::monitor_event handshake_outcome(zmtp::socket& s)
{
    for (;;) {
        std::future<zmtp::monitor_event> next = s.async_next_event(asio::use_future);
        REQUIRE(next.wait_for(10s) == std::future_status::ready);
        zmtp::monitor_event e = next.get();
        if (e.type == zmtp::monitor_event_type::handshake_succeeded
            || e.type == zmtp::monitor_event_type::handshake_failed_auth
            || e.type == zmtp::monitor_event_type::handshake_failed_protocol
            || e.type == zmtp::monitor_event_type::handshake_failed_no_detail)
            return e;
    }
}

} // namespace zmtp_test
