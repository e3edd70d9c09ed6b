/* zmq_proxy, zmq_proxy_steerable and zmq_device: forwarding between REQ and REP through
   ROUTER/DEALER with a capture socket, PAUSE/RESUME/TERMINATE, and -1/ETERM when the
   context ends. Passes on libzmq 4.3.4 too
   (gcc proxy_test.c -lzmq). */
#include "check.h"

#include <zmq.h>

#include <errno.h>
#include <string.h>

/* A message that does not come in this long fails the test instead of hanging it. */
#define WAIT_MS 5000

/* What a proxy thread runs on, and what its call returned. The sockets are made (and
   bound) by the main thread and handed over; the proxy thread closes them. */
struct proxy_run {
    void* frontend;
    void* backend;
    void* capture;
    void* control;
    int device; /* zmq_device instead of a proxy */
    int keep;   /* the main thread closes the sockets */
    int rc;
    int error;
};

static void close_now(void* s)
{
    if (!s)
        return;
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(s);
}

static void run_proxy(void* arg)
{
    struct proxy_run* run = arg;
    if (run->device)
        run->rc = zmq_device(ZMQ_QUEUE, run->frontend, run->backend);
    else if (run->control)
        run->rc = zmq_proxy_steerable(run->frontend, run->backend, run->capture, run->control);
    else
        run->rc = zmq_proxy(run->frontend, run->backend, run->capture);
    run->error = errno;
    if (run->keep)
        return;
    close_now(run->frontend);
    if (run->backend != run->frontend)
        close_now(run->backend);
    close_now(run->capture);
    close_now(run->control);
}

static void* socket_at(void* ctx, int type, const char* endpoint, int bind)
{
    void* s = zmq_socket(ctx, type);
    CHECK(s != NULL);
    int timeout = WAIT_MS;
    CHECK(zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout) == 0);
    CHECK((bind ? zmq_bind(s, endpoint) : zmq_connect(s, endpoint)) == 0);
    return s;
}

/* The proxy's ends, bound at inproc://<name>-front and inproc://<name>-back. */
static void bind_ends(struct proxy_run* run, void* ctx, int front_type, int back_type, const char* name)
{
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://%s-front", name);
    run->frontend = socket_at(ctx, front_type, endpoint, 1);
    snprintf(endpoint, sizeof endpoint, "inproc://%s-back", name);
    run->backend = socket_at(ctx, back_type, endpoint, 1);
}

/* Terminates the context, which ends the proxy thread's call with -1 and ETERM. */
static void end_with_context(void* ctx, void* thread, const struct proxy_run* run)
{
    CHECK(zmq_ctx_term(ctx) == 0); /* returns once the proxy thread has closed its sockets */
    zmq_threadclose(thread);
    CHECK(run->rc == -1);
    CHECK(run->error == ETERM);
}

/* Receives a message of `count` frames into `frames` (each up to 31 bytes, text). */
static int receive_frames(void* s, char frames[][32], int count)
{
    int received = 0;
    int more = 1;
    while (more) {
        char buf[32] = "";
        const int size = zmq_recv(s, buf, sizeof buf - 1, 0);
        if (size < 0)
            return -1;
        if (received < count) {
            memcpy(frames[received], buf, sizeof buf);
            frames[received][size < 31 ? size : 31] = '\0';
        }
        ++received;
        size_t more_size = sizeof more;
        CHECK(zmq_getsockopt(s, ZMQ_RCVMORE, &more, &more_size) == 0);
    }
    return received;
}

static void expect_text(void* s, const char* text)
{
    char buf[32] = "";
    const int size = zmq_recv(s, buf, sizeof buf - 1, 0);
    CHECK(size == (int)strlen(text));
    CHECK(strcmp(buf, text) == 0);
}

/* REQ -> ROUTER | DEALER -> REP and back; capture gets a copy of both messages, whole;
   the context's end makes zmq_proxy return -1 with ETERM. */
static void test_queue_with_capture(void)
{
    void* ctx = zmq_ctx_new();
    struct proxy_run run = {0};
    bind_ends(&run, ctx, ZMQ_ROUTER, ZMQ_DEALER, "queue");
    run.capture = socket_at(ctx, ZMQ_PAIR, "inproc://queue-capture", 1);
    void* captured = socket_at(ctx, ZMQ_PAIR, "inproc://queue-capture", 0);
    /* The capture connection is up before anything is captured (a capture that cannot
       take a copy at once loses it). */
    CHECK(zmq_send(captured, "up", 2, 0) == 2);
    expect_text(run.capture, "up");
    void* thread = zmq_threadstart(run_proxy, &run);

    void* req = socket_at(ctx, ZMQ_REQ, "inproc://queue-front", 0);
    void* rep = socket_at(ctx, ZMQ_REP, "inproc://queue-back", 0);
    CHECK(zmq_send(req, "hello", 5, 0) == 5);
    expect_text(rep, "hello");
    CHECK(zmq_send(rep, "world", 5, 0) == 5);
    expect_text(req, "world");

    /* Both ways, as the proxy forwarded them: routing id, empty delimiter, body. */
    char frames[3][32];
    CHECK(receive_frames(captured, frames, 3) == 3);
    CHECK(strcmp(frames[1], "") == 0);
    CHECK(strcmp(frames[2], "hello") == 0);
    CHECK(receive_frames(captured, frames, 3) == 3);
    CHECK(strcmp(frames[1], "") == 0);
    CHECK(strcmp(frames[2], "world") == 0);

    close_now(req);
    close_now(rep);
    close_now(captured);
    end_with_context(ctx, thread, &run);
}

/* PUSH -> PULL | PUSH -> PULL, steered by a PAIR. */
static void test_steerable(void)
{
    void* ctx = zmq_ctx_new();
    struct proxy_run run = {0};
    bind_ends(&run, ctx, ZMQ_PULL, ZMQ_PUSH, "steer");
    run.control = socket_at(ctx, ZMQ_PAIR, "inproc://steer-control", 1);
    run.keep = 1;
    void* thread = zmq_threadstart(run_proxy, &run);

    void* control = socket_at(ctx, ZMQ_PAIR, "inproc://steer-control", 0);
    void* source = socket_at(ctx, ZMQ_PUSH, "inproc://steer-front", 0);
    void* sink = socket_at(ctx, ZMQ_PULL, "inproc://steer-back", 0);
    CHECK(zmq_send(source, "a", 1, 0) == 1);
    expect_text(sink, "a");

    /* Paused, then resumed: what came meanwhile goes on. */
    CHECK(zmq_send(control, "PAUSE", 5, 0) == 5);
    CHECK(zmq_send(source, "b", 1, 0) == 1);
    CHECK(zmq_send(control, "RESUME", 6, 0) == 6);
    expect_text(sink, "b");

    /* Paused, then terminated: the message sent after the pause stays in the frontend.
       (The proxy takes commands in its own time and answers none: the pause is given a
       second before the message goes.) */
    CHECK(zmq_send(control, "PAUSE", 5, 0) == 5);
    zmq_sleep(1);
    CHECK(zmq_send(source, "c", 1, 0) == 1);
    CHECK(zmq_send(control, "TERMINATE", 9, 0) == 9);
    zmq_threadclose(thread);
    CHECK(run.rc == 0);
    expect_text(run.frontend, "c");
    char buf[8];
    CHECK(zmq_recv(sink, buf, sizeof buf, ZMQ_DONTWAIT) == -1 && errno == EAGAIN);

    close_now(run.frontend);
    close_now(run.backend);
    close_now(run.control);
    close_now(control);
    close_now(source);
    close_now(sink);
    CHECK(zmq_ctx_term(ctx) == 0);
}

/* zmq_device is zmq_proxy without a capture (its type is not looked at); the context's
   end makes it return -1 with ETERM. */
static void test_device(void)
{
    void* ctx = zmq_ctx_new();
    struct proxy_run run = {0};
    bind_ends(&run, ctx, ZMQ_PULL, ZMQ_PUSH, "device");
    run.device = 1;
    void* thread = zmq_threadstart(run_proxy, &run);
    void* source = socket_at(ctx, ZMQ_PUSH, "inproc://device-front", 0);
    void* sink = socket_at(ctx, ZMQ_PULL, "inproc://device-back", 0);
    CHECK(zmq_send(source, "through", 7, 0) == 7);
    expect_text(sink, "through");
    close_now(source);
    close_now(sink);
    end_with_context(ctx, thread, &run);
}

int main(void)
{
    test_queue_with_capture();
    test_steerable();
    test_device();
    return check_result();
}
