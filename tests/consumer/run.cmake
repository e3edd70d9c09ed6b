# ctest install_consumer: install the zmtp build tree into a fresh prefix, build
# tests/consumer against it with find_package(zmtp), run it and check its output.
#
# Inputs (-D): ZMTP_BUILD_DIR ZMTP_CONFIG ZMTP_EXPECTED_VERSION CONSUMER_SOURCE_DIR
#              WORK_DIR CONSUMER_GENERATOR CONSUMER_MAKE_PROGRAM CONSUMER_CXX_COMPILER
#              CONSUMER_CXX_FLAGS
cmake_minimum_required(VERSION 3.21)

set(ZMTP_TEST_NAME install_consumer)
include("${CMAKE_CURRENT_LIST_DIR}/common.cmake") # run()

set(prefix "${WORK_DIR}/prefix")
set(build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

set(config_args)
if(ZMTP_CONFIG)
  set(config_args --config "${ZMTP_CONFIG}")
endif()

run("install into ${prefix}"
    "${CMAKE_COMMAND}" --install "${ZMTP_BUILD_DIR}" --prefix "${prefix}" ${config_args})

set(build_type_arg)
if(ZMTP_CONFIG)
  set(build_type_arg "-DCMAKE_BUILD_TYPE=${ZMTP_CONFIG}")
endif()
run("configure consumer"
    "${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}" -B "${build}"
    -G "${CONSUMER_GENERATOR}"
    "-DCMAKE_MAKE_PROGRAM=${CONSUMER_MAKE_PROGRAM}"
    "-DCMAKE_CXX_COMPILER=${CONSUMER_CXX_COMPILER}"
    "-DCMAKE_CXX_FLAGS=${CONSUMER_CXX_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${CONSUMER_CXX_FLAGS}"
    ${build_type_arg}
    "-DCMAKE_PREFIX_PATH=${prefix}"
    # only the fresh prefix may satisfy find_package(zmtp)
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)

# Make sure the package really came from our prefix, not from the system.
file(STRINGS "${build}/CMakeCache.txt" zmtp_dir_line REGEX "^zmtp_DIR:")
string(REGEX REPLACE "^zmtp_DIR:[A-Z]+=" "" zmtp_dir "${zmtp_dir_line}")
file(REAL_PATH "${prefix}" real_prefix)
file(REAL_PATH "${zmtp_dir}" real_zmtp_dir)
string(FIND "${real_zmtp_dir}" "${real_prefix}/" pos)
if(NOT pos EQUAL 0)
  message(FATAL_ERROR "install_consumer: zmtp was found in '${zmtp_dir}', not under '${prefix}'")
endif()

run("build consumer" "${CMAKE_COMMAND}" --build "${build}" ${config_args})

set(exe "${build}/zmtp_consumer")
if(NOT EXISTS "${exe}" AND ZMTP_CONFIG)
  set(exe "${build}/${ZMTP_CONFIG}/zmtp_consumer") # multi-config generators
endif()
run("run consumer" "${exe}")
string(STRIP "${run_output}" printed)
if(NOT printed STREQUAL ZMTP_EXPECTED_VERSION)
  message(FATAL_ERROR "install_consumer: consumer printed '${printed}', expected "
                      "'${ZMTP_EXPECTED_VERSION}'")
endif()
message(STATUS "install_consumer: OK (zmtp ${printed} from ${zmtp_dir})")
