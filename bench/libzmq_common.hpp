// Helpers of the libzmq reference programs (libzmq's C API only).
#pragma once

#include "bench_common.hpp"

#include <zmq.h>

// The capi_libzmq_* builds of these programs (bench/CMakeLists.txt) must take the drop-in's
// header, not the system's.
#if defined(ZMTP_BENCH_CAPI) && !defined(ZMTP_CAPI_ZMQ_H_INCLUDED)
#error "capi_libzmq_* programs must be compiled against capi/include/zmq.h"
#endif

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace bench {

/// Exits with libzmq's error text when `rc` is -1.
inline int zcheck(int rc, const char* what)
{
    if (rc == -1) {
        std::fprintf(stderr, "%s: %s\n", what, zmq_strerror(zmq_errno()));
        std::exit(1);
    }
    return rc;
}

inline void* zsocket(void* ctx, int type)
{
    void* s = zmq_socket(ctx, type);
    if (!s) {
        std::fprintf(stderr, "zmq_socket: %s\n", zmq_strerror(zmq_errno()));
        std::exit(1);
    }
    return s;
}

/// Sets an int option (ZMQ_LINGER, ZMQ_RCVTIMEO...).
inline void zset(void* s, int option, int value, const char* what)
{
    zcheck(zmq_setsockopt(s, option, &value, sizeof value), what);
}

/// Sets a CURVE key option to a Z85 key, which `z85` views with its terminating NUL
/// after it (passed along, 41 bytes, as zmq_setsockopt(3) asks).
inline void zset_key(void* s, int option, std::string_view z85, const char* what)
{
    zcheck(zmq_setsockopt(s, option, z85.data(), z85.size() + 1), what);
}

/// Makes `s` a CURVE server or client with bench::curve_test_keys (the libzmq side of
/// bench::set_curve); before bind or connect.
inline void zset_curve(void* s, curve_role role)
{
    if (role == curve_role::server) {
        zset(s, ZMQ_CURVE_SERVER, 1, "zmq_setsockopt(ZMQ_CURVE_SERVER)");
        zset_key(s, ZMQ_CURVE_SECRETKEY, curve_test_keys::server_secret, "zmq_setsockopt(ZMQ_CURVE_SECRETKEY)");
    } else {
        zset_key(s, ZMQ_CURVE_SERVERKEY, curve_test_keys::server_public, "zmq_setsockopt(ZMQ_CURVE_SERVERKEY)");
        zset_key(s, ZMQ_CURVE_PUBLICKEY, curve_test_keys::client_public, "zmq_setsockopt(ZMQ_CURVE_PUBLICKEY)");
        zset_key(s, ZMQ_CURVE_SECRETKEY, curve_test_keys::client_secret, "zmq_setsockopt(ZMQ_CURVE_SECRETKEY)");
    }
}

/// Subscribes a SUB socket to `topic` (a prefix; "" matches everything): the libzmq side
/// of bench::subscribe.
inline void zsubscribe(void* sub, std::string_view topic)
{
    zcheck(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, topic.data(), topic.size()), "zmq_setsockopt(ZMQ_SUBSCRIBE)");
}

/// Receives one whole message into `parts` (at most `max` frames; extra frames are counted
/// but dropped); returns the number of frames.
inline int zrecv_parts(void* s, zmq_msg_t* parts, int max)
{
    int n = 0;
    int more = 1;
    while (more) {
        zmq_msg_t scratch;
        zmq_msg_t* m = n < max ? &parts[n] : &scratch;
        if (n >= max)
            zmq_msg_init(&scratch);
        zcheck(zmq_msg_recv(m, s, 0), "zmq_msg_recv");
        more = zmq_msg_more(m);
        if (n >= max)
            zmq_msg_close(&scratch);
        ++n;
    }
    return n;
}

} // namespace bench
