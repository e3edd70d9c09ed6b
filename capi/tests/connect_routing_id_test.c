/* ZMQ_CONNECT_ROUTING_ID: a ROUTER names the peer of its next zmq_connect and can send to
   it at once (ROUTER to ROUTER). */
#include "check.h"

#include <zmq.h>

#include <errno.h>
#include <string.h>

int main(void)
{
    void *ctx = zmq_ctx_new();
    void *server = zmq_socket(ctx, ZMQ_ROUTER);
    void *client = zmq_socket(ctx, ZMQ_ROUTER);
    CHECK(zmq_setsockopt(server, ZMQ_ROUTING_ID, "server-own", 10) == 0);
    CHECK(zmq_bind(server, "tcp://127.0.0.1:*") == 0);
    char endpoint[256];
    size_t size = sizeof endpoint;
    CHECK(zmq_getsockopt(server, ZMQ_LAST_ENDPOINT, endpoint, &size) == 0);
    CHECK(zmq_setsockopt(client, ZMQ_CONNECT_ROUTING_ID, "to-server", 9) == 0);
    CHECK(zmq_connect(client, endpoint) == 0);
    int mandatory = 1; /* a message to an unknown id would fail, not vanish */
    CHECK(zmq_setsockopt(client, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof mandatory) == 0);

    CHECK(zmq_send(client, "to-server", 9, ZMQ_SNDMORE) == 9);
    CHECK(zmq_send(client, "hello", 5, 0) == 5);
    char id[256], body[16];
    int id_size = zmq_recv(server, id, sizeof id, 0);
    CHECK(id_size > 0);
    CHECK(zmq_recv(server, body, sizeof body, 0) == 5 && memcmp(body, "hello", 5) == 0);
    CHECK(zmq_send(server, id, (size_t)id_size, ZMQ_SNDMORE) == id_size);
    CHECK(zmq_send(server, "welcome", 7, 0) == 7);
    CHECK(zmq_recv(client, id, sizeof id, 0) == 9 && memcmp(id, "to-server", 9) == 0);
    CHECK(zmq_recv(client, body, sizeof body, 0) == 7 && memcmp(body, "welcome", 7) == 0);

    errno = 0; /* 1..255 bytes, and only for ROUTER here */
    CHECK(zmq_setsockopt(client, ZMQ_CONNECT_ROUTING_ID, "", 0) == -1 && errno == EINVAL);
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    errno = 0;
    CHECK(zmq_setsockopt(dealer, ZMQ_CONNECT_ROUTING_ID, "x", 1) == -1 && errno == EINVAL);

    int linger = 0;
    void *sockets[] = {server, client, dealer};
    for (int i = 0; i < 3; ++i) {
        zmq_setsockopt(sockets[i], ZMQ_LINGER, &linger, sizeof linger);
        CHECK(zmq_close(sockets[i]) == 0);
    }
    CHECK(zmq_ctx_term(ctx) == 0);
    return check_result();
}
