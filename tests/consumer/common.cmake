# Helpers for the install tests' cmake -P scripts (run.cmake, library_only.cmake).
include_guard(GLOBAL)

# run(<step> <command> <args>...): runs the command, fails the test with its output unless
# it exits 0; its output is left in run_output. A step that runs longer than 10 minutes
# fails too.
function(run step)
  message(STATUS "${ZMTP_TEST_NAME}: ${step}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out
                  TIMEOUT 600)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${ZMTP_TEST_NAME}: ${step} failed (${rc}):\n${out}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

function(fail)
  list(JOIN ARGN "" text)
  message(FATAL_ERROR "${ZMTP_TEST_NAME}: ${text}")
endfunction()

# request_codemodel(<build dir>): asks CMake's file API for the target list; call before
# configuring <build dir>.
function(request_codemodel build)
  file(WRITE "${build}/.cmake/api/v1/query/codemodel-v2" "")
endfunction()

# codemodel_targets(<build dir> <out var>): the names of the targets a configured build
# dir defines (every directory, first configuration), sorted.
function(codemodel_targets build out_var)
  file(GLOB index "${build}/.cmake/api/v1/reply/index-*.json")
  if(NOT index)
    fail("no file API reply in ${build} (request_codemodel before configuring)")
  endif()
  list(SORT index)
  list(GET index -1 index) # the newest
  file(READ "${index}" json)
  string(JSON codemodel_file GET "${json}" reply codemodel-v2 jsonFile)
  file(READ "${build}/.cmake/api/v1/reply/${codemodel_file}" json)
  string(JSON count LENGTH "${json}" configurations 0 targets)
  set(names)
  if(count GREATER 0)
    math(EXPR last "${count} - 1")
    foreach(i RANGE ${last})
      string(JSON name GET "${json}" configurations 0 targets ${i} name)
      list(APPEND names "${name}")
    endforeach()
  endif()
  list(SORT names)
  set(${out_var} "${names}" PARENT_SCOPE)
endfunction()

# check_library_dependencies_only(<build dir>): what configuring zmtp looked up must be
# the library's own dependencies: threads, Asio and libsodium (through pkg-config).
# Anything else (doctest, nlohmann_json, libzmq, Python, node, npm...) leaves a
# <Package>_DIR, a found-package record or a PATH/FILEPATH entry in the cache, and fails
# the test.
function(check_library_dependencies_only build)
  file(STRINGS "${build}/CMakeCache.txt" entries REGEX "^[A-Za-z_][A-Za-z0-9_.+-]*:")
  set(extra)
  foreach(entry IN LISTS entries)
    if(entry MATCHES "^FIND_PACKAGE_MESSAGE_DETAILS_([^:]+):")
      if(NOT CMAKE_MATCH_1 MATCHES "^(Threads|PkgConfig)$")
        list(APPEND extra "${entry}")
      endif()
    elseif(entry MATCHES "^([^:]+):(PATH|FILEPATH)=")
      if(NOT CMAKE_MATCH_1 MATCHES "^(CMAKE_.*|ZMTP_ASIO_INCLUDE_DIR|PKG_CONFIG_EXECUTABLE|pkgcfg_lib_sodium_sodium)$")
        list(APPEND extra "${entry}")
      endif()
    endif()
  endforeach()
  if(extra)
    list(JOIN extra "\n  " extra)
    fail("configuring ${build} looked up more than threads, Asio and libsodium:\n  ${extra}")
  endif()
endfunction()
