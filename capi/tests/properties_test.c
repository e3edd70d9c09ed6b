/* zmq_msg_gets: the properties of the connection a received frame came on. */
#include "check.h"

#include <zmq.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A DEALER with routing id "w1" sends a frame to a ROUTER bound at `endpoint`; the ROUTER's
   frames (the id, then the body) tell who sent them. */
static void test_gets(void *ctx, const char *endpoint, const char *peer_address_prefix)
{
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(zmq_bind(router, endpoint) == 0);
    char bound[256];
    size_t size = sizeof bound;
    CHECK(zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, bound, &size) == 0);
    CHECK(zmq_setsockopt(dealer, ZMQ_ROUTING_ID, "w1", 2) == 0);
    CHECK(zmq_connect(dealer, bound) == 0);
    CHECK(zmq_send(dealer, "hi", 2, 0) == 2);

    zmq_msg_t id, body;
    CHECK(zmq_msg_init(&id) == 0);
    CHECK(zmq_msg_init(&body) == 0);
    CHECK(zmq_msg_recv(&id, router, 0) == 2);
    CHECK(zmq_msg_recv(&body, router, 0) == 2);
    zmq_msg_t *frames[] = {&id, &body};
    for (int i = 0; i < 2; ++i) {
        const char *type = zmq_msg_gets(frames[i], "Socket-Type");
        CHECK(type != NULL && strcmp(type, "DEALER") == 0);
        const char *routing_id = zmq_msg_gets(frames[i], "Routing-Id");
        CHECK(routing_id != NULL && strcmp(routing_id, "w1") == 0);
        const char *lower = zmq_msg_gets(frames[i], "socket-type"); /* names in any case (RFC 23; libzmq only matches the exact case) */
        CHECK(lower != NULL && strcmp(lower, "DEALER") == 0);
        const char *address = zmq_msg_gets(frames[i], "Peer-Address");
        CHECK(address != NULL && strncmp(address, peer_address_prefix, strlen(peer_address_prefix)) == 0);
        errno = 0;
        CHECK(zmq_msg_gets(frames[i], "User-Id") == NULL); /* no ZAP handler was asked */
        CHECK(errno == EINVAL);
        errno = 0;
        CHECK(zmq_msg_gets(frames[i], "X-Missing") == NULL);
        CHECK(errno == EINVAL);
    }
    /* ZMQ_SRCFD: the connection's descriptor (for tcp, the accepted socket on the bound
       port); none for a message made here. */
    if (strncmp(endpoint, "tcp://", 6) == 0) {
        int fd = zmq_msg_get(&body, ZMQ_SRCFD);
        CHECK(fd >= 0);
        struct sockaddr_in local;
        socklen_t length = sizeof local;
        CHECK(getsockname(fd, (struct sockaddr *)&local, &length) == 0);
        CHECK(ntohs(local.sin_port) == atoi(strrchr(bound, ':') + 1));
        CHECK(zmq_msg_get(&id, ZMQ_SRCFD) == fd);
    }
    /* A copy has them too; a message made here has none. */
    zmq_msg_t copy;
    CHECK(zmq_msg_init(&copy) == 0);
    CHECK(zmq_msg_copy(&copy, &body) == 0);
    const char *type = zmq_msg_gets(&copy, "Socket-Type");
    CHECK(type != NULL && strcmp(type, "DEALER") == 0);
    CHECK(zmq_msg_close(&copy) == 0);
    zmq_msg_t local;
    CHECK(zmq_msg_init_size(&local, 3) == 0);
    errno = 0;
    CHECK(zmq_msg_gets(&local, "Socket-Type") == NULL);
    CHECK(errno == EINVAL);
    CHECK(zmq_msg_get(&local, ZMQ_SRCFD) == -1);
    CHECK(zmq_msg_close(&local) == 0);
    CHECK(zmq_msg_close(&id) == 0);
    CHECK(zmq_msg_close(&body) == 0);
    /* A closed message is no message. */
    errno = 0;
    CHECK(zmq_msg_gets(&body, "Socket-Type") == NULL);
    CHECK(errno == EFAULT);
    CHECK(zmq_close(dealer) == 0);
    CHECK(zmq_close(router) == 0);
}

int main(void)
{
    void *ctx = zmq_ctx_new();
    test_gets(ctx, "tcp://127.0.0.1:*", "127.0.0.1");
    char ipc[64];
    snprintf(ipc, sizeof ipc, "ipc:///tmp/zmtp-capi-props-%d.ipc", (int)getpid());
    test_gets(ctx, ipc, "localhost:"); /* localhost:UID:GID:PID, as libzmq gives */
    CHECK(zmq_ctx_term(ctx) == 0);
    return check_result();
}
