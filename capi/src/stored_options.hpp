// What the C API keeps of a socket's options beside zmtp's own socket_options.
#pragma once

#include "zmtp/curve_key.hpp"

#include <cstdint>
#include <optional>

namespace zmtp::capi {

/// Options of a libzmq socket that zmtp's socket_options do not hold, with libzmq's
/// defaults (`man zmq_setsockopt`):
/// - options for what zmtp does not do (multicast, I/O threads, Windows' loopback fast
///   path), kept only to be read back, so that programs that set them keep working;
/// - ZMQ_IPV6: zmtp connects to IPv6 addresses and binds to the addresses it is given
///   whatever it says (tcp://*:port binds IPv4 only, as libzmq without ZMQ_IPV6), so it is
///   kept to be read back too (ZMQ_IPV4ONLY is its negation);
/// - the CURVE key pair as set: libzmq takes its halves in any order and ZMQ_CURVE_SERVER
///   before the secret key, zmtp takes a whole pair (socket_options.cpp passes it on).
struct stored_options {
    std::uint64_t affinity = 0;    // ZMQ_AFFINITY
    int rate = 100;                // ZMQ_RATE (kbit/s)
    int recovery_interval = 10000; // ZMQ_RECOVERY_IVL (ms)
    int multicast_hops = 1;        // ZMQ_MULTICAST_HOPS
    int multicast_max_tpdu = 1500; // ZMQ_MULTICAST_MAXTPDU (bytes)
    bool multicast_loop = true;    // ZMQ_MULTICAST_LOOP (draft)
    bool loopback_fastpath = false; // ZMQ_LOOPBACK_FASTPATH (draft, Windows only)
    bool ipv6 = false;             // ZMQ_IPV6
    std::optional<zmtp::curve_public_key> curve_public_key{}; // ZMQ_CURVE_PUBLICKEY
    std::optional<zmtp::curve_secret_key> curve_secret_key{}; // ZMQ_CURVE_SECRETKEY
};

} // namespace zmtp::capi
