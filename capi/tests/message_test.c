/* The zmq_msg_* family on its own (sending and receiving are tested with the sockets). */
#include "check.h"

#include <zmq.h>

#include <errno.h>
#include <string.h>

static int freed = 0;
static void *freed_data = NULL;
static void *freed_hint = NULL;

static void count_free(void *data, void *hint)
{
    ++freed;
    freed_data = data;
    freed_hint = hint;
}

static void test_init_and_size(void)
{
    zmq_msg_t msg;
    CHECK(sizeof(zmq_msg_t) == 64);
    CHECK(zmq_msg_init(&msg) == 0);
    CHECK(zmq_msg_size(&msg) == 0);
    CHECK(zmq_msg_more(&msg) == 0);
    CHECK(zmq_msg_get(&msg, ZMQ_MORE) == 0);
    CHECK(zmq_msg_close(&msg) == 0);

    CHECK(zmq_msg_init_size(&msg, 5) == 0);
    CHECK(zmq_msg_size(&msg) == 5);
    memcpy(zmq_msg_data(&msg), "hello", 5);
    CHECK(memcmp(zmq_msg_data(&msg), "hello", 5) == 0);
    CHECK(zmq_msg_close(&msg) == 0);

    CHECK(zmq_msg_init_size(&msg, 100000) == 0);
    CHECK(zmq_msg_size(&msg) == 100000);
    memset(zmq_msg_data(&msg), 'x', 100000);
    CHECK(((char *)zmq_msg_data(&msg))[99999] == 'x');
    CHECK(zmq_msg_close(&msg) == 0);
}

static void test_closed_message_is_efault(void)
{
    zmq_msg_t msg;
    memset(&msg, 0, sizeof msg);
    errno = 0;
    CHECK(zmq_msg_close(&msg) == -1); /* never initialised */
    CHECK(errno == EFAULT);
    CHECK(zmq_msg_init(&msg) == 0);
    CHECK(zmq_msg_close(&msg) == 0);
    errno = 0;
    CHECK(zmq_msg_close(&msg) == -1); /* closed twice */
    CHECK(errno == EFAULT);
    errno = 0;
    CHECK(zmq_msg_get(&msg, ZMQ_MORE) == -1);
    CHECK(errno == EFAULT);
}

static void test_init_data_frees_once(void)
{
    /* A large buffer: freed when the last copy is closed, with its hint. */
    static char big[1000];
    int hint = 7;
    zmq_msg_t a, b;
    freed = 0;
    CHECK(zmq_msg_init_data(&a, big, sizeof big, count_free, &hint) == 0);
    CHECK(zmq_msg_data(&a) == big); /* not a copy */
    CHECK(zmq_msg_size(&a) == sizeof big);
    CHECK(zmq_msg_init(&b) == 0);
    CHECK(zmq_msg_copy(&b, &a) == 0);
    CHECK(zmq_msg_data(&b) == big);
    CHECK(zmq_msg_get(&b, ZMQ_SHARED) == 1);
    CHECK(zmq_msg_close(&a) == 0);
    CHECK(freed == 0);
    CHECK(zmq_msg_close(&b) == 0);
    CHECK(freed == 1);
    CHECK(freed_data == big);
    CHECK(freed_hint == &hint);

    /* A small one too, and the message is that buffer (zmtp would copy it). */
    static char small[4] = {'a', 'b', 'c', 'd'};
    freed = 0;
    CHECK(zmq_msg_init_data(&a, small, sizeof small, count_free, &hint) == 0);
    CHECK(zmq_msg_data(&a) == small);
    CHECK(zmq_msg_size(&a) == 4);
    CHECK(zmq_msg_init(&b) == 0);
    CHECK(zmq_msg_copy(&b, &a) == 0);
    CHECK(zmq_msg_data(&b) == small);
    CHECK(zmq_msg_close(&a) == 0);
    CHECK(freed == 0);
    CHECK(zmq_msg_close(&b) == 0);
    CHECK(freed == 1);
    CHECK(freed_data == small && freed_hint == &hint);
    /* Moved, then reused for receiving: the buffer goes once, when the message changes. */
    freed = 0;
    CHECK(zmq_msg_init_data(&a, small, sizeof small, count_free, NULL) == 0);
    CHECK(zmq_msg_init(&b) == 0);
    CHECK(zmq_msg_move(&b, &a) == 0);
    CHECK(zmq_msg_size(&a) == 0);
    CHECK(freed == 0);
    CHECK(zmq_msg_close(&a) == 0);
    CHECK(freed == 0);
    CHECK(zmq_msg_init_size(&a, 1) == 0);
    CHECK(zmq_msg_copy(&b, &a) == 0); /* b's old contents go */
    CHECK(freed == 1);
    CHECK(zmq_msg_close(&a) == 0);
    CHECK(zmq_msg_close(&b) == 0);
    CHECK(freed == 1);

    /* No free function: nothing is called; the buffer is the caller's. */
    freed = 0;
    CHECK(zmq_msg_init_data(&a, big, sizeof big, NULL, NULL) == 0);
    CHECK(zmq_msg_close(&a) == 0);
    CHECK(freed == 0);
}

static void test_move_and_copy(void)
{
    zmq_msg_t a, b;
    CHECK(zmq_msg_init_size(&a, 3) == 0);
    memcpy(zmq_msg_data(&a), "abc", 3);
    CHECK(zmq_msg_init_size(&b, 10) == 0);
    CHECK(zmq_msg_move(&b, &a) == 0);
    CHECK(zmq_msg_size(&b) == 3);
    CHECK(memcmp(zmq_msg_data(&b), "abc", 3) == 0);
    CHECK(zmq_msg_size(&a) == 0); /* src is an empty message, still initialised */
    CHECK(zmq_msg_close(&a) == 0);

    CHECK(zmq_msg_init(&a) == 0);
    CHECK(zmq_msg_copy(&a, &b) == 0);
    CHECK(zmq_msg_size(&a) == 3);
    CHECK(memcmp(zmq_msg_data(&a), "abc", 3) == 0);
    CHECK(zmq_msg_get(&a, ZMQ_SHARED) == 0); /* small bodies are copied */
    CHECK(zmq_msg_move(&a, &a) == 0);
    CHECK(zmq_msg_size(&a) == 3);
    CHECK(zmq_msg_close(&a) == 0);
    CHECK(zmq_msg_close(&b) == 0);

    zmq_msg_t closed;
    CHECK(zmq_msg_init(&closed) == 0);
    CHECK(zmq_msg_close(&closed) == 0);
    CHECK(zmq_msg_init(&a) == 0);
    errno = 0;
    CHECK(zmq_msg_copy(&a, &closed) == -1);
    CHECK(errno == EFAULT);
    errno = 0;
    CHECK(zmq_msg_move(&closed, &a) == -1);
    CHECK(errno == EFAULT);
    CHECK(zmq_msg_close(&a) == 0);
}

static void test_properties(void)
{
    zmq_msg_t msg;
    CHECK(zmq_msg_init(&msg) == 0);
    errno = 0;
    CHECK(zmq_msg_get(&msg, 12345) == -1);
    CHECK(errno == EINVAL);
    errno = 0;
    CHECK(zmq_msg_set(&msg, ZMQ_MORE, 1) == -1);
    CHECK(errno == EINVAL);
    CHECK(zmq_msg_close(&msg) == 0);
}

int main(void)
{
    test_init_and_size();
    test_closed_message_is_efault();
    test_init_data_frees_once();
    test_move_and_copy();
    test_properties();
    return check_result();
}
