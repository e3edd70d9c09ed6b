# Sanitizer and libFuzzer instrumentation for zmtp's own targets.
#
#   ZMTP_SANITIZE="address,undefined" (or "thread", ...) compiles *and* links each
#   target with -fsanitize=<value> -fno-omit-frame-pointer -fno-sanitize-recover=all.
#   ZMTP_BUILD_FUZZERS=ON additionally compiles the library and the fuzz targets with
#   -fsanitize=fuzzer-no-link (the fuzz executables link with -fsanitize=fuzzer).
include_guard(GLOBAL)
include(CheckCXXSourceCompiles)

# Flags for ZMTP_SANITIZE, as a list (empty when no sanitizer is requested).
function(zmtp_sanitizer_flags out_var)
  if(ZMTP_SANITIZE)
    set(flags -fsanitize=${ZMTP_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    # clang 14's -fsanitize=function (part of "undefined") cannot compile C++20 coroutines
    # ("Cannot represent a difference across sections"); the other UBSan checks stay on.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND ZMTP_SANITIZE MATCHES "undefined")
      list(APPEND flags -fno-sanitize=function)
    endif()
    set(${out_var} ${flags} PARENT_SCOPE)
  else()
    set(${out_var} "" PARENT_SCOPE)
  endif()
endfunction()

# Fail at configure time (not deep inside the build) if the sanitizer runtime is missing.
function(zmtp_check_sanitizer_support)
  if(NOT ZMTP_SANITIZE)
    return()
  endif()
  zmtp_sanitizer_flags(flags)
  set(CMAKE_REQUIRED_FLAGS "${flags}")
  list(JOIN CMAKE_REQUIRED_FLAGS " " CMAKE_REQUIRED_FLAGS)
  set(CMAKE_REQUIRED_LINK_OPTIONS ${flags})
  set(CMAKE_REQUIRED_QUIET ON)
  string(MAKE_C_IDENTIFIER "ZMTP_HAVE_SANITIZE_${ZMTP_SANITIZE}" result_var)
  check_cxx_source_compiles("int main() { return 0; }" ${result_var})
  if(NOT ${result_var})
    message(FATAL_ERROR "zmtp: ZMTP_SANITIZE=${ZMTP_SANITIZE}: ${CMAKE_CXX_COMPILER} cannot "
                        "build and link with -fsanitize=${ZMTP_SANITIZE} (for clang-14 install "
                        "libclang-rt-14-dev)")
  endif()
endfunction()

# Fuzzers need clang's libFuzzer; check the compiler and the runtime up front.
function(zmtp_check_fuzzer_support)
  if(NOT ZMTP_BUILD_FUZZERS)
    return()
  endif()
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "zmtp: ZMTP_BUILD_FUZZERS=ON needs clang (libFuzzer), but the C++ "
                        "compiler is ${CMAKE_CXX_COMPILER_ID} (${CMAKE_CXX_COMPILER}). "
                        "Configure with -DCMAKE_CXX_COMPILER=clang++-14.")
  endif()
  set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer")
  set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=fuzzer)
  set(CMAKE_REQUIRED_QUIET ON)
  check_cxx_source_compiles([[
    #include <cstddef>
    #include <cstdint>
    extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }
  ]] ZMTP_HAVE_LIBFUZZER)
  if(NOT ZMTP_HAVE_LIBFUZZER)
    message(FATAL_ERROR "zmtp: ${CMAKE_CXX_COMPILER} cannot link with -fsanitize=fuzzer "
                        "(for clang-14 install libfuzzer-14-dev and libclang-rt-14-dev)")
  endif()
endfunction()

# Apply ZMTP_SANITIZE to one target (compile + link, private).
function(zmtp_enable_sanitizers target)
  zmtp_sanitizer_flags(flags)
  if(flags)
    target_compile_options(${target} PRIVATE ${flags})
    target_link_options(${target} PRIVATE ${flags})
  endif()
endfunction()

# Coverage instrumentation for libFuzzer, without linking libFuzzer's main().
function(zmtp_enable_fuzz_instrumentation target)
  if(ZMTP_BUILD_FUZZERS)
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
endfunction()

# Everything every zmtp target gets: warnings + sanitizers.
function(zmtp_target_defaults target)
  zmtp_enable_warnings(${target})
  zmtp_enable_sanitizers(${target})
endfunction()

# A test program: the defaults, then ZMTP_TEST_COMPILE_OPTIONS (after the build type's
# flags, so an -O there wins).
function(zmtp_test_target_defaults target)
  zmtp_target_defaults(${target})
  target_compile_options(${target} PRIVATE ${ZMTP_TEST_COMPILE_OPTIONS})
endfunction()
