/* A signal interrupts a blocking zmq_recv, zmq_send and zmq_poll with EINTR (as libzmq), so
   a program's signal handlers run; the context's I/O thread takes no signal. */
#define _GNU_SOURCE
#include "check.h"

#include <zmq.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

static atomic_int handled; /* lock-free: safe in a handler, and read by another thread */
static void on_signal(int sig)
{
    (void)sig;
    atomic_fetch_add(&handled, 1);
}

enum call { RECV, SEND, POLL };

struct blocked {
    void *socket;
    enum call call;
    int rc;
    int err;
};

static void *block(void *arg)
{
    struct blocked *b = arg;
    char buf[4];
    zmq_pollitem_t item = {b->socket, 0, ZMQ_POLLIN, 0};
    switch (b->call) {
    case RECV: b->rc = zmq_recv(b->socket, buf, sizeof buf, 0); break;
    case SEND: b->rc = zmq_send(b->socket, "x", 1, 0); break;
    case POLL: b->rc = zmq_poll(&item, 1, -1); break;
    }
    b->err = errno;
    return NULL;
}

/* Runs `call` on `socket` in a thread, signals that thread until the call returns. */
static void expect_interrupted(void *socket, enum call call)
{
    struct blocked b = {socket, call, 0, 0};
    pthread_t thread;
    atomic_store(&handled, 0);
    CHECK(pthread_create(&thread, NULL, block, &b) == 0);
    int joined = 0;
    for (int i = 0; i < 500 && !joined; ++i) { /* a signal sent before it blocks is lost */
        usleep(10 * 1000);
        pthread_kill(thread, SIGUSR1);
        joined = pthread_tryjoin_np(thread, NULL) == 0;
    }
    if (!joined) {
        CHECK(!"the call was not interrupted");
        return; /* the thread stays blocked: the test fails */
    }
    CHECK(b.rc == -1);
    CHECK(b.err == EINTR);
    CHECK(atomic_load(&handled) > 0);
}

int main(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal; /* no SA_RESTART: waits end with EINTR */
    sigemptyset(&action.sa_mask);
    CHECK(sigaction(SIGUSR1, &action, NULL) == 0);

    void *ctx = zmq_ctx_new();
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    CHECK(zmq_bind(pull, "tcp://127.0.0.1:*") == 0);
    expect_interrupted(pull, RECV);
    expect_interrupted(pull, POLL);
    void *push = zmq_socket(ctx, ZMQ_PUSH); /* no peer: a send waits */
    expect_interrupted(push, SEND);

    /* The process gets a signal (not a thread): the I/O thread does not take it, so the
       blocked application thread does. */
    struct blocked b = {pull, RECV, 0, 0};
    pthread_t thread;
    atomic_store(&handled, 0);
    CHECK(pthread_create(&thread, NULL, block, &b) == 0);
    int joined = 0;
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL); /* not this thread either */
    for (int i = 0; i < 500 && !joined; ++i) {
        usleep(10 * 1000);
        kill(getpid(), SIGUSR1);
        joined = pthread_tryjoin_np(thread, NULL) == 0;
    }
    CHECK(joined);
    CHECK(b.rc == -1 && b.err == EINTR);

    int linger = 0;
    zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger);
    CHECK(zmq_close(push) == 0);
    CHECK(zmq_close(pull) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);
    return check_result();
}
