// Helpers for the security tests (PLAIN, ZAP, the authenticator): client and server
// options, and the outcome of a handshake as a socket's monitor reports it.
#pragma once

#include "socket_test_support.hpp"
#include "zmtp/curve_key.hpp"
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

/// Fresh CURVE key pairs for a server and a client, and their sockets' options.
struct curve_setup {
    zmtp::curve_key_pair server = zmtp::curve_keypair();
    zmtp::curve_key_pair client = zmtp::curve_keypair();

    zmtp::socket_options server_options() const
    {
        zmtp::socket_options o = test_options();
        o.curve_server = true;
        o.curve_secret_key = server.secret_key;
        return o;
    }
    /// linger 0: a refused client would otherwise keep retrying to deliver at close.
    zmtp::socket_options client_options(const zmtp::curve_public_key& server_key) const
    {
        zmtp::socket_options o = test_options();
        o.linger = 0ms;
        o.curve_server_key = server_key;
        o.curve_secret_key = client.secret_key;
        return o;
    }
};

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
