/* ZMQ_USE_FD: zmq_bind listens on a descriptor the caller bound and made listen (systemd
   socket activation). Passes against libzmq 4.3.4 too when built with -DAGAINST_LIBZMQ,
   which leaves out the descriptors zmtp refuses and libzmq takes (it aborts at its first
   accept on one that does not listen). */
#include "check.h"

#include <zmq.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* A stream socket bound (AF_INET: to 127.0.0.1 and an ephemeral port; AF_UNIX: to
   `path`) and, when `listening`, listening; -1 if that fails. */
static int bound_fd(int family, const char *path, int listening)
{
    int fd = socket(family, SOCK_STREAM, 0);
    struct sockaddr_in in;
    struct sockaddr_un un;
    memset(&in, 0, sizeof in);
    memset(&un, 0, sizeof un);
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    un.sun_family = AF_UNIX;
    snprintf(un.sun_path, sizeof un.sun_path, "%s", path ? path : "");
    const int bound = family == AF_INET ? bind(fd, (struct sockaddr *)&in, sizeof in)
                                        : bind(fd, (struct sockaddr *)&un, sizeof un);
    if (fd < 0 || bound != 0 || (listening && listen(fd, 16) != 0)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static int tcp_port_of(int fd)
{
    struct sockaddr_in in;
    socklen_t size = sizeof in;
    return getsockname(fd, (struct sockaddr *)&in, &size) == 0 ? ntohs(in.sin_port) : -1;
}

static int is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

static int exists(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0;
}

static void *pair_socket(void *ctx)
{
    void *s = zmq_socket(ctx, ZMQ_PAIR);
    int zero = 0, timeout = 5000;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    return s;
}

/* Binds a PAIR at `bind_to` on `fd`; checks that ZMQ_LAST_ENDPOINT is `expected` and that
   a peer connected there exchanges a message each way; closes the context. Whether `fd`
   is closed with it is the caller's to check. */
static void bind_on_fd(int fd, const char *bind_to, const char *expected)
{
    void *ctx = zmq_ctx_new();
    void *server = pair_socket(ctx);
    void *client = pair_socket(ctx);
    CHECK(zmq_setsockopt(server, ZMQ_USE_FD, &fd, sizeof fd) == 0);
    int value = -1;
    size_t size = sizeof value;
    CHECK(zmq_getsockopt(server, ZMQ_USE_FD, &value, &size) == 0 && value == fd);
    CHECK(zmq_bind(server, bind_to) == 0);
    char endpoint[256] = "";
    size = sizeof endpoint;
    CHECK(zmq_getsockopt(server, ZMQ_LAST_ENDPOINT, endpoint, &size) == 0);
    CHECK(strcmp(endpoint, expected) == 0);
    CHECK(zmq_connect(client, endpoint) == 0);
    char buf[16];
    CHECK(zmq_send(client, "ping", 4, 0) == 4);
    CHECK(zmq_recv(server, buf, sizeof buf, 0) == 4 && memcmp(buf, "ping", 4) == 0);
    CHECK(zmq_send(server, "pong", 4, 0) == 4);
    CHECK(zmq_recv(client, buf, sizeof buf, 0) == 4 && memcmp(buf, "pong", 4) == 0);
    CHECK(zmq_close(client) == 0);
    CHECK(zmq_close(server) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);
}

static void test_tcp(void)
{
    /* The endpoint only says tcp: its address is ignored for the descriptor's. */
    const int fd = bound_fd(AF_INET, NULL, 1);
    CHECK(fd >= 0);
    char expected[64];
    snprintf(expected, sizeof expected, "tcp://127.0.0.1:%d", tcp_port_of(fd));
    bind_on_fd(fd, "tcp://192.0.2.1:5555", expected);
    CHECK(!is_open(fd)); /* the socket closed it */
}

static void test_ipc(void)
{
    char real[64], given[64], expected[80], given_endpoint[80];
    snprintf(real, sizeof real, "/tmp/zmtp-capi-fd-%d.ipc", (int)getpid());
    snprintf(given, sizeof given, "/tmp/zmtp-capi-fd-given-%d.ipc", (int)getpid());
    snprintf(expected, sizeof expected, "ipc://%s", real);
    snprintf(given_endpoint, sizeof given_endpoint, "ipc://%s", given);
    unlink(real);
    const int fd = bound_fd(AF_UNIX, real, 1);
    CHECK(fd >= 0);
    bind_on_fd(fd, given_endpoint, expected);
    CHECK(!is_open(fd));
    CHECK(!exists(given));
    CHECK(exists(real)); /* not removed: the socket did not make it */
    unlink(real);
}

#ifndef AGAINST_LIBZMQ
/* zmtp refuses at bind, with EINVAL, what libzmq takes and fails on later: a descriptor
   that does not listen, or one of the other transport's family. It stays the caller's. */
static void test_refused(void)
{
    char path[64], ipc[80];
    snprintf(path, sizeof path, "/tmp/zmtp-capi-fd-refused-%d.ipc", (int)getpid());
    snprintf(ipc, sizeof ipc, "ipc://%s", path);
    unlink(path);
    const int not_listening = bound_fd(AF_INET, NULL, 0);
    const int tcp = bound_fd(AF_INET, NULL, 1);
    const int unix_fd = bound_fd(AF_UNIX, path, 1);
    CHECK(not_listening >= 0 && tcp >= 0 && unix_fd >= 0);
    const struct {
        int fd;
        const char *endpoint;
    } cases[] = {{not_listening, "tcp://127.0.0.1:*"}, {tcp, "ipc:///tmp/zmtp-capi-fd-unused.ipc"}, {unix_fd, "tcp://127.0.0.1:*"}};
    void *ctx = zmq_ctx_new();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        void *s = pair_socket(ctx);
        CHECK(zmq_setsockopt(s, ZMQ_USE_FD, &cases[i].fd, sizeof cases[i].fd) == 0);
        errno = 0;
        CHECK(zmq_bind(s, cases[i].endpoint) == -1 && errno == EINVAL);
        CHECK(zmq_close(s) == 0);
    }
    CHECK(zmq_ctx_term(ctx) == 0);
    CHECK(is_open(not_listening) && is_open(tcp) && is_open(unix_fd));
    CHECK(!exists("/tmp/zmtp-capi-fd-unused.ipc"));
    close(not_listening);
    close(tcp);
    close(unix_fd);
    unlink(path);
}
#endif

int main(void)
{
    test_tcp();
    test_ipc();
#ifndef AGAINST_LIBZMQ
    test_refused();
#endif
    return check_result();
}
