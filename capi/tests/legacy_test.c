/* libzmq's older names (zmq_init, zmq_term, zmq_ctx_destroy, zmq_sendmsg, zmq_recvmsg) and
   zmq_disconnect / zmq_unbind taking effect. */
#include "check.h"

#include <zmq.h>

#include <errno.h>
#include <string.h>

static void test_old_names(void)
{
    void *ctx = zmq_init(1);
    CHECK(ctx != NULL);
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    CHECK(zmq_bind(pull, "inproc://legacy") == 0);
    CHECK(zmq_connect(push, "inproc://legacy") == 0);
    zmq_msg_t msg;
    CHECK(zmq_msg_init_size(&msg, 3) == 0);
    memcpy(zmq_msg_data(&msg), "old", 3);
    CHECK(zmq_sendmsg(push, &msg, 0) == 3); /* the arguments in the old order */
    CHECK(zmq_msg_size(&msg) == 0);
    CHECK(zmq_recvmsg(pull, &msg, 0) == 3);
    CHECK(memcmp(zmq_msg_data(&msg), "old", 3) == 0);
    CHECK(zmq_msg_close(&msg) == 0);
    CHECK(zmq_close(push) == 0);
    CHECK(zmq_close(pull) == 0);
    CHECK(zmq_term(ctx) == 0);
    errno = 0;
    CHECK(zmq_init(-1) == NULL); /* no negative I/O thread count */
    CHECK(errno == EINVAL);

    ctx = zmq_ctx_new();
    CHECK(zmq_ctx_destroy(ctx) == 0);
    errno = 0;
    CHECK(zmq_ctx_destroy(ctx) == -1); /* gone */
    CHECK(errno == EFAULT);
}

/* After zmq_disconnect the peer gets nothing more from us; after zmq_unbind nobody new
   connects. */
static void test_disconnect_and_unbind(void)
{
    void *ctx = zmq_ctx_new();
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    int timeout = 200;
    CHECK(zmq_setsockopt(pull, ZMQ_RCVTIMEO, &timeout, sizeof timeout) == 0);
    CHECK(zmq_setsockopt(push, ZMQ_SNDTIMEO, &timeout, sizeof timeout) == 0);
    CHECK(zmq_bind(pull, "tcp://127.0.0.1:*") == 0);
    char endpoint[256];
    size_t size = sizeof endpoint;
    CHECK(zmq_getsockopt(pull, ZMQ_LAST_ENDPOINT, endpoint, &size) == 0);
    CHECK(zmq_connect(push, endpoint) == 0);
    char buf[8];
    CHECK(zmq_send(push, "a", 1, 0) == 1);
    CHECK(zmq_recv(pull, buf, sizeof buf, 0) == 1);
    CHECK(zmq_disconnect(push, endpoint) == 0);
    errno = 0;
    CHECK(zmq_send(push, "b", 1, 0) == -1); /* no peer left: the send times out */
    CHECK(errno == EAGAIN);
    errno = 0;
    CHECK(zmq_disconnect(push, endpoint) == -1); /* not connected there any more */
    CHECK(errno == ENOENT);

    CHECK(zmq_unbind(pull, endpoint) == 0);
    void *late = zmq_socket(ctx, ZMQ_PUSH);
    CHECK(zmq_setsockopt(late, ZMQ_SNDTIMEO, &timeout, sizeof timeout) == 0);
    CHECK(zmq_connect(late, endpoint) == 0);
    CHECK(zmq_send(late, "c", 1, 0) == 1); /* queued for a peer that never comes */
    CHECK(zmq_recv(pull, buf, sizeof buf, 0) == -1);
    CHECK(errno == EAGAIN);
    int linger = 0;
    void *sockets[] = {pull, push, late};
    for (int i = 0; i < 3; ++i) {
        zmq_setsockopt(sockets[i], ZMQ_LINGER, &linger, sizeof linger);
        CHECK(zmq_close(sockets[i]) == 0);
    }
    CHECK(zmq_ctx_term(ctx) == 0);
}

int main(void)
{
    test_old_names();
    test_disconnect_and_unbind();
    return check_result();
}
