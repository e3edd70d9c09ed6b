/* Sending a multipart message frame by frame when the socket has no room: as libzmq, the
   first frame is refused (EAGAIN; EFSM or ENOTSUP when the socket may not send), so an application that retries the frame it was refused
   sends whole messages; once the first frame is taken, the rest of the message is too. */
#include "check.h"

#include <zmq.h>

#include <errno.h>
#include <string.h>

static int receive_frame(void *socket, const char *expected, int more_expected)
{
    char buf[32];
    const int n = zmq_recv(socket, buf, sizeof buf, 0);
    int more = 0;
    size_t size = sizeof more;
    if (zmq_getsockopt(socket, ZMQ_RCVMORE, &more, &size) != 0)
        return 0;
    return n == (int)strlen(expected) && memcmp(buf, expected, (size_t)n) == 0 && more == more_expected;
}

/* A socket with nowhere to send refuses a message at its first frame, waiting or not. */
static void test_no_peer(void *ctx, int type)
{
    void *s = zmq_socket(ctx, type);
    CHECK(s != NULL);
    errno = 0;
    CHECK(zmq_send(s, "first", 5, ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1);
    CHECK(errno == EAGAIN);
    int timeout = 20;
    CHECK(zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeout, sizeof timeout) == 0);
    errno = 0;
    CHECK(zmq_send(s, "first", 5, ZMQ_SNDMORE) == -1); /* waits 20 ms */
    CHECK(errno == EAGAIN);
    int linger = 0;
    CHECK(zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger) == 0);
    CHECK(zmq_close(s) == 0);
}

/* PUSH -> PULL with high-water marks of 1: a full pipe refuses the first frame; after
   the receiver takes a message, the retried message arrives whole and once. */
static void test_full_pipe(void *ctx)
{
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    int hwm = 1;
    CHECK(zmq_setsockopt(pull, ZMQ_RCVHWM, &hwm, sizeof hwm) == 0);
    CHECK(zmq_setsockopt(push, ZMQ_SNDHWM, &hwm, sizeof hwm) == 0);
    CHECK(zmq_bind(pull, "inproc://multipart-full") == 0);
    CHECK(zmq_connect(push, "inproc://multipart-full") == 0);

    /* Fill every queue between them with one-frame messages. */
    int sent = 0;
    while (sent < 100000 && zmq_send(push, "fill", 4, ZMQ_DONTWAIT) == 4)
        ++sent;
    CHECK(sent > 0 && sent < 100000);
    CHECK(errno == EAGAIN);

    errno = 0;
    CHECK(zmq_send(push, "a", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1);
    CHECK(errno == EAGAIN);

    /* Make room, then retry from the refused frame until the first frame is taken. */
    CHECK(receive_frame(pull, "fill", 0));
    --sent;
    int tries = 0;
    while (zmq_send(push, "a", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1 && errno == EAGAIN && tries < 1000) {
        ++tries;
        zmq_sleep(0);
        (void)zmq_poll(NULL, 0, 1);
    }
    CHECK(tries < 1000);
    CHECK(zmq_send(push, "b", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT) == 1);
    CHECK(zmq_send(push, "c", 1, 0) == 1); /* the rest of a message goes though it is full */

    while (sent-- > 0)
        CHECK(receive_frame(pull, "fill", 0));
    CHECK(receive_frame(pull, "a", 1));
    CHECK(receive_frame(pull, "b", 1));
    CHECK(receive_frame(pull, "c", 0));
    char buf[8];
    errno = 0;
    CHECK(zmq_recv(pull, buf, sizeof buf, ZMQ_DONTWAIT) == -1);
    CHECK(errno == EAGAIN);

    int linger = 0;
    CHECK(zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger) == 0);
    CHECK(zmq_close(push) == 0);
    CHECK(zmq_close(pull) == 0);
}

/* A socket whose order or kind forbids sending says so at the first frame. */
static void test_refused_by_type(void *ctx)
{
    void *rep = zmq_socket(ctx, ZMQ_REP);
    void *req = zmq_socket(ctx, ZMQ_REQ);
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    CHECK(zmq_bind(rep, "inproc://multipart-order") == 0);
    CHECK(zmq_connect(req, "inproc://multipart-order") == 0);
    errno = 0;
    CHECK(zmq_send(rep, "reply", 5, ZMQ_SNDMORE) == -1); /* nothing to reply to */
    CHECK(errno == EFSM);
    CHECK(zmq_send(req, "q", 1, ZMQ_SNDMORE) == 1);
    CHECK(zmq_send(req, "uestion", 7, 0) == 7);
    errno = 0;
    CHECK(zmq_send(req, "again", 5, ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1); /* the reply comes first */
    CHECK(errno == EFSM);
    CHECK(receive_frame(rep, "q", 1));
    CHECK(receive_frame(rep, "uestion", 0));
    errno = 0;
    CHECK(zmq_send(pull, "x", 1, ZMQ_SNDMORE) == -1);
    CHECK(errno == ENOTSUP);
    CHECK(zmq_close(pull) == 0);
    CHECK(zmq_close(req) == 0);
    CHECK(zmq_close(rep) == 0);
}

/* ROUTER_MANDATORY (and STREAM) refuse a message to an unknown peer at its first frame,
   the routing id: EHOSTUNREACH; a known one takes it. */
static void test_unknown_routing_id(void *ctx)
{
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    int mandatory = 1;
    CHECK(zmq_setsockopt(router, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof mandatory) == 0);
    CHECK(zmq_bind(router, "inproc://multipart-router") == 0);
    errno = 0;
    CHECK(zmq_send(router, "nobody", 6, ZMQ_SNDMORE) == -1);
    CHECK(errno == EHOSTUNREACH);

    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(zmq_setsockopt(dealer, ZMQ_ROUTING_ID, "d", 1) == 0);
    CHECK(zmq_connect(dealer, "inproc://multipart-router") == 0);
    CHECK(zmq_send(dealer, "hello", 5, 0) == 5); /* the router knows "d" once this arrives */
    CHECK(receive_frame(router, "d", 1));
    CHECK(receive_frame(router, "hello", 0));
    CHECK(zmq_send(router, "d", 1, ZMQ_SNDMORE) == 1);
    CHECK(zmq_send(router, "reply", 5, 0) == 5);
    CHECK(receive_frame(dealer, "reply", 0));
    CHECK(zmq_close(dealer) == 0);
    CHECK(zmq_close(router) == 0);

    void *stream = zmq_socket(ctx, ZMQ_STREAM);
    CHECK(zmq_bind(stream, "tcp://127.0.0.1:*") == 0);
    errno = 0;
    CHECK(zmq_send(stream, "nobody", 6, ZMQ_SNDMORE) == -1);
    CHECK(errno == EHOSTUNREACH);
    CHECK(zmq_close(stream) == 0);
}

/* ROUTER_MANDATORY to a full peer, waiting up to SNDTIMEO: zmtp refuses the last frame
   (EAGAIN; libzmq refuses the routing id) and keeps the id, so sending the last frame
   again completes the message. */
static void test_full_mandatory_peer(void *ctx)
{
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    int one = 1, timeout = 50, linger = 0;
    CHECK(zmq_setsockopt(router, ZMQ_ROUTER_MANDATORY, &one, sizeof one) == 0);
    CHECK(zmq_setsockopt(router, ZMQ_SNDHWM, &one, sizeof one) == 0);
    CHECK(zmq_setsockopt(router, ZMQ_SNDTIMEO, &timeout, sizeof timeout) == 0);
    CHECK(zmq_setsockopt(router, ZMQ_LINGER, &linger, sizeof linger) == 0);
    CHECK(zmq_setsockopt(dealer, ZMQ_RCVHWM, &one, sizeof one) == 0);
    CHECK(zmq_setsockopt(dealer, ZMQ_ROUTING_ID, "d", 1) == 0);
    CHECK(zmq_bind(router, "inproc://multipart-full-router") == 0);
    CHECK(zmq_connect(dealer, "inproc://multipart-full-router") == 0);
    CHECK(zmq_send(dealer, "hello", 5, 0) == 5);
    CHECK(receive_frame(router, "d", 1));
    CHECK(receive_frame(router, "hello", 0));

    int sent = 0, rc = 0;
    while (sent < 100000 && zmq_send(router, "d", 1, ZMQ_SNDMORE) == 1 && (rc = zmq_send(router, "fill", 4, 0)) == 4)
        ++sent;
    CHECK(sent > 0 && sent < 100000);
    CHECK(rc == -1 && errno == EAGAIN); /* the body, after waiting SNDTIMEO */
    while (sent-- > 0)
        CHECK(receive_frame(dealer, "fill", 0));
    CHECK(zmq_send(router, "last", 4, 0) == 4); /* the kept id, then this */
    CHECK(receive_frame(dealer, "last", 0));
    char buf[8];
    errno = 0;
    CHECK(zmq_recv(dealer, buf, sizeof buf, ZMQ_DONTWAIT) == -1 && errno == EAGAIN);
    CHECK(zmq_close(dealer) == 0);
    CHECK(zmq_close(router) == 0);
}

int main(void)
{
    void *ctx = zmq_ctx_new();
    test_no_peer(ctx, ZMQ_PUSH);
    test_no_peer(ctx, ZMQ_DEALER);
    test_no_peer(ctx, ZMQ_REQ);
    test_full_pipe(ctx);
    test_refused_by_type(ctx);
    test_unknown_routing_id(ctx);
    test_full_mandatory_peer(ctx);
    CHECK(zmq_ctx_term(ctx) == 0);
    return check_result();
}
