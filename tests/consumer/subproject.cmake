# ctest install_subproject: configure tests/consumer/subproject, which pulls zmtp in with
# add_subdirectory and sets no zmtp option. zmtp must define its library target alone
# (no zmtp_unit_tests, no examples, no benchmarks) and look up nothing but threads, Asio
# and libsodium. Configure only: the library's build is install_library_only's business.
#
# Inputs (-D): ZMTP_SOURCE_DIR CONSUMER_SOURCE_DIR WORK_DIR CONSUMER_GENERATOR
#              CONSUMER_MAKE_PROGRAM CONSUMER_CXX_COMPILER
cmake_minimum_required(VERSION 3.21)

set(ZMTP_TEST_NAME install_subproject)
include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")

set(build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

request_codemodel("${build}")
run("configure a project that does add_subdirectory(zmtp)"
    "${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}/subproject" -B "${build}"
    -G "${CONSUMER_GENERATOR}"
    "-DCMAKE_MAKE_PROGRAM=${CONSUMER_MAKE_PROGRAM}"
    "-DCMAKE_CXX_COMPILER=${CONSUMER_CXX_COMPILER}"
    "-DZMTP_SOURCE_DIR=${ZMTP_SOURCE_DIR}")
check_library_dependencies_only("${build}")
codemodel_targets("${build}" targets)
set(expected zmtp zmtp_subproject_consumer)
if(NOT targets STREQUAL expected)
  fail("the project's targets are '${targets}', expected '${expected}': zmtp added more "
       "than its library")
endif()
message(STATUS "install_subproject: OK (targets: ${targets})")
