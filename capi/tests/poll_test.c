/* zmq_poll over sockets and file descriptors, and ZMQ_FD / ZMQ_EVENTS. */
#include "check.h"

#include <zmq.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A PUSH connected to a PULL over tcp. */
static void make_pair(void *ctx, int push_type, int pull_type, void **push, void **pull)
{
    *pull = zmq_socket(ctx, pull_type);
    *push = zmq_socket(ctx, push_type);
    CHECK(zmq_bind(*pull, "tcp://127.0.0.1:*") == 0);
    char endpoint[256];
    size_t size = sizeof endpoint;
    CHECK(zmq_getsockopt(*pull, ZMQ_LAST_ENDPOINT, endpoint, &size) == 0);
    CHECK(zmq_connect(*push, endpoint) == 0);
}

static int events_of(void *socket)
{
    int events = -1;
    size_t size = sizeof events;
    CHECK(zmq_getsockopt(socket, ZMQ_EVENTS, &events, &size) == 0);
    CHECK(size == sizeof(int));
    return events;
}

/* True when `fd` turns readable within `ms`. */
static int readable_within(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* The way zmq_getsockopt(3) says to use ZMQ_FD: sleep on it, then read ZMQ_EVENTS, until
   `socket` is ready for `wanted` (true) or 5 s go by without a signal (false). libzmq may
   also signal for things that are not readiness; zmtp does not. */
static int signalled_ready(void *socket, int fd, int wanted)
{
    for (;;) {
        if (!readable_within(fd, 5000))
            return 0;
        if (events_of(socket) & wanted)
            return 1;
    }
}

static void test_poll_sockets_and_fds(void *ctx)
{
    void *push, *pull;
    make_pair(ctx, ZMQ_PUSH, ZMQ_PULL, &push, &pull);
    int pipe_fds[2];
    CHECK(pipe(pipe_fds) == 0);

    zmq_pollitem_t items[] = {
        {pull, 0, ZMQ_POLLIN, 0},
        {NULL, pipe_fds[0], ZMQ_POLLIN, 0},
        {push, 0, ZMQ_POLLOUT, 0},
    };
    /* Nothing to read: only the connected PUSH can send (after its handshake). */
    CHECK(zmq_poll(items, 2, 0) == 0);
    CHECK(items[0].revents == 0 && items[1].revents == 0);
    CHECK(zmq_poll(items, 2, 30) == 0); /* waits, then nothing */
    CHECK(zmq_poll(&items[2], 1, 5000) == 1);
    CHECK(items[2].revents == ZMQ_POLLOUT);

    /* A two-frame message: ready to read; still ready after the first frame, although
       zmtp's queue is empty then. */
    CHECK(zmq_send(push, "a", 1, ZMQ_SNDMORE) == 1);
    CHECK(zmq_send(push, "bc", 2, 0) == 2);
    CHECK(zmq_poll(items, 2, 5000) == 1);
    CHECK(items[0].revents == ZMQ_POLLIN && items[1].revents == 0);
    char buf[8];
    CHECK(zmq_recv(pull, buf, sizeof buf, 0) == 1);
    CHECK(zmq_poll(items, 2, 0) == 1);
    CHECK(items[0].revents == ZMQ_POLLIN);
    CHECK(zmq_recv(pull, buf, sizeof buf, 0) == 2);
    CHECK(zmq_poll(items, 2, 0) == 0);

    /* A descriptor. */
    CHECK(write(pipe_fds[1], "x", 1) == 1);
    CHECK(zmq_poll(items, 2, 5000) == 1);
    CHECK(items[0].revents == 0 && items[1].revents == ZMQ_POLLIN);
    CHECK(zmq_send(push, "d", 1, 0) == 1);
    CHECK(zmq_poll(&items[0], 1, 5000) == 1);
    CHECK(zmq_poll(items, 2, 0) == 2);

    /* Not a socket; bad arguments. */
    int not_a_socket = 42;
    zmq_pollitem_t bad = {&not_a_socket, 0, ZMQ_POLLIN, 0};
    CHECK(zmq_poll(&bad, 1, 0) == -1 && errno == ENOTSOCK);
    CHECK(zmq_poll(NULL, 1, 0) == -1 && errno == EFAULT);
    CHECK(zmq_poll(items, 0, 10) == 0);

    close(pipe_fds[0]);
    close(pipe_fds[1]);
    CHECK(zmq_close(push) == 0);
    CHECK(zmq_close(pull) == 0);
}

static void test_fd_and_events(void *ctx)
{
    void *push, *pull;
    make_pair(ctx, ZMQ_PUSH, ZMQ_PULL, &push, &pull);
    int fd = -1;
    size_t size = sizeof fd;
    CHECK(zmq_getsockopt(pull, ZMQ_FD, &fd, &size) == 0);
    CHECK(fd >= 0 && size == sizeof(int));
    int again = -1;
    CHECK(zmq_getsockopt(pull, ZMQ_FD, &again, &size) == 0);
    CHECK(again == fd); /* one descriptor per socket */

    CHECK(events_of(pull) == 0);
    CHECK(!readable_within(fd, 0)); /* cleared by ZMQ_EVENTS */
    CHECK(zmq_send(push, "one", 3, 0) == 3);
    CHECK(signalled_ready(pull, fd, ZMQ_POLLIN));
    char buf[8];
    CHECK(zmq_recv(pull, buf, sizeof buf, ZMQ_DONTWAIT) == 3);
    CHECK(events_of(pull) == 0);
    CHECK(!readable_within(fd, 0));
    /* Each new message signals again, and a receive that finds nothing clears it too. */
    CHECK(zmq_send(push, "two", 3, 0) == 3);
    CHECK(signalled_ready(pull, fd, ZMQ_POLLIN));
    CHECK(zmq_recv(pull, buf, sizeof buf, ZMQ_DONTWAIT) == 3);
    CHECK(zmq_recv(pull, buf, sizeof buf, ZMQ_DONTWAIT) == -1 && errno == EAGAIN);
    CHECK(!readable_within(fd, 0));
    CHECK(zmq_send(push, "three", 5, 0) == 5);
    CHECK(signalled_ready(pull, fd, ZMQ_POLLIN));
    CHECK(zmq_close(push) == 0);
    CHECK(zmq_close(pull) == 0);

    /* REQ: may send, then may not until the reply, which turns the descriptor readable. */
    void *req, *rep;
    make_pair(ctx, ZMQ_REQ, ZMQ_REP, &req, &rep);
    CHECK(zmq_getsockopt(req, ZMQ_FD, &fd, &size) == 0);
    CHECK(events_of(req) == ZMQ_POLLOUT);
    CHECK(zmq_send(req, "ping", 4, 0) == 4);
    CHECK(events_of(req) == 0);
    CHECK(!readable_within(fd, 0));
    CHECK(zmq_recv(rep, buf, sizeof buf, 0) == 4);
    CHECK(zmq_send(rep, "pong", 4, 0) == 4);
    CHECK(signalled_ready(req, fd, ZMQ_POLLIN));
    CHECK(zmq_recv(req, buf, sizeof buf, 0) == 4);
    CHECK(events_of(req) == ZMQ_POLLOUT);
    CHECK(zmq_close(req) == 0);
    CHECK(zmq_close(rep) == 0);
}

static void *poll_until_terminated(void *socket)
{
    zmq_pollitem_t item = {socket, 0, ZMQ_POLLIN, 0};
    int rc = zmq_poll(&item, 1, -1);
    int err = errno;
    zmq_close(socket);
    return (void *)(long)(rc == -1 && err == ETERM);
}

static void test_termination_wakes_poll(void)
{
    void *ctx = zmq_ctx_new();
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    CHECK(zmq_bind(pull, "inproc://poll-term") == 0);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, poll_until_terminated, pull) == 0);
    usleep(50 * 1000); /* let it block (a late start is found terminated as well) */
    CHECK(zmq_ctx_term(ctx) == 0);
    void *ok = NULL;
    CHECK(pthread_join(thread, &ok) == 0);
    CHECK(ok != NULL);
}

static short poll_fd(int fd, short events)
{
    zmq_pollitem_t item = {NULL, fd, events, 0};
    const int n = zmq_poll(&item, 1, 0);
    CHECK(n == (item.revents != 0 ? 1 : 0));
    return item.revents;
}

/* A descriptor's error or hang-up is ZMQ_POLLERR, whatever the item waits for (POLLHUP
   alone is not POLLIN); urgent data is ZMQ_POLLPRI when waited for; a socket has neither. */
static void test_fd_errors_and_urgent_data(void *ctx)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    close(fds[1]);
    CHECK(poll_fd(fds[0], ZMQ_POLLIN) == ZMQ_POLLERR);
    close(fds[0]);
    CHECK(pipe(fds) == 0);
    close(fds[0]);
    CHECK(poll_fd(fds[1], ZMQ_POLLOUT) == (ZMQ_POLLOUT | ZMQ_POLLERR));
    CHECK(poll_fd(fds[1], ZMQ_POLLIN) == ZMQ_POLLERR);
    CHECK(poll_fd(fds[1], ZMQ_POLLERR) == ZMQ_POLLERR);
    close(fds[1]);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    close(fds[1]);
    CHECK(poll_fd(fds[0], ZMQ_POLLIN) == (ZMQ_POLLIN | ZMQ_POLLERR));
    CHECK(poll_fd(fds[0], ZMQ_POLLPRI) == ZMQ_POLLERR);
    close(fds[0]);
    CHECK(poll_fd(999999, ZMQ_POLLIN) == ZMQ_POLLERR); /* no such descriptor */

    /* TCP urgent data. */
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    CHECK(bind(listener, (struct sockaddr *)&address, sizeof address) == 0);
    CHECK(listen(listener, 1) == 0);
    CHECK(getsockname(listener, (struct sockaddr *)&address, &length) == 0);
    const int client = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(client, (struct sockaddr *)&address, sizeof address) == 0);
    const int server = accept(listener, NULL, NULL);
    CHECK(send(client, "!", 1, MSG_OOB) == 1);
    zmq_pollitem_t urgent = {NULL, server, ZMQ_POLLIN | ZMQ_POLLPRI, 0};
    CHECK(zmq_poll(&urgent, 1, 5000) == 1);
    CHECK(urgent.revents == ZMQ_POLLPRI);
    CHECK(poll_fd(server, ZMQ_POLLIN) == 0);
    close(server);
    close(client);
    close(listener);

    void *push, *pull;
    make_pair(ctx, ZMQ_PUSH, ZMQ_PULL, &push, &pull);
    CHECK(zmq_send(push, "m", 1, 0) == 1);
    zmq_pollitem_t item = {pull, 0, ZMQ_POLLIN | ZMQ_POLLERR | ZMQ_POLLPRI, 0};
    CHECK(zmq_poll(&item, 1, 5000) == 1);
    CHECK(item.revents == ZMQ_POLLIN);
    item.events = ZMQ_POLLERR | ZMQ_POLLPRI;
    CHECK(zmq_poll(&item, 1, 0) == 0);
    CHECK(item.revents == 0);
    CHECK(zmq_close(push) == 0);
    CHECK(zmq_close(pull) == 0);
}

int main(void)
{
    void *ctx = zmq_ctx_new();
    test_poll_sockets_and_fds(ctx);
    test_fd_and_events(ctx);
    test_fd_errors_and_urgent_data(ctx);
    CHECK(zmq_ctx_term(ctx) == 0);
    test_termination_wakes_poll();
    return check_result();
}
