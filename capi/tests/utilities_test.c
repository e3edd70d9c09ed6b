/* Errors, version, capabilities, Z85, CURVE keys, atomic counters, stopwatch, threads. */
#include "check.h"

#include <zmq.h>

#include <errno.h>
#include <string.h>

static void test_version_and_errors(void)
{
    int major = 0, minor = 0, patch = 0;
    zmq_version(&major, &minor, &patch);
    CHECK(major == 4 && minor == 3 && patch == 4);
    CHECK(ZMQ_VERSION == 40304);
    errno = EAGAIN;
    CHECK(zmq_errno() == EAGAIN);
    CHECK(strcmp(zmq_strerror(ETERM), "Context was terminated") == 0);
    CHECK(strcmp(zmq_strerror(EFSM), "Operation cannot be accomplished in current state") == 0);
    CHECK(strcmp(zmq_strerror(EAGAIN), strerror(EAGAIN)) == 0);
}

static void test_has(void)
{
    CHECK(zmq_has("ipc") == 1);
    CHECK(zmq_has("curve") == 1);
    CHECK(zmq_has("pgm") == 0);
    CHECK(zmq_has("gssapi") == 0);
    CHECK(zmq_has("draft") == 0);
    CHECK(zmq_has("nonsense") == 0);
}

static void test_z85(void)
{
    /* RFC 32's vector. */
    const uint8_t data[8] = {0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};
    char text[11];
    CHECK(zmq_z85_encode(text, data, 8) == text);
    CHECK(strcmp(text, "HelloWorld") == 0);
    uint8_t back[8];
    CHECK(zmq_z85_decode(back, "HelloWorld") == back);
    CHECK(memcmp(back, data, 8) == 0);
    errno = 0;
    CHECK(zmq_z85_encode(text, data, 7) == NULL);
    CHECK(errno == EINVAL);
    CHECK(zmq_z85_decode(back, "Hell") == NULL);    /* not a multiple of 5 */
    CHECK(zmq_z85_decode(back, "Hello Worl") == NULL); /* ' ' is not in the alphabet */
}

static void test_curve_keys(void)
{
    /* zmq_curve(7)'s test pair: the public key derives from the secret. */
    char public_key[41];
    CHECK(zmq_curve_public(public_key, "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs") == 0);
    CHECK(strcmp(public_key, "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID") == 0);
    CHECK(zmq_curve_public(public_key, "too short") == -1);

    char pub[41], sec[41], derived[41];
    CHECK(zmq_curve_keypair(pub, sec) == 0);
    CHECK(strlen(pub) == 40 && strlen(sec) == 40);
    CHECK(zmq_curve_public(derived, sec) == 0);
    CHECK(strcmp(derived, pub) == 0);
}

static void test_atomic_counter(void)
{
    void *counter = zmq_atomic_counter_new();
    CHECK(counter != NULL);
    CHECK(zmq_atomic_counter_value(counter) == 0);
    CHECK(zmq_atomic_counter_inc(counter) == 0); /* the old value */
    CHECK(zmq_atomic_counter_inc(counter) == 1);
    CHECK(zmq_atomic_counter_dec(counter) == 1); /* still above zero */
    CHECK(zmq_atomic_counter_dec(counter) == 0); /* reached zero */
    zmq_atomic_counter_set(counter, 5);
    CHECK(zmq_atomic_counter_value(counter) == 5);
    zmq_atomic_counter_destroy(&counter);
    CHECK(counter == NULL);
}

static void add_one(void *arg) { zmq_atomic_counter_inc(arg); }

static void test_threads_and_stopwatch(void)
{
    void *watch = zmq_stopwatch_start();
    void *counter = zmq_atomic_counter_new();
    void *thread = zmq_threadstart(add_one, counter);
    CHECK(thread != NULL);
    zmq_threadclose(thread); /* joins */
    CHECK(zmq_atomic_counter_value(counter) == 1);
    zmq_atomic_counter_destroy(&counter);
    zmq_sleep(1);
    const unsigned long mid = zmq_stopwatch_intermediate(watch);
    const unsigned long elapsed = zmq_stopwatch_stop(watch);
    CHECK(mid >= 1000000); /* microseconds: the second slept, at least */
    CHECK(elapsed >= mid);
}

int main(void)
{
    test_version_and_errors();
    test_has();
    test_z85();
    test_curve_keys();
    test_atomic_counter();
    test_threads_and_stopwatch();
    return check_result();
}
