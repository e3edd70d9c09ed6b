/* ZMQ_RECONNECT_IVL -1: no reconnection. A connect whose first attempt finds no listener
   tries no more; a connection that ends is not made again and its queue goes with it. */
#include "check.h"

#include <zmq.h>

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

static void *never_reconnecting_push(void *ctx)
{
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    int never = -1, linger = 0;
    CHECK(zmq_setsockopt(push, ZMQ_RECONNECT_IVL, &never, sizeof never) == 0);
    CHECK(zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger) == 0);
    return push;
}

static void *bound_pull(void *ctx, const char *endpoint)
{
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    int linger = 0;
    CHECK(zmq_setsockopt(pull, ZMQ_LINGER, &linger, sizeof linger) == 0);
    CHECK(zmq_bind(pull, endpoint) == 0);
    return pull;
}

static void test_option_values(void *ctx)
{
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int value = 0;
    size_t size = sizeof value;
    CHECK(zmq_getsockopt(s, ZMQ_RECONNECT_IVL, &value, &size) == 0);
    CHECK(value == 100);
    value = -1;
    CHECK(zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &value, sizeof value) == 0);
    value = 0;
    CHECK(zmq_getsockopt(s, ZMQ_RECONNECT_IVL, &value, &size) == 0);
    CHECK(value == -1);
    value = -2;
    errno = 0;
    CHECK(zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &value, sizeof value) == -1);
    CHECK(errno == EINVAL);
    value = 0;
    CHECK(zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &value, sizeof value) == 0);
    CHECK(zmq_close(s) == 0);
}

static void test_first_attempt_fails(void *ctx, const char *endpoint)
{
    void *push = never_reconnecting_push(ctx);
    CHECK(zmq_connect(push, endpoint) == 0);
    usleep(150 * 1000);
    void *pull = bound_pull(ctx, endpoint);
    usleep(150 * 1000);
    CHECK(zmq_send(push, "queued", 6, ZMQ_DONTWAIT) == 6); /* the endpoint's queue takes it */
    zmq_pollitem_t item = {pull, 0, ZMQ_POLLIN, 0};
    CHECK(zmq_poll(&item, 1, 300) == 0); /* and keeps it: nobody connects */
    CHECK(zmq_close(push) == 0);
    CHECK(zmq_close(pull) == 0);
}

static void test_connection_ends(void *ctx, const char *endpoint)
{
    void *pull = bound_pull(ctx, endpoint);
    void *push = never_reconnecting_push(ctx);
    CHECK(zmq_connect(push, endpoint) == 0);
    CHECK(zmq_send(push, "first", 5, 0) == 5);
    char buf[16];
    CHECK(zmq_recv(pull, buf, sizeof buf, 0) == 5);
    CHECK(zmq_close(pull) == 0);
    usleep(300 * 1000);
    pull = bound_pull(ctx, endpoint);
    usleep(300 * 1000);
    errno = 0;
    CHECK(zmq_send(push, "second", 6, ZMQ_DONTWAIT) == -1); /* no queue left to take it */
    CHECK(errno == EAGAIN);
    zmq_pollitem_t item = {pull, 0, ZMQ_POLLIN, 0};
    CHECK(zmq_poll(&item, 1, 50) == 0);
    CHECK(zmq_close(push) == 0);
    CHECK(zmq_close(pull) == 0);
}

int main(void)
{
    void *ctx = zmq_ctx_new();
    char first[64], second[64];
    snprintf(first, sizeof first, "ipc:///tmp/zmtp-capi-reconnect-%d-a", (int)getpid());
    snprintf(second, sizeof second, "ipc:///tmp/zmtp-capi-reconnect-%d-b", (int)getpid());
    test_option_values(ctx);
    test_first_attempt_fails(ctx, first);
    test_connection_ends(ctx, second);
    CHECK(zmq_ctx_term(ctx) == 0);
    unlink(first + 6);
    unlink(second + 6);
    return check_result();
}
