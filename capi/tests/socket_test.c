/* Contexts and sockets through the C API: endpoints, frames and multipart messages, the
   errno values libzmq gives, and a context's end. */
#include "check.h"

#include <zmq.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void test_req_rep(void *ctx, const char *bind_endpoint)
{
    void *rep = zmq_socket(ctx, ZMQ_REP);
    void *req = zmq_socket(ctx, ZMQ_REQ);
    CHECK(rep != NULL && req != NULL);
    CHECK(zmq_bind(rep, bind_endpoint) == 0);
    char endpoint[256];
    size_t size = sizeof endpoint;
    CHECK(zmq_getsockopt(rep, ZMQ_LAST_ENDPOINT, endpoint, &size) == 0);
    CHECK(size == strlen(endpoint) + 1);
    CHECK(zmq_connect(req, endpoint) == 0);

    int type = -1;
    size = sizeof type;
    CHECK(zmq_getsockopt(req, ZMQ_TYPE, &type, &size) == 0);
    CHECK(type == ZMQ_REQ && size == sizeof(int));

    /* A two-frame request, received frame by frame. */
    CHECK(zmq_send(req, "hello", 5, ZMQ_SNDMORE) == 5);
    CHECK(zmq_send(req, "world!", 6, 0) == 6);
    char buf[16];
    CHECK(zmq_recv(rep, buf, sizeof buf, 0) == 5);
    CHECK(memcmp(buf, "hello", 5) == 0);
    int more = 0;
    size = sizeof more;
    CHECK(zmq_getsockopt(rep, ZMQ_RCVMORE, &more, &size) == 0);
    CHECK(more == 1);
    /* A frame longer than the buffer is cut; the whole size is returned. */
    CHECK(zmq_recv(rep, buf, 3, 0) == 6);
    CHECK(memcmp(buf, "wor", 3) == 0);
    CHECK(zmq_getsockopt(rep, ZMQ_RCVMORE, &more, &size) == 0);
    CHECK(more == 0);

    /* The reply as zmq_msg_t frames. */
    zmq_msg_t msg;
    CHECK(zmq_msg_init_size(&msg, 4) == 0);
    memcpy(zmq_msg_data(&msg), "back", 4);
    CHECK(zmq_msg_send(&msg, rep, ZMQ_SNDMORE) == 4);
    CHECK(zmq_msg_size(&msg) == 0); /* sent: empty again */
    CHECK(zmq_send_const(rep, "const", 5, 0) == 5);
    CHECK(zmq_msg_recv(&msg, req, 0) == 4);
    CHECK(memcmp(zmq_msg_data(&msg), "back", 4) == 0);
    CHECK(zmq_msg_more(&msg) == 1);
    CHECK(zmq_msg_recv(&msg, req, 0) == 5);
    CHECK(memcmp(zmq_msg_data(&msg), "const", 5) == 0);
    CHECK(zmq_msg_more(&msg) == 0);
    CHECK(zmq_msg_get(&msg, ZMQ_MORE) == 0);
    CHECK(zmq_msg_close(&msg) == 0);

    /* REQ must receive before it sends again, REP before it replies. */
    CHECK(zmq_send(req, "one", 3, 0) == 3);
    errno = 0;
    CHECK(zmq_send(req, "two", 3, 0) == -1);
    CHECK(errno == EFSM);
    CHECK(zmq_recv(rep, buf, sizeof buf, 0) == 3);
    CHECK(zmq_send(rep, "ok", 2, 0) == 2);
    errno = 0;
    CHECK(zmq_send(rep, "again", 5, 0) == -1);
    CHECK(errno == EFSM);
    CHECK(zmq_recv(req, buf, sizeof buf, 0) == 2);

    CHECK(zmq_close(req) == 0);
    CHECK(zmq_close(rep) == 0);
}

static void test_options_and_errors(void *ctx)
{
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    char buf[8];
    errno = 0;
    CHECK(zmq_recv(pull, buf, sizeof buf, ZMQ_DONTWAIT) == -1);
    CHECK(errno == EAGAIN);

    int timeout = 50;
    CHECK(zmq_setsockopt(pull, ZMQ_RCVTIMEO, &timeout, sizeof timeout) == 0);
    int read_back = 0;
    size_t size = sizeof read_back;
    CHECK(zmq_getsockopt(pull, ZMQ_RCVTIMEO, &read_back, &size) == 0);
    CHECK(read_back == 50);
    errno = 0;
    CHECK(zmq_recv(pull, buf, sizeof buf, 0) == -1); /* waits 50 ms */
    CHECK(errno == EAGAIN);

    int linger = 0;
    CHECK(zmq_setsockopt(pull, ZMQ_LINGER, &linger, sizeof linger) == 0);
    CHECK(zmq_getsockopt(pull, ZMQ_LINGER, &read_back, &size) == 0);
    CHECK(read_back == 0);
    int hwm = 5;
    CHECK(zmq_setsockopt(pull, ZMQ_RCVHWM, &hwm, sizeof hwm) == 0);
    CHECK(zmq_getsockopt(pull, ZMQ_RCVHWM, &read_back, &size) == 0);
    CHECK(read_back == 5);
    errno = 0;
    CHECK(zmq_setsockopt(pull, ZMQ_RCVHWM, &hwm, 2) == -1); /* the wrong size */
    CHECK(errno == EINVAL);
    errno = 0;
    CHECK(zmq_setsockopt(pull, 9999, &hwm, sizeof hwm) == -1); /* no such option */
    CHECK(errno == EINVAL);
    errno = 0;
    CHECK(zmq_bind(pull, "nonsense://x") == -1);
    CHECK(errno == EPROTONOSUPPORT);
    errno = 0;
    CHECK(zmq_connect(pull, "tcp://") == -1); /* a known transport, malformed */
    CHECK(errno == EINVAL);
    errno = 0;
    CHECK(zmq_bind(pull, "tcp:*") == -1); /* no transport at all */
    CHECK(errno == EINVAL);
    char long_ipc[160] = "ipc:///tmp/";
    memset(long_ipc + strlen(long_ipc), 'a', 110);
    errno = 0;
    CHECK(zmq_bind(pull, long_ipc) == -1); /* more than a socket address holds */
    CHECK(errno == ENAMETOOLONG);
    errno = 0;
    CHECK(zmq_setsockopt(pull, ZMQ_LINGER, &(int){-2}, sizeof(int)) == -1);
    CHECK(errno == EINVAL);
    errno = 0;
    CHECK(zmq_setsockopt(pull, ZMQ_ROUTING_ID, NULL, 3) == -1);
    CHECK(errno == EINVAL);
    errno = 0;
    CHECK(zmq_unbind(pull, "tcp://127.0.0.1:1") == -1);
    CHECK(errno == ENOENT);
    CHECK(zmq_close(pull) == 0);
    /* A closed socket is no socket: every call says so (pyzmq asks ZMQ_TYPE to learn
       whether a socket is closed), and no call reads freed memory (the ASan build runs
       this too). */
    int type = 0;
    size_t type_size = sizeof type;
    errno = 0;
    CHECK(zmq_getsockopt(pull, ZMQ_TYPE, &type, &type_size) == -1);
    CHECK(errno == ENOTSOCK);
    errno = 0;
    CHECK(zmq_send(pull, "x", 1, ZMQ_DONTWAIT) == -1);
    CHECK(errno == ENOTSOCK);
    errno = 0;
    CHECK(zmq_close(pull) == -1);
    CHECK(errno == ENOTSOCK);
    /* Its memory serves the next socket, which is a live one. */
    void *next = zmq_socket(ctx, ZMQ_PUSH);
    CHECK(next != NULL);
    CHECK(zmq_getsockopt(next, ZMQ_TYPE, &type, &type_size) == 0 && type == ZMQ_PUSH);
    CHECK(zmq_close(next) == 0);

    int not_a_socket = 0;
    errno = 0;
    CHECK(zmq_send(&not_a_socket, "x", 1, 0) == -1);
    CHECK(errno == ENOTSOCK);
    errno = 0;
    CHECK(zmq_close(NULL) == -1);
    CHECK(errno == ENOTSOCK);
    errno = 0;
    CHECK(zmq_socket(ctx, 99) == NULL);
    CHECK(errno == EINVAL);
}

static volatile int small_freed = 0;
static void free_small(void *data, void *hint)
{
    (void)hint;
    if (memcmp(data, "abcd", 4) == 0)
        ++small_freed;
}

/* A small zmq_msg_init_data buffer is sent as it is when sent, then freed once. */
static void test_send_small_init_data(void *ctx)
{
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    CHECK(zmq_bind(pull, "inproc://capi-small-init-data") == 0);
    CHECK(zmq_connect(push, "inproc://capi-small-init-data") == 0);
    static char buffer[4] = {'x', 'x', 'x', 'x'};
    zmq_msg_t msg;
    CHECK(zmq_msg_init_data(&msg, buffer, sizeof buffer, free_small, NULL) == 0);
    memcpy(zmq_msg_data(&msg), "abcd", 4); /* written after init: what is sent */
    CHECK(small_freed == 0);
    CHECK(zmq_msg_send(&msg, push, 0) == 4);
    char got[8];
    CHECK(zmq_recv(pull, got, sizeof got, 0) == 4);
    CHECK(memcmp(got, "abcd", 4) == 0);
    for (int i = 0; i < 500 && small_freed == 0; ++i) /* libzmq frees on its I/O thread */
        usleep(10 * 1000);
    CHECK(small_freed == 1);
    CHECK(zmq_msg_close(&msg) == 0);
    CHECK(small_freed == 1);
    CHECK(zmq_close(push) == 0);
    CHECK(zmq_close(pull) == 0);
}

static void *receive_until_terminated(void *socket)
{
    char buf[8];
    static int result;
    result = zmq_recv(socket, buf, sizeof buf, 0) == -1 ? errno : 0;
    return &result;
}

static void test_termination(void)
{
    void *ctx = zmq_ctx_new();
    CHECK(zmq_ctx_get(ctx, ZMQ_IO_THREADS) == 1);
    CHECK(zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, 100) == 0);
    CHECK(zmq_ctx_get(ctx, ZMQ_MAX_SOCKETS) == 100);
    CHECK(zmq_ctx_get(ctx, ZMQ_MSG_T_SIZE) == 64);
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, receive_until_terminated, pull) == 0);
    usleep(50 * 1000); /* the receive is waiting (or about to: it fails with ETERM either way) */
    CHECK(zmq_ctx_shutdown(ctx) == 0);
    void *result = NULL;
    CHECK(pthread_join(thread, &result) == 0);
    CHECK(*(int *)result == ETERM);
    errno = 0;
    CHECK(zmq_socket(ctx, ZMQ_PUSH) == NULL); /* no new sockets on a shut-down context */
    CHECK(errno == ETERM);
    errno = 0;
    CHECK(zmq_send(pull, "x", 1, ZMQ_DONTWAIT) == -1);
    CHECK(errno == ETERM);
    CHECK(zmq_close(pull) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);
    /* A terminated context is no context (pyzmq's shadow contexts rely on it). */
    errno = 0;
    CHECK(zmq_socket(ctx, ZMQ_PULL) == NULL);
    CHECK(errno == EFAULT);
    errno = 0;
    CHECK(zmq_ctx_get(ctx, ZMQ_IO_THREADS) == -1);
    CHECK(errno == EFAULT);
}

/* inproc names belong to a context, as in libzmq: two contexts may bind the same one, and
   a connect finds its own context's. */
static void test_inproc_names_per_context(void)
{
    void *ctx1 = zmq_ctx_new();
    void *ctx2 = zmq_ctx_new();
    void *pull1 = zmq_socket(ctx1, ZMQ_PULL);
    void *pull2 = zmq_socket(ctx2, ZMQ_PULL);
    CHECK(zmq_bind(pull1, "inproc://capi-same-name") == 0);
    CHECK(zmq_bind(pull2, "inproc://capi-same-name") == 0);
    void *again = zmq_socket(ctx1, ZMQ_PULL);
    errno = 0;
    CHECK(zmq_bind(again, "inproc://capi-same-name") == -1);
    CHECK(errno == EADDRINUSE);
    void *push2 = zmq_socket(ctx2, ZMQ_PUSH);
    CHECK(zmq_connect(push2, "inproc://capi-same-name") == 0);
    CHECK(zmq_send(push2, "two", 3, 0) == 3);
    char buf[8];
    CHECK(zmq_recv(pull2, buf, sizeof buf, 0) == 3);
    CHECK(zmq_recv(pull1, buf, sizeof buf, ZMQ_DONTWAIT) == -1 && errno == EAGAIN);
    void *sockets[] = {pull1, pull2, again, push2};
    for (int i = 0; i < 4; ++i) {
        int linger = 0;
        zmq_setsockopt(sockets[i], ZMQ_LINGER, &linger, sizeof linger);
        CHECK(zmq_close(sockets[i]) == 0);
    }
    CHECK(zmq_ctx_term(ctx1) == 0);
    CHECK(zmq_ctx_term(ctx2) == 0);
}

int main(void)
{
    void *ctx = zmq_ctx_new();
    CHECK(ctx != NULL);
    char ipc[64];
    snprintf(ipc, sizeof ipc, "ipc:///tmp/zmtp-capi-%d.ipc", (int)getpid());
    test_req_rep(ctx, "inproc://capi-req-rep");
    test_req_rep(ctx, "tcp://127.0.0.1:*");
    test_req_rep(ctx, ipc);
    test_options_and_errors(ctx);
    test_send_small_init_data(ctx);
    CHECK(zmq_ctx_term(ctx) == 0);
    test_termination();
    test_inproc_names_per_context();
    return check_result();
}
