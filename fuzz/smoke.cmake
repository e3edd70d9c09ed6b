# ctest fuzz_smoke_<name>: a short libFuzzer run (fixed seed, so it repeats exactly) that
# never writes into the source tree.
# Inputs (-D): FUZZER SCRATCH_DIR ARTIFACT_DIR SEED_CORPUS
cmake_minimum_required(VERSION 3.21)

file(REMOVE_RECURSE "${SCRATCH_DIR}")
file(MAKE_DIRECTORY "${SCRATCH_DIR}" "${ARTIFACT_DIR}")

# Output goes straight to ctest's log; crash/leak/timeout inputs land in ARTIFACT_DIR.
execute_process(
  COMMAND "${FUZZER}" -runs=20000 -max_len=4096 -rss_limit_mb=2048 -seed=1
          "-artifact_prefix=${ARTIFACT_DIR}/"
          "${SCRATCH_DIR}" "${SEED_CORPUS}"
  WORKING_DIRECTORY "${ARTIFACT_DIR}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fuzz smoke run of ${FUZZER} failed (${rc}); reproducer in ${ARTIFACT_DIR}")
endif()
