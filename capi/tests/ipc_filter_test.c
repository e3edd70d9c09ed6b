/* ZMQ_IPC_FILTER_PID, _UID and _GID: an ipc listener admits only the processes whose
   credentials a filter lists (any of them); NULL clears a kind; none set admits all. */
#include "check.h"

#include <zmq.h>

#include <errno.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

/* Whether a DEALER's message reaches the ROUTER bound at `endpoint` within a second. */
static int delivered(void *ctx, void *router, const char *endpoint)
{
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    CHECK(zmq_setsockopt(dealer, ZMQ_LINGER, &linger, sizeof linger) == 0);
    CHECK(zmq_connect(dealer, endpoint) == 0);
    CHECK(zmq_send(dealer, "hi", 2, 0) == 2);
    zmq_pollitem_t item = {router, 0, ZMQ_POLLIN, 0};
    const int arrived = zmq_poll(&item, 1, 1000) == 1;
    if (arrived) {
        char buf[16];
        CHECK(zmq_recv(router, buf, sizeof buf, 0) > 0); /* routing id */
        CHECK(zmq_recv(router, buf, sizeof buf, 0) == 2);
    }
    CHECK(zmq_close(dealer) == 0);
    return arrived;
}

/* Whether a ROUTER with these filters (set before its bind, as libzmq reads them then)
   admits this process; a NULL filter leaves that kind unset. */
static int admitted(void *ctx, const char *endpoint, const pid_t *pid, const uid_t *uid, const gid_t *gid)
{
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    if (pid)
        CHECK(zmq_setsockopt(router, ZMQ_IPC_FILTER_PID, pid, sizeof *pid) == 0);
    if (uid)
        CHECK(zmq_setsockopt(router, ZMQ_IPC_FILTER_UID, uid, sizeof *uid) == 0);
    if (gid)
        CHECK(zmq_setsockopt(router, ZMQ_IPC_FILTER_GID, gid, sizeof *gid) == 0);
    CHECK(zmq_bind(router, endpoint) == 0);
    const int result = delivered(ctx, router, endpoint);
    CHECK(zmq_close(router) == 0);
    return result;
}

int main(void)
{
    void *ctx = zmq_ctx_new();
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "ipc:///tmp/zmtp-capi-ipc-filter-%d", (int)getpid());
    const pid_t me = getpid(), not_me = getpid() + 100000;
    const uid_t user = getuid(), other_user = getuid() + 1;
    const gid_t group = getgid();

    CHECK(admitted(ctx, endpoint, NULL, NULL, NULL)); /* no filter: everyone */
    CHECK(!admitted(ctx, endpoint, NULL, &other_user, NULL));
    CHECK(!admitted(ctx, endpoint, &not_me, NULL, NULL));
    CHECK(admitted(ctx, endpoint, &me, NULL, NULL));
    CHECK(admitted(ctx, endpoint, NULL, &user, NULL));
    CHECK(admitted(ctx, endpoint, NULL, NULL, &group));
    CHECK(admitted(ctx, endpoint, &me, &other_user, NULL)); /* one filter that admits is enough */

    /* NULL clears a kind; the filters are write-only. */
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    CHECK(zmq_setsockopt(router, ZMQ_IPC_FILTER_UID, &other_user, sizeof other_user) == 0);
    CHECK(zmq_setsockopt(router, ZMQ_IPC_FILTER_UID, NULL, 0) == 0);
    CHECK(zmq_bind(router, endpoint) == 0);
    CHECK(delivered(ctx, router, endpoint));
    int value = 0;
    size_t size = sizeof value;
    errno = 0;
    CHECK(zmq_getsockopt(router, ZMQ_IPC_FILTER_UID, &value, &size) == -1);
    CHECK(errno == EINVAL);
    CHECK(zmq_close(router) == 0);

    CHECK(zmq_ctx_term(ctx) == 0);
    unlink(endpoint + 6);
    return check_result();
}
