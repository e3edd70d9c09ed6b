/* zmq_setsockopt and zmq_getsockopt: every option's default (libzmq 4.3.4's, as the
   system's libzmq reads them back), a round trip, the EINVAL cases (wrong size, value out of
   range, buffer too small, wrong socket type, options for what zmtp does not do), and a few
   options taking effect over real tcp connections: ZMQ_MAXMSGSIZE, ZMQ_ROUTER_MANDATORY,
   ZMQ_ROUTING_ID, CURVE keys and PLAIN credentials checked by a ZAP handler. */
#include "check.h"

#include <zmq.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

/* libzmq's draft options (zmq.h leaves the draft API out). */
#define DRAFT_ZAP_ENFORCE_DOMAIN 93
#define DRAFT_LOOPBACK_FASTPATH 94
#define DRAFT_METADATA 95
#define DRAFT_MULTICAST_LOOP 96

#define NO_BAD_VALUE INT_MIN

struct int_case {
    const char *name;
    int option;
    int socket_type;
    int default_value;
    int new_value;
    int bad_value; /* out of range: EINVAL; NO_BAD_VALUE if every int is taken */
};

static const struct int_case int_cases[] = {
    {"SNDHWM", ZMQ_SNDHWM, ZMQ_PUSH, 1000, 5, -1},
    {"RCVHWM", ZMQ_RCVHWM, ZMQ_PULL, 1000, 0, -1},
    {"LINGER", ZMQ_LINGER, ZMQ_PUSH, -1, 250, -2},
    {"SNDTIMEO", ZMQ_SNDTIMEO, ZMQ_PUSH, -1, 0, -2},
    {"RCVTIMEO", ZMQ_RCVTIMEO, ZMQ_PULL, -1, 1500, -2},
    /* -1: never reconnect (reconnect_test.c) */
    {"RECONNECT_IVL", ZMQ_RECONNECT_IVL, ZMQ_DEALER, 100, 50, -2},
    {"RECONNECT_IVL_MAX", ZMQ_RECONNECT_IVL_MAX, ZMQ_DEALER, 0, 5000, -1},
    {"HEARTBEAT_IVL", ZMQ_HEARTBEAT_IVL, ZMQ_DEALER, 0, 1000, -1},
    /* -1 = the interval; zero would drop every peer at its first PING. */
    {"HEARTBEAT_TIMEOUT", ZMQ_HEARTBEAT_TIMEOUT, ZMQ_DEALER, -1, 3000, 0},
    {"HEARTBEAT_TTL", ZMQ_HEARTBEAT_TTL, ZMQ_DEALER, 0, 6553500, 6553600},
    {"HANDSHAKE_IVL", ZMQ_HANDSHAKE_IVL, ZMQ_DEALER, 30000, 0, -1},
    {"CONNECT_TIMEOUT", ZMQ_CONNECT_TIMEOUT, ZMQ_DEALER, 0, 700, -1},
    {"BACKLOG", ZMQ_BACKLOG, ZMQ_ROUTER, 100, 7, -1},
    {"IMMEDIATE", ZMQ_IMMEDIATE, ZMQ_PUSH, 0, 1, 2},
    {"CONFLATE", ZMQ_CONFLATE, ZMQ_PULL, 0, 1, 2},
    {"INVERT_MATCHING", ZMQ_INVERT_MATCHING, ZMQ_SUB, 0, 1, NO_BAD_VALUE},
    {"ROUTER_MANDATORY", ZMQ_ROUTER_MANDATORY, ZMQ_ROUTER, 0, 1, -1},
    {"ROUTER_HANDOVER", ZMQ_ROUTER_HANDOVER, ZMQ_ROUTER, 0, 1, -1},
    {"PROBE_ROUTER", ZMQ_PROBE_ROUTER, ZMQ_DEALER, 0, 1, -1},
    {"REQ_CORRELATE", ZMQ_REQ_CORRELATE, ZMQ_REQ, 0, 1, -1},
    {"REQ_RELAXED", ZMQ_REQ_RELAXED, ZMQ_REQ, 0, 1, -1},
    {"XPUB_VERBOSE", ZMQ_XPUB_VERBOSE, ZMQ_XPUB, 0, 1, -1},
    {"XPUB_VERBOSER", ZMQ_XPUB_VERBOSER, ZMQ_XPUB, 0, 1, -1},
    {"XPUB_MANUAL", ZMQ_XPUB_MANUAL, ZMQ_XPUB, 0, 1, -1},
    {"XPUB_NODROP", ZMQ_XPUB_NODROP, ZMQ_PUB, 0, 1, -1},
    {"STREAM_NOTIFY", ZMQ_STREAM_NOTIFY, ZMQ_STREAM, 1, 0, 2},
    {"PLAIN_SERVER", ZMQ_PLAIN_SERVER, ZMQ_REP, 0, 1, 2},
    {"CURVE_SERVER", ZMQ_CURVE_SERVER, ZMQ_REP, 0, 1, 2},
    {"ZAP_ENFORCE_DOMAIN", DRAFT_ZAP_ENFORCE_DOMAIN, ZMQ_REP, 0, 1, NO_BAD_VALUE},
    {"TCP_KEEPALIVE", ZMQ_TCP_KEEPALIVE, ZMQ_DEALER, -1, 1, 2},
    {"TCP_KEEPALIVE_IDLE", ZMQ_TCP_KEEPALIVE_IDLE, ZMQ_DEALER, -1, 60, 0},
    {"TCP_KEEPALIVE_INTVL", ZMQ_TCP_KEEPALIVE_INTVL, ZMQ_DEALER, -1, 5, 0},
    {"TCP_KEEPALIVE_CNT", ZMQ_TCP_KEEPALIVE_CNT, ZMQ_DEALER, -1, 3, 0},
    {"TCP_MAXRT", ZMQ_TCP_MAXRT, ZMQ_DEALER, 0, 9000, -1},
    {"TOS", ZMQ_TOS, ZMQ_DEALER, 0, 0x28, 256},
    {"SNDBUF", ZMQ_SNDBUF, ZMQ_DEALER, -1, 65536, -2},
    {"RCVBUF", ZMQ_RCVBUF, ZMQ_DEALER, -1, 0, -2},
    {"IPV6", ZMQ_IPV6, ZMQ_DEALER, 0, 1, 2},
    {"IPV4ONLY", ZMQ_IPV4ONLY, ZMQ_DEALER, 1, 0, 2},
    {"RATE", ZMQ_RATE, ZMQ_PUB, 100, 1000, 0},
    {"RECOVERY_IVL", ZMQ_RECOVERY_IVL, ZMQ_PUB, 10000, 0, -1},
    {"MULTICAST_HOPS", ZMQ_MULTICAST_HOPS, ZMQ_PUB, 1, 8, 0},
    {"MULTICAST_MAXTPDU", ZMQ_MULTICAST_MAXTPDU, ZMQ_PUB, 1500, 9000, 0},
    {"MULTICAST_LOOP", DRAFT_MULTICAST_LOOP, ZMQ_PUB, 1, 0, NO_BAD_VALUE},
    {"LOOPBACK_FASTPATH", DRAFT_LOOPBACK_FASTPATH, ZMQ_DEALER, 0, 1, NO_BAD_VALUE},
    /* Taken at the next bind (use_fd_test.c); an unbound socket leaves descriptor 3 alone. */
    {"USE_FD", ZMQ_USE_FD, ZMQ_ROUTER, -1, 3, -2},
};

static int get_int(void *s, int option)
{
    int v = INT_MIN;
    size_t size = sizeof v;
    if (zmq_getsockopt(s, option, &v, &size) != 0 || size != sizeof v)
        return INT_MIN + 1;
    return v;
}

static int set_int(void *s, int option, int v) { return zmq_setsockopt(s, option, &v, sizeof v); }

static void test_int_options(void *ctx)
{
    for (size_t i = 0; i < sizeof int_cases / sizeof int_cases[0]; ++i) {
        const struct int_case *c = &int_cases[i];
        void *s = zmq_socket(ctx, c->socket_type);
        CHECK(s != NULL);
        int failures = check_failures;
        CHECK(get_int(s, c->option) == c->default_value);
        CHECK(set_int(s, c->option, c->new_value) == 0);
        CHECK(get_int(s, c->option) == c->new_value);
        /* A value of another size than int's. */
        int64_t wide = c->new_value;
        errno = 0;
        CHECK(zmq_setsockopt(s, c->option, &wide, sizeof wide) == -1 && errno == EINVAL);
        errno = 0;
        CHECK(zmq_setsockopt(s, c->option, &wide, 2) == -1 && errno == EINVAL);
        if (c->bad_value != NO_BAD_VALUE) {
            errno = 0;
            CHECK(set_int(s, c->option, c->bad_value) == -1 && errno == EINVAL);
            CHECK(get_int(s, c->option) == c->new_value); /* unchanged */
        }
        /* A buffer too small for the answer. */
        short small = 0;
        size_t size = sizeof small;
        errno = 0;
        CHECK(zmq_getsockopt(s, c->option, &small, &size) == -1 && errno == EINVAL);
        if (check_failures != failures)
            fprintf(stderr, "  (in ZMQ_%s)\n", c->name);
        CHECK(zmq_close(s) == 0);
    }

    /* The flags libzmq takes any int for read back as 0 or 1. */
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    CHECK(set_int(sub, ZMQ_INVERT_MATCHING, -7) == 0);
    CHECK(get_int(sub, ZMQ_INVERT_MATCHING) == 1);
    /* The TTL reads back in whole deciseconds, the unit the PING carries. */
    CHECK(set_int(sub, ZMQ_HEARTBEAT_TTL, 1299) == 0);
    CHECK(get_int(sub, ZMQ_HEARTBEAT_TTL) == 1200);
    /* ZMQ_IPV4ONLY is the negation of ZMQ_IPV6. */
    CHECK(set_int(sub, ZMQ_IPV6, 1) == 0);
    CHECK(get_int(sub, ZMQ_IPV4ONLY) == 0);
    CHECK(set_int(sub, ZMQ_IPV4ONLY, 1) == 0);
    CHECK(get_int(sub, ZMQ_IPV6) == 0);
    CHECK(zmq_close(sub) == 0);

    /* SUB and XSUB linger 0 from the start, as in libzmq 4.3. */
    const int subscribers[] = {ZMQ_SUB, ZMQ_XSUB};
    for (size_t i = 0; i < 2; ++i) {
        void *s = zmq_socket(ctx, subscribers[i]);
        CHECK(get_int(s, ZMQ_LINGER) == 0);
        CHECK(zmq_close(s) == 0);
    }
}

/* Read-only options, and options of another socket type's. */
static void test_refused_options(void *ctx)
{
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(get_int(dealer, ZMQ_TYPE) == ZMQ_DEALER);
    CHECK(get_int(dealer, ZMQ_RCVMORE) == 0);
    CHECK(get_int(dealer, ZMQ_MECHANISM) == ZMQ_NULL);
    CHECK(get_int(dealer, ZMQ_THREAD_SAFE) == 0);
    const int read_only[] = {ZMQ_TYPE, ZMQ_RCVMORE, ZMQ_MECHANISM, ZMQ_THREAD_SAFE};
    for (size_t i = 0; i < sizeof read_only / sizeof read_only[0]; ++i) {
        errno = 0;
        CHECK(set_int(dealer, read_only[i], 0) == -1 && errno == EINVAL);
    }
    errno = 0;
    CHECK(zmq_setsockopt(dealer, ZMQ_LAST_ENDPOINT, "tcp://127.0.0.1:1", 17) == -1 && errno == EINVAL);

    /* Options of another socket type's: EINVAL, as libzmq. */
    const int not_dealer[] = {ZMQ_ROUTER_MANDATORY, ZMQ_ROUTER_HANDOVER, ZMQ_REQ_CORRELATE,
                              ZMQ_REQ_RELAXED,      ZMQ_XPUB_VERBOSE,    ZMQ_XPUB_NODROP,
                              ZMQ_XPUB_MANUAL,      ZMQ_XPUB_VERBOSER,   ZMQ_STREAM_NOTIFY};
    for (size_t i = 0; i < sizeof not_dealer / sizeof not_dealer[0]; ++i) {
        errno = 0;
        CHECK(set_int(dealer, not_dealer[i], 1) == -1 && errno == EINVAL);
    }
    errno = 0;
    CHECK(zmq_setsockopt(dealer, ZMQ_XPUB_WELCOME_MSG, "hi", 2) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(zmq_setsockopt(dealer, ZMQ_SUBSCRIBE, "a", 1) == -1 && errno == EINVAL);
    void *pair = zmq_socket(ctx, ZMQ_PAIR);
    errno = 0;
    CHECK(set_int(pair, ZMQ_PROBE_ROUTER, 1) == -1 && errno == EINVAL);
    CHECK(zmq_close(pair) == 0);

    /* Unknown options, and those of what zmtp does not do (GSSAPI, VMCI, raw ROUTER), or
       not for this type (routing ids for the next connect). */
    errno = 0;
    CHECK(set_int(dealer, 9999, 1) == -1 && errno == EINVAL);
    size_t size = sizeof(int);
    int v = 0;
    errno = 0;
    CHECK(zmq_getsockopt(dealer, 9999, &v, &size) == -1 && errno == EINVAL);
    const int unsupported_int[] = {ZMQ_GSSAPI_SERVER, ZMQ_GSSAPI_PLAINTEXT, ZMQ_GSSAPI_PRINCIPAL_NAMETYPE,
                                   ZMQ_VMCI_CONNECT_TIMEOUT, ZMQ_ROUTER_RAW};
    for (size_t i = 0; i < sizeof unsupported_int / sizeof unsupported_int[0]; ++i) {
        errno = 0;
        CHECK(set_int(dealer, unsupported_int[i], 1) == -1 && errno == EINVAL);
    }
    const int unsupported_text[] = {ZMQ_GSSAPI_PRINCIPAL, ZMQ_GSSAPI_SERVICE_PRINCIPAL, ZMQ_CONNECT_ROUTING_ID};
    for (size_t i = 0; i < sizeof unsupported_text / sizeof unsupported_text[0]; ++i) {
        errno = 0;
        CHECK(zmq_setsockopt(dealer, unsupported_text[i], "x", 1) == -1 && errno == EINVAL);
    }
    uint64_t vmci = 65536;
    errno = 0;
    CHECK(zmq_setsockopt(dealer, ZMQ_VMCI_BUFFER_SIZE, &vmci, sizeof vmci) == -1 && errno == EINVAL);
    CHECK(zmq_close(dealer) == 0);
}

static void test_64_bit_options(void *ctx)
{
    void *s = zmq_socket(ctx, ZMQ_PULL);
    int64_t max_size = 0;
    size_t size = sizeof max_size;
    CHECK(zmq_getsockopt(s, ZMQ_MAXMSGSIZE, &max_size, &size) == 0 && size == 8 && max_size == -1);
    max_size = 1000;
    CHECK(zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size) == 0);
    max_size = 0;
    CHECK(zmq_getsockopt(s, ZMQ_MAXMSGSIZE, &max_size, &size) == 0 && max_size == 1000);
    max_size = -1;
    CHECK(zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size) == 0);
    CHECK(zmq_getsockopt(s, ZMQ_MAXMSGSIZE, &max_size, &size) == 0 && max_size == -1);
    int narrow = 10;
    errno = 0;
    CHECK(zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &narrow, sizeof narrow) == -1 && errno == EINVAL);
    size = sizeof narrow;
    errno = 0;
    CHECK(zmq_getsockopt(s, ZMQ_MAXMSGSIZE, &narrow, &size) == -1 && errno == EINVAL);

    uint64_t affinity = 1;
    size = sizeof affinity;
    CHECK(zmq_getsockopt(s, ZMQ_AFFINITY, &affinity, &size) == 0 && size == 8 && affinity == 0);
    affinity = 3;
    CHECK(zmq_setsockopt(s, ZMQ_AFFINITY, &affinity, sizeof affinity) == 0);
    affinity = 0;
    CHECK(zmq_getsockopt(s, ZMQ_AFFINITY, &affinity, &size) == 0 && affinity == 3);
    errno = 0;
    CHECK(zmq_setsockopt(s, ZMQ_AFFINITY, &narrow, sizeof narrow) == -1 && errno == EINVAL);
    CHECK(zmq_close(s) == 0);
}

/* Reads a string option; returns its size (with the NUL) or -1. */
static int get_text(void *s, int option, char *buf, size_t capacity)
{
    size_t size = capacity;
    memset(buf, 0x55, capacity);
    if (zmq_getsockopt(s, option, buf, &size) != 0)
        return -1;
    return (int) size;
}

static void test_string_options(void *ctx)
{
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    char buf[300];
    size_t size;

    /* ZMQ_ROUTING_ID: bytes, no NUL. */
    size = sizeof buf;
    CHECK(zmq_getsockopt(s, ZMQ_ROUTING_ID, buf, &size) == 0 && size == 0);
    CHECK(zmq_setsockopt(s, ZMQ_ROUTING_ID, "a\0b", 3) == 0);
    size = sizeof buf;
    CHECK(zmq_getsockopt(s, ZMQ_ROUTING_ID, buf, &size) == 0 && size == 3 && memcmp(buf, "a\0b", 3) == 0);
    size = 2;
    errno = 0;
    CHECK(zmq_getsockopt(s, ZMQ_ROUTING_ID, buf, &size) == -1 && errno == EINVAL);
    memset(buf, 'r', sizeof buf);
    CHECK(zmq_setsockopt(s, ZMQ_ROUTING_ID, buf, 255) == 0);
    errno = 0;
    CHECK(zmq_setsockopt(s, ZMQ_ROUTING_ID, buf, 256) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(zmq_setsockopt(s, ZMQ_ROUTING_ID, "", 0) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(zmq_setsockopt(s, ZMQ_ROUTING_ID, "\0ab", 3) == -1 && errno == EINVAL); /* a ROUTER's own */

    /* Character strings: read back with their NUL; one given with its NUL is the same. */
    CHECK(get_text(s, ZMQ_ZAP_DOMAIN, buf, sizeof buf) == 1 && buf[0] == '\0');
    CHECK(zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, "global", 6) == 0);
    CHECK(get_text(s, ZMQ_ZAP_DOMAIN, buf, sizeof buf) == 7 && strcmp(buf, "global") == 0);
    CHECK(zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, "local", 6) == 0);
    CHECK(get_text(s, ZMQ_ZAP_DOMAIN, buf, sizeof buf) == 6 && strcmp(buf, "local") == 0);
    size = 5;
    errno = 0;
    CHECK(zmq_getsockopt(s, ZMQ_ZAP_DOMAIN, buf, &size) == -1 && errno == EINVAL);
    memset(buf, 'd', sizeof buf);
    errno = 0;
    CHECK(zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, buf, 256) == -1 && errno == EINVAL);

    CHECK(get_text(s, ZMQ_BINDTODEVICE, buf, sizeof buf) == 1 && buf[0] == '\0');
    CHECK(zmq_setsockopt(s, ZMQ_BINDTODEVICE, "lo", 2) == 0);
    CHECK(get_text(s, ZMQ_BINDTODEVICE, buf, sizeof buf) == 3 && strcmp(buf, "lo") == 0);
    errno = 0;
    CHECK(zmq_setsockopt(s, ZMQ_BINDTODEVICE, "sixteen-bytes-xx", 16) == -1 && errno == EINVAL);

    CHECK(get_text(s, ZMQ_LAST_ENDPOINT, buf, sizeof buf) == 1 && buf[0] == '\0');

    /* ZMQ_METADATA: "X-name:value", one per call; write-only. */
    CHECK(zmq_setsockopt(s, DRAFT_METADATA, "X-colour:blue", 13) == 0);
    CHECK(zmq_setsockopt(s, DRAFT_METADATA, "X-size:2\0", 9) == 0);
    const char *bad_metadata[] = {"colour:blue", "X-colour", "X-colour:", "X-c@lour:blue", ":blue"};
    for (size_t i = 0; i < sizeof bad_metadata / sizeof bad_metadata[0]; ++i) {
        errno = 0;
        CHECK(zmq_setsockopt(s, DRAFT_METADATA, bad_metadata[i], strlen(bad_metadata[i])) == -1 && errno == EINVAL);
    }
    size = sizeof buf;
    errno = 0;
    CHECK(zmq_getsockopt(s, DRAFT_METADATA, buf, &size) == -1 && errno == EINVAL);

    /* ZMQ_TCP_ACCEPT_FILTER: one per call, NULL clears; write-only. */
    CHECK(zmq_setsockopt(s, ZMQ_TCP_ACCEPT_FILTER, "127.0.0.1", 9) == 0);
    CHECK(zmq_setsockopt(s, ZMQ_TCP_ACCEPT_FILTER, "10.0.0.0/8", 10) == 0);
    errno = 0;
    CHECK(zmq_setsockopt(s, ZMQ_TCP_ACCEPT_FILTER, "bogus", 5) == -1 && errno == EINVAL);
    CHECK(zmq_setsockopt(s, ZMQ_TCP_ACCEPT_FILTER, NULL, 0) == 0);
    errno = 0;
    CHECK(zmq_setsockopt(s, ZMQ_TCP_ACCEPT_FILTER, NULL, 3) == -1 && errno == EINVAL);

    /* PLAIN credentials make a PLAIN client; NULL leaves NULL; an empty one is refused. */
    CHECK(get_text(s, ZMQ_PLAIN_USERNAME, buf, sizeof buf) == 1 && buf[0] == '\0');
    CHECK(get_text(s, ZMQ_PLAIN_PASSWORD, buf, sizeof buf) == 1 && buf[0] == '\0');
    CHECK(zmq_setsockopt(s, ZMQ_PLAIN_USERNAME, "admin", 5) == 0);
    CHECK(get_int(s, ZMQ_MECHANISM) == ZMQ_PLAIN);
    CHECK(zmq_setsockopt(s, ZMQ_PLAIN_PASSWORD, "secret", 6) == 0);
    CHECK(get_text(s, ZMQ_PLAIN_USERNAME, buf, sizeof buf) == 6 && strcmp(buf, "admin") == 0);
    CHECK(get_text(s, ZMQ_PLAIN_PASSWORD, buf, sizeof buf) == 7 && strcmp(buf, "secret") == 0);
    errno = 0;
    CHECK(zmq_setsockopt(s, ZMQ_PLAIN_USERNAME, "", 0) == -1 && errno == EINVAL);
    memset(buf, 'u', sizeof buf);
    errno = 0;
    CHECK(zmq_setsockopt(s, ZMQ_PLAIN_USERNAME, buf, 256) == -1 && errno == EINVAL);
    CHECK(zmq_setsockopt(s, ZMQ_PLAIN_USERNAME, NULL, 0) == 0);
    CHECK(get_int(s, ZMQ_MECHANISM) == ZMQ_NULL);
    CHECK(get_text(s, ZMQ_PLAIN_USERNAME, buf, sizeof buf) == 1 && buf[0] == '\0');
    CHECK(zmq_close(s) == 0);

    void *xpub = zmq_socket(ctx, ZMQ_XPUB);
    size = sizeof buf;
    CHECK(zmq_getsockopt(xpub, ZMQ_XPUB_WELCOME_MSG, buf, &size) == 0 && size == 0);
    CHECK(zmq_setsockopt(xpub, ZMQ_XPUB_WELCOME_MSG, "hi", 2) == 0);
    size = sizeof buf;
    CHECK(zmq_getsockopt(xpub, ZMQ_XPUB_WELCOME_MSG, buf, &size) == 0 && size == 2 && memcmp(buf, "hi", 2) == 0);
    CHECK(zmq_setsockopt(xpub, ZMQ_XPUB_WELCOME_MSG, NULL, 0) == 0);
    size = sizeof buf;
    CHECK(zmq_getsockopt(xpub, ZMQ_XPUB_WELCOME_MSG, buf, &size) == 0 && size == 0);
    CHECK(zmq_close(xpub) == 0);
}

static const char zero_key_z85[] = "0000000000000000000000000000000000000000";

static void test_curve_key_options(void *ctx)
{
    char public_z85[41], secret_z85[41], server_public[41], server_secret[41];
    CHECK(zmq_curve_keypair(public_z85, secret_z85) == 0);
    CHECK(zmq_curve_keypair(server_public, server_secret) == 0);
    uint8_t public_bin[32];
    CHECK(zmq_z85_decode(public_bin, public_z85) != NULL);

    void *s = zmq_socket(ctx, ZMQ_DEALER);
    const int keys[] = {ZMQ_CURVE_PUBLICKEY, ZMQ_CURVE_SECRETKEY, ZMQ_CURVE_SERVERKEY};
    for (size_t i = 0; i < 3; ++i) { /* unset: all zeros */
        uint8_t bin[32];
        size_t size = sizeof bin;
        memset(bin, 0x55, sizeof bin);
        CHECK(zmq_getsockopt(s, keys[i], bin, &size) == 0 && size == 32);
        int zeros = 1;
        for (size_t j = 0; j < 32; ++j)
            zeros &= bin[j] == 0;
        CHECK(zeros);
        char text[41];
        size = sizeof text;
        CHECK(zmq_getsockopt(s, keys[i], text, &size) == 0 && size == 41 && strcmp(text, zero_key_z85) == 0);
    }

    /* Set as Z85 with its NUL, as Z85 without (deprecated), or as 32 bytes. */
    CHECK(zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, public_z85, 41) == 0);
    CHECK(zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, secret_z85, 40) == 0);
    CHECK(zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server_public, 41) == 0);
    CHECK(get_int(s, ZMQ_MECHANISM) == ZMQ_CURVE);
    char text[64];
    size_t size = 41;
    CHECK(zmq_getsockopt(s, ZMQ_CURVE_PUBLICKEY, text, &size) == 0 && size == 41 && strcmp(text, public_z85) == 0);
    size = sizeof text; /* a larger buffer gets Z85 too */
    CHECK(zmq_getsockopt(s, ZMQ_CURVE_SECRETKEY, text, &size) == 0 && size == 41 && strcmp(text, secret_z85) == 0);
    size = 41;
    CHECK(zmq_getsockopt(s, ZMQ_CURVE_SERVERKEY, text, &size) == 0 && strcmp(text, server_public) == 0);
    uint8_t bin[32];
    size = sizeof bin;
    CHECK(zmq_getsockopt(s, ZMQ_CURVE_PUBLICKEY, bin, &size) == 0 && size == 32 && memcmp(bin, public_bin, 32) == 0);
    CHECK(zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, public_bin, 32) == 0);
    size = 41;
    CHECK(zmq_getsockopt(s, ZMQ_CURVE_SERVERKEY, text, &size) == 0 && strcmp(text, public_z85) == 0);

    /* Wrong sizes, bad Z85, a buffer neither 32 nor 41+. */
    errno = 0;
    CHECK(zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, public_bin, 31) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, public_z85, 39) == -1 && errno == EINVAL);
    char bad[41];
    memcpy(bad, public_z85, 41);
    bad[3] = '~'; /* not a Z85 character */
    errno = 0;
    CHECK(zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, bad, 41) == -1 && errno == EINVAL);
    size = 40;
    errno = 0;
    CHECK(zmq_getsockopt(s, ZMQ_CURVE_PUBLICKEY, text, &size) == -1 && errno == EINVAL);
    /* A public key that is not the secret key's. */
    errno = 0;
    CHECK(zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, server_public, 41) == -1 && errno == EINVAL);

    /* One mechanism at a time: PLAIN_SERVER drops the CURVE client role, CURVE_SERVER the
       PLAIN one, and 0 leaves NULL. */
    CHECK(set_int(s, ZMQ_PLAIN_SERVER, 1) == 0);
    CHECK(get_int(s, ZMQ_MECHANISM) == ZMQ_PLAIN);
    size = 41;
    CHECK(zmq_getsockopt(s, ZMQ_CURVE_SERVERKEY, text, &size) == 0 && strcmp(text, zero_key_z85) == 0);
    CHECK(set_int(s, ZMQ_CURVE_SERVER, 1) == 0);
    CHECK(get_int(s, ZMQ_MECHANISM) == ZMQ_CURVE);
    CHECK(get_int(s, ZMQ_PLAIN_SERVER) == 0);
    CHECK(set_int(s, ZMQ_CURVE_SERVER, 0) == 0);
    CHECK(get_int(s, ZMQ_MECHANISM) == ZMQ_NULL);
    CHECK(zmq_close(s) == 0);
}

static void bind_any(void *s, char *endpoint, size_t capacity)
{
    CHECK(zmq_bind(s, "tcp://127.0.0.1:*") == 0);
    size_t size = capacity;
    CHECK(zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, endpoint, &size) == 0);
}

/* Connects `sender` (lingering 0) to `endpoint` and sends `text`: `receiver` gets it if
   `delivered` (waiting for it up to 10 s), else nothing within a second (where loopback
   delivers in well under a millisecond). A sender refused may have no peer to send to
   when it sends (its connection dropped after a failed handshake): its send may time out. */
static void check_delivery(void *sender, const char *endpoint, void *receiver, const char *text, int delivered)
{
    CHECK(set_int(receiver, ZMQ_RCVTIMEO, delivered ? 10000 : 1000) == 0);
    CHECK(set_int(sender, ZMQ_SNDTIMEO, delivered ? 10000 : 1000) == 0);
    CHECK(set_int(sender, ZMQ_LINGER, 0) == 0);
    CHECK(zmq_connect(sender, endpoint) == 0);
    const int n = (int) strlen(text);
    errno = 0;
    const int sent = zmq_send(sender, text, (size_t) n, 0);
    CHECK(sent == n || (!delivered && sent == -1 && errno == EAGAIN));
    char buf[64];
    errno = 0;
    if (delivered)
        CHECK(zmq_recv(receiver, buf, sizeof buf, 0) == n && memcmp(buf, text, (size_t) n) == 0);
    else
        CHECK(zmq_recv(receiver, buf, sizeof buf, 0) == -1 && errno == EAGAIN);
}

/* A peer that sends a message over ZMQ_MAXMSGSIZE is dropped: it never arrives, while one
   at the limit does. */
static void test_max_message_size(void *ctx)
{
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    int64_t limit = 10;
    CHECK(zmq_setsockopt(pull, ZMQ_MAXMSGSIZE, &limit, sizeof limit) == 0);
    char endpoint[256];
    bind_any(pull, endpoint, sizeof endpoint);

    void *fits = zmq_socket(ctx, ZMQ_PUSH);
    check_delivery(fits, endpoint, pull, "0123456789", 1);
    void *too_big = zmq_socket(ctx, ZMQ_PUSH);
    check_delivery(too_big, endpoint, pull, "0123456789A", 0);
    CHECK(zmq_close(too_big) == 0);
    CHECK(zmq_close(fits) == 0);
    CHECK(zmq_close(pull) == 0);
}

/* ZMQ_TCP_ACCEPT_FILTER: a listener admits only the addresses its filters name. */
static void test_accept_filter(void *ctx)
{
    const struct {
        const char *filter;
        int admitted;
    } cases[] = {{"10.1.2.3", 0}, {"127.0.0.0/8", 1}};
    for (size_t i = 0; i < 2; ++i) {
        void *pull = zmq_socket(ctx, ZMQ_PULL);
        CHECK(zmq_setsockopt(pull, ZMQ_TCP_ACCEPT_FILTER, cases[i].filter, strlen(cases[i].filter)) == 0);
        char endpoint[256];
        bind_any(pull, endpoint, sizeof endpoint);
        void *push = zmq_socket(ctx, ZMQ_PUSH);
        check_delivery(push, endpoint, pull, "knock knock", cases[i].admitted);
        CHECK(zmq_close(push) == 0);
        CHECK(zmq_close(pull) == 0);
    }
}

/* ZMQ_ROUTER_MANDATORY: a message to an unknown peer fails with EHOSTUNREACH (at its last
   frame here: frames gather until then); without it the message is dropped. */
static void test_router_mandatory(void *ctx)
{
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    CHECK(zmq_send(router, "nobody", 6, ZMQ_SNDMORE) == 6);
    CHECK(zmq_send(router, "x", 1, 0) == 1);
    CHECK(set_int(router, ZMQ_ROUTER_MANDATORY, 1) == 0);
    int first = zmq_send(router, "nobody", 6, ZMQ_SNDMORE);
    int refused = first == -1 && errno == EHOSTUNREACH;
    if (!refused) {
        errno = 0;
        refused = zmq_send(router, "x", 1, 0) == -1 && errno == EHOSTUNREACH;
    }
    CHECK(refused);
    CHECK(zmq_close(router) == 0);
}

/* ZMQ_ROUTING_ID names a DEALER to the ROUTER it connects to. */
static void test_routing_id(void *ctx)
{
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    char endpoint[256];
    bind_any(router, endpoint, sizeof endpoint);
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    CHECK(zmq_setsockopt(dealer, ZMQ_ROUTING_ID, "alice", 5) == 0);
    CHECK(zmq_connect(dealer, endpoint) == 0);
    CHECK(zmq_send(dealer, "hello", 5, 0) == 5);
    char buf[32];
    CHECK(zmq_recv(router, buf, sizeof buf, 0) == 5 && memcmp(buf, "alice", 5) == 0);
    CHECK(zmq_recv(router, buf, sizeof buf, 0) == 5 && memcmp(buf, "hello", 5) == 0);
    /* ROUTER_MANDATORY: the known peer is reachable. */
    CHECK(set_int(router, ZMQ_ROUTER_MANDATORY, 1) == 0);
    CHECK(zmq_send(router, "alice", 5, ZMQ_SNDMORE) == 5);
    CHECK(zmq_send(router, "back", 4, 0) == 4);
    CHECK(zmq_recv(dealer, buf, sizeof buf, 0) == 4 && memcmp(buf, "back", 4) == 0);
    CHECK(zmq_close(dealer) == 0);
    CHECK(zmq_close(router) == 0);
}

/* A CURVE pair, keys given in libzmq's documented order (zmq_curve(7): the server's role
   before its secret key); a client with the wrong server key gets nothing through. */
static void test_curve_connection(void)
{
    void *ctx = zmq_ctx_new();
    char server_public[41], server_secret[41], client_public[41], client_secret[41];
    CHECK(zmq_curve_keypair(server_public, server_secret) == 0);
    CHECK(zmq_curve_keypair(client_public, client_secret) == 0);

    void *server = zmq_socket(ctx, ZMQ_PULL);
    CHECK(set_int(server, ZMQ_CURVE_SERVER, 1) == 0);
    CHECK(zmq_setsockopt(server, ZMQ_CURVE_SECRETKEY, server_secret, 41) == 0);
    char endpoint[256];
    bind_any(server, endpoint, sizeof endpoint);

    void *client = zmq_socket(ctx, ZMQ_PUSH);
    CHECK(zmq_setsockopt(client, ZMQ_CURVE_PUBLICKEY, client_public, 41) == 0);
    CHECK(zmq_setsockopt(client, ZMQ_CURVE_SECRETKEY, client_secret, 41) == 0);
    CHECK(zmq_setsockopt(client, ZMQ_CURVE_SERVERKEY, server_public, 41) == 0);
    check_delivery(client, endpoint, server, "sealed", 1);

    void *stranger = zmq_socket(ctx, ZMQ_PUSH);
    CHECK(zmq_setsockopt(stranger, ZMQ_CURVE_SERVERKEY, client_public, 41) == 0);
    check_delivery(stranger, endpoint, server, "forged", 0);

    /* A CURVE server not given its secret key yet admits nobody (it does not fall back to
       NULL), not even a client that knows the public key the server will have. */
    void *keyless = zmq_socket(ctx, ZMQ_PULL);
    CHECK(set_int(keyless, ZMQ_CURVE_SERVER, 1) == 0);
    char keyless_endpoint[256];
    bind_any(keyless, keyless_endpoint, sizeof keyless_endpoint);
    void *plain_null = zmq_socket(ctx, ZMQ_PUSH);
    check_delivery(plain_null, keyless_endpoint, keyless, "in the clear", 0);
    void *hopeful = zmq_socket(ctx, ZMQ_PUSH);
    CHECK(zmq_setsockopt(hopeful, ZMQ_CURVE_SERVERKEY, server_public, 41) == 0);
    check_delivery(hopeful, keyless_endpoint, keyless, "sealed too early", 0);
    CHECK(zmq_close(hopeful) == 0);
    CHECK(zmq_close(plain_null) == 0);
    CHECK(zmq_close(keyless) == 0);

    CHECK(zmq_close(stranger) == 0);
    CHECK(zmq_close(client) == 0);
    CHECK(zmq_close(server) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);
}

struct zap_handler {
    void *socket;
    int requests;
    atomic_int stop;
};

/* Answers ZAP requests (RFC 27) until told to stop: 200 for PLAIN credentials admin/secret,
   400 for any others. Its socket's receive timeout is how often it looks at `stop`. */
static void *zap_handler_main(void *arg)
{
    struct zap_handler *h = arg;
    for (;;) {
        char frames[8][256];
        int sizes[8];
        int count = 0;
        int more = 1;
        while (more) {
            int n = zmq_recv(h->socket, count < 8 ? frames[count] : frames[7], 255, 0);
            if (n < 0 && errno == EAGAIN && count == 0 && !atomic_load(&h->stop))
                continue;
            if (n < 0)
                return NULL;
            if (count < 8)
                sizes[count++] = n > 255 ? 255 : n;
            size_t size = sizeof more;
            zmq_getsockopt(h->socket, ZMQ_RCVMORE, &more, &size);
        }
        ++h->requests;
        /* version, request id, domain, address, routing id, mechanism, username, password */
        const int admitted = count == 8 && sizes[5] == 5 && memcmp(frames[5], "PLAIN", 5) == 0 && sizes[6] == 5
                             && memcmp(frames[6], "admin", 5) == 0 && sizes[7] == 6
                             && memcmp(frames[7], "secret", 6) == 0;
        zmq_send(h->socket, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(h->socket, frames[1], (size_t) sizes[1], ZMQ_SNDMORE);
        zmq_send(h->socket, admitted ? "200" : "400", 3, ZMQ_SNDMORE);
        zmq_send(h->socket, admitted ? "OK" : "No", 2, ZMQ_SNDMORE);
        zmq_send(h->socket, admitted ? "admin" : "", admitted ? 5 : 0, ZMQ_SNDMORE);
        zmq_send(h->socket, "", 0, 0);
    }
}

/* PLAIN: the server's ZAP handler admits the right credentials, refuses others. */
static void test_plain_connection(void)
{
    void *ctx = zmq_ctx_new();
    struct zap_handler handler = {zmq_socket(ctx, ZMQ_REP), 0, 0};
    CHECK(zmq_bind(handler.socket, "inproc://zeromq.zap.01") == 0);
    CHECK(set_int(handler.socket, ZMQ_RCVTIMEO, 100) == 0);
    CHECK(set_int(handler.socket, ZMQ_LINGER, 0) == 0);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, zap_handler_main, &handler) == 0);

    void *server = zmq_socket(ctx, ZMQ_PULL);
    CHECK(set_int(server, ZMQ_PLAIN_SERVER, 1) == 0);
    CHECK(zmq_setsockopt(server, ZMQ_ZAP_DOMAIN, "test", 4) == 0);
    char endpoint[256];
    bind_any(server, endpoint, sizeof endpoint);

    void *client = zmq_socket(ctx, ZMQ_PUSH);
    CHECK(zmq_setsockopt(client, ZMQ_PLAIN_USERNAME, "admin", 5) == 0);
    CHECK(zmq_setsockopt(client, ZMQ_PLAIN_PASSWORD, "secret", 6) == 0);
    check_delivery(client, endpoint, server, "let me in", 1);

    void *intruder = zmq_socket(ctx, ZMQ_PUSH);
    CHECK(zmq_setsockopt(intruder, ZMQ_PLAIN_USERNAME, "admin", 5) == 0);
    CHECK(zmq_setsockopt(intruder, ZMQ_PLAIN_PASSWORD, "guess", 5) == 0);
    check_delivery(intruder, endpoint, server, "me too", 0);

    CHECK(zmq_close(intruder) == 0);
    CHECK(zmq_close(client) == 0);
    CHECK(zmq_close(server) == 0);
    atomic_store(&handler.stop, 1);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(handler.requests >= 2);
    CHECK(zmq_close(handler.socket) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);
}

int main(void)
{
    void *ctx = zmq_ctx_new();
    test_int_options(ctx);
    test_refused_options(ctx);
    test_64_bit_options(ctx);
    test_string_options(ctx);
    test_curve_key_options(ctx);
    test_max_message_size(ctx);
    test_router_mandatory(ctx);
    test_routing_id(ctx);
    test_accept_filter(ctx);
    CHECK(zmq_ctx_term(ctx) == 0);
    test_curve_connection();
    test_plain_connection();
    return check_result();
}
