// Helpers of the libzmq reference programs (libzmq's C API only).
#pragma once

#include <zmq.h>

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
