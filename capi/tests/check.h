/* A minimal checking harness for the C API tests: CHECK records a failure and goes on;
   main() returns check_result(). */
#ifndef ZMTP_CAPI_CHECK_H
#define ZMTP_CAPI_CHECK_H

#include <stdio.h>

static int check_failures = 0;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);       \
            ++check_failures;                                                              \
        }                                                                                  \
    } while (0)

static int check_result(void)
{
    if (check_failures)
        fprintf(stderr, "%d check(s) failed\n", check_failures);
    return check_failures ? 1 : 0;
}

#endif
