# Shared by scripts/test.sh and scripts/demo.sh (sourced, not run).
# cd's to the repository root and defines the build configurations.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# configure DIR COMPILER ARGS...: (re)configures DIR with Ninja. A cache made with a
# different generator or compiler is wiped first, so a stale build dir never breaks a run.
configure() {
  local dir=$1 cxx=$2
  shift 2
  if [[ -f $dir/CMakeCache.txt ]]; then
    local gen compiler
    gen=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$dir/CMakeCache.txt")
    compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$dir/CMakeCache.txt")
    if [[ $gen != Ninja || ( $compiler != "$cxx" && $compiler != "$(command -v "$cxx")" ) ]]; then
      echo "note: $dir was configured with '$gen' / '$compiler'; starting it afresh"
      rm -rf "$dir"
    fi
  fi
  # The C compiler of the same family (the drop-in libzmq's C tests take the same flags).
  local cc=gcc
  [[ $cxx == clang++* ]] && cc=${cxx/clang++/clang}
  cmake -S . -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" "$@"
}

# Test programs at -O1 with line tables only: half their compile time, and CI is mostly
# build time. The library, examples and benchmarks keep the build type's flags.
TEST_OPTIONS="-DZMTP_TEST_COMPILE_OPTIONS=-O1;-g1"

# (a) the main build: g++, optimized with debug info, warnings are errors.
configure_main() {
  configure build g++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZMTP_WERROR=ON "$TEST_OPTIONS"
}

# (b) the sanitizer + fuzzer build: clang++-14, ASan + UBSan, libFuzzer targets.
# Unity builds, (b) and (c), for CI time; (a) stays per-file, so it still catches missing includes.
configure_sanitize() {
  configure build-sanitize clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZMTP_WERROR=ON \
    -DZMTP_SANITIZE=address,undefined -DZMTP_BUILD_FUZZERS=ON -DCMAKE_UNITY_BUILD=ON "$TEST_OPTIONS"
}

# (c) ThreadSanitizer build of the tests that use threads (the socket tests): clang++-14.
configure_tsan() {
  configure build-tsan clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZMTP_WERROR=ON \
    -DZMTP_SANITIZE=thread -DZMTP_BUILD_EXAMPLES=OFF -DZMTP_BUILD_BENCH=OFF -DCMAKE_UNITY_BUILD=ON "$TEST_OPTIONS"
}
