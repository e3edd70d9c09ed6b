/* ZMQ_SOCKS_PROXY's value as libzmq keeps it: empty by default, NULL clears it, an empty
   string is refused. (The connection through a proxy: tests/socket/socks_proxy_test.cpp.) */
#include "check.h"

#include <zmq.h>

#include <errno.h>
#include <string.h>

static void check_proxy(void *s, const char *expected)
{
    char value[64];
    size_t size = sizeof value;
    CHECK(zmq_getsockopt(s, ZMQ_SOCKS_PROXY, value, &size) == 0);
    CHECK(size == strlen(expected) + 1);
    CHECK(strcmp(value, expected) == 0);
}

int main(void)
{
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    check_proxy(s, "");
    CHECK(zmq_setsockopt(s, ZMQ_SOCKS_PROXY, "127.0.0.1:1080", 14) == 0);
    check_proxy(s, "127.0.0.1:1080");
    errno = 0;
    CHECK(zmq_setsockopt(s, ZMQ_SOCKS_PROXY, "", 0) == -1);
    CHECK(errno == EINVAL);
    check_proxy(s, "127.0.0.1:1080");
    CHECK(zmq_setsockopt(s, ZMQ_SOCKS_PROXY, NULL, 0) == 0);
    check_proxy(s, "");
    CHECK(zmq_close(s) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);
    return check_result();
}
