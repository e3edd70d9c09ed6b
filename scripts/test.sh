#!/usr/bin/env bash
# The one command that runs every zmtp test:
#   (a) build/          g++ RelWithDebInfo -Werror:            unit + install tests
#   (b) build-sanitize/ clang++-14 ASan+UBSan -Werror fuzzers: unit + fuzz-smoke tests
#   (c) build-tsan/     clang++-14 ThreadSanitizer: the socket, hostile-peer and fault tests
#                       (real threads and I/O)
# Exits non-zero on any failure and ends with a one-line summary.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh" # cd's to the repo root

start=$SECONDS
step="deps"
trap 'rc=$?; ((rc == 0)) || echo "test.sh: FAIL (exit $rc) in step: $step, after $((SECONDS - start))s" >&2' EXIT

# Any sanitizer report is fatal (also for test discovery, which runs at build time).
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$ROOT/scripts/lsan.supp" # leaks inside libzmq only (see the file)

bash scripts/deps.sh

count_tests() { ctest --test-dir "$1" -N "${@:2}" | sed -n 's/^Total Tests: //p'; }

step="(a) configure build/";       configure_main
step="(a) build build/";           cmake --build build -j2
step="(a) ctest build/";           ctest --test-dir build --output-on-failure -j2
tests_a=$(count_tests build)

step="(b) configure build-sanitize/"; configure_sanitize
step="(b) build build-sanitize/";     cmake --build build-sanitize -j2
step="(b) ctest build-sanitize/";     ctest --test-dir build-sanitize --output-on-failure -j2 -LE '^install$'
tests_b=$(count_tests build-sanitize -LE '^install$')

export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
step="(c) configure build-tsan/"; configure_tsan
step="(c) build build-tsan/";     cmake --build build-tsan -j2 --target zmtp_socket_tests zmtp_hostile_tests zmtp_fault_tests
step="(c) ctest build-tsan/";     ctest --test-dir build-tsan --output-on-failure -j2 -L '^(socket|hostile|faults)$'
tests_c=$(count_tests build-tsan -L '^(socket|hostile|faults)$')

echo "test.sh: PASS: ${tests_a} tests (g++) + ${tests_b} tests (clang++-14 asan+ubsan, incl. fuzz smoke) + ${tests_c} tests (clang++-14 tsan) in $((SECONDS - start))s"
