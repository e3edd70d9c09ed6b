# ctest install_library_only: the README's library-only install, then a pkg-config user.
#
#  1. configure zmtp with -DZMTP_LIBRARY_ONLY=ON in a fresh build dir: it must look up
#     nothing but threads, Asio and libsodium, and define no target but the library;
#  2. build it and install it into a fresh prefix;
#  3. compile exchange.cpp with `pkg-config --cflags zmtp` (PKG_CONFIG_PATH = the prefix
#     alone), link it with `pkg-config --libs zmtp`, run it: a DEALER/ROUTER exchange over
#     tcp and a REQ/REP one over inproc;
#  4. the same build installed with absolute CMAKE_INSTALL_LIBDIR/INCLUDEDIR, and with
#     DESTDIR: zmtp.pc names the directories the files went to, and the install prefix.
#
# Inputs (-D): ZMTP_SOURCE_DIR ZMTP_EXPECTED_VERSION CONSUMER_SOURCE_DIR WORK_DIR
#              CONSUMER_GENERATOR CONSUMER_MAKE_PROGRAM CONSUMER_CXX_COMPILER
#              CONSUMER_CXX_FLAGS
cmake_minimum_required(VERSION 3.21)

set(ZMTP_TEST_NAME install_library_only)
include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")

set(build "${WORK_DIR}/build")
set(prefix "${WORK_DIR}/prefix")
set(config RelWithDebInfo) # what the README's command gets by default
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

find_program(pkg_config NAMES pkg-config pkgconf)
if(NOT pkg_config)
  fail("pkg-config not found (scripts/deps.sh installs it)")
endif()

# --- 1. configure: the library and nothing else ----------------------------------
request_codemodel("${build}")
run("configure with ZMTP_LIBRARY_ONLY=ON"
    "${CMAKE_COMMAND}" -S "${ZMTP_SOURCE_DIR}" -B "${build}"
    -G "${CONSUMER_GENERATOR}"
    "-DCMAKE_MAKE_PROGRAM=${CONSUMER_MAKE_PROGRAM}"
    "-DCMAKE_CXX_COMPILER=${CONSUMER_CXX_COMPILER}"
    -DZMTP_LIBRARY_ONLY=ON)
check_library_dependencies_only("${build}")
codemodel_targets("${build}" targets)
if(NOT targets STREQUAL "zmtp")
  fail("a library-only build defines the targets '${targets}', expected 'zmtp' alone")
endif()

# --- 2. build and install ------------------------------------------------------------
# One job: this test shares the machine with the others ctest runs (PROCESSORS 1).
run("build" "${CMAKE_COMMAND}" --build "${build}" --config ${config} --parallel 1)
run("install into ${prefix}"
    "${CMAKE_COMMAND}" --install "${build}" --config ${config} --prefix "${prefix}")

file(STRINGS "${build}/CMakeCache.txt" libdir_line REGEX "^CMAKE_INSTALL_LIBDIR:")
string(REGEX REPLACE "^[^=]*=" "" libdir "${libdir_line}")

# pkg_config_query(<out> <pkgconfig dir> <args>...): pkg-config's output, with only
# <pkgconfig dir> searched.
function(pkg_config_query out_var pc_dir)
  set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
  set(ENV{PKG_CONFIG_LIBDIR} "${pc_dir}") # no system directories
  run("pkg-config ${ARGN}" "${pkg_config}" ${ARGN} zmtp)
  string(STRIP "${run_output}" value)
  set(${out_var} "${value}" PARENT_SCOPE)
endfunction()

function(expect_equal what actual expected)
  if(NOT actual STREQUAL expected)
    fail("${what} is '${actual}', expected '${expected}'")
  endif()
endfunction()

# --- 3. a pkg-config user --------------------------------------------------------
set(pc_dir "${prefix}/${libdir}/pkgconfig")
if(NOT EXISTS "${pc_dir}/zmtp.pc")
  fail("no ${pc_dir}/zmtp.pc after the install")
endif()
pkg_config_query(pc_prefix "${pc_dir}" --variable=prefix)
expect_equal("zmtp.pc's prefix" "${pc_prefix}" "${prefix}")
pkg_config_query(pc_version "${pc_dir}" --modversion)
expect_equal("zmtp.pc's version" "${pc_version}" "${ZMTP_EXPECTED_VERSION}")
pkg_config_query(cflags "${pc_dir}" --cflags)
pkg_config_query(libs "${pc_dir}" --libs)
separate_arguments(cflags UNIX_COMMAND "${cflags}")
separate_arguments(libs UNIX_COMMAND "${libs}")
separate_arguments(extra_flags UNIX_COMMAND "${CONSUMER_CXX_FLAGS}") # sanitizer runtimes

set(object "${WORK_DIR}/exchange.o")
run("compile exchange.cpp with pkg-config --cflags zmtp"
    "${CONSUMER_CXX_COMPILER}" ${extra_flags} ${cflags}
    -c "${CONSUMER_SOURCE_DIR}/exchange.cpp" -o "${object}")
set(exe "${WORK_DIR}/exchange")
run("link it with pkg-config --libs zmtp"
    "${CONSUMER_CXX_COMPILER}" ${extra_flags} "${object}" -o "${exe}" ${libs})
run("run exchange" "${exe}")
string(STRIP "${run_output}" printed)
expect_equal("exchange's output" "${printed}" "exchange ok (zmtp ${ZMTP_EXPECTED_VERSION})")

# --- 4. absolute install dirs; DESTDIR ---------------------------------------------
# Outside the source tree (CMake refuses an installed include dir inside it), named after
# WORK_DIR so that a failed run's leftovers are removed by the next run.
string(SHA1 work_hash "${WORK_DIR}")
string(SUBSTRING "${work_hash}" 0 12 work_hash)
set(tmp "$ENV{TMPDIR}")
if(NOT tmp)
  set(tmp /tmp)
endif()
set(absolute "${tmp}/zmtp-install-library-only-${work_hash}")
file(REMOVE_RECURSE "${absolute}")
set(abs_libdir "${absolute}/lib64")
set(abs_includedir "${absolute}/headers")
set(prefix2 "${WORK_DIR}/prefix2")
run("reconfigure with absolute CMAKE_INSTALL_LIBDIR and CMAKE_INSTALL_INCLUDEDIR"
    "${CMAKE_COMMAND}" -S "${ZMTP_SOURCE_DIR}" -B "${build}"
    "-DCMAKE_INSTALL_LIBDIR=${abs_libdir}" "-DCMAKE_INSTALL_INCLUDEDIR=${abs_includedir}")
run("install into ${prefix2}"
    "${CMAKE_COMMAND}" --install "${build}" --config ${config} --prefix "${prefix2}")
set(pc_dir "${abs_libdir}/pkgconfig")
pkg_config_query(pc_prefix "${pc_dir}" --variable=prefix)
expect_equal("zmtp.pc's prefix" "${pc_prefix}" "${prefix2}")
pkg_config_query(pc_libdir "${pc_dir}" --variable=libdir)
expect_equal("zmtp.pc's libdir" "${pc_libdir}" "${abs_libdir}")
pkg_config_query(pc_includedir "${pc_dir}" --variable=includedir)
expect_equal("zmtp.pc's includedir" "${pc_includedir}" "${abs_includedir}")
if(NOT EXISTS "${abs_includedir}/zmtp/socket.hpp")
  fail("zmtp/socket.hpp is not in ${abs_includedir}")
endif()
pkg_config_query(cflags "${pc_dir}" --cflags)
string(FIND " ${cflags} " " -I${abs_includedir} " pos)
if(pos EQUAL -1)
  fail("pkg-config --cflags zmtp gave '${cflags}', without -I${abs_includedir}")
endif()
pkg_config_query(libs "${pc_dir}" --libs)
separate_arguments(libs UNIX_COMMAND "${libs}")
set(exe2 "${WORK_DIR}/exchange-absolute")
run("link exchange with the absolute libdir's pkg-config --libs zmtp"
    "${CONSUMER_CXX_COMPILER}" ${extra_flags} "${object}" -o "${exe2}" ${libs})
file(REMOVE_RECURSE "${absolute}")

# DESTDIR stages the files; zmtp.pc still names the prefix they are meant for.
run("reconfigure with the default install dirs"
    "${CMAKE_COMMAND}" -S "${ZMTP_SOURCE_DIR}" -B "${build}"
    "-DCMAKE_INSTALL_LIBDIR=${libdir}" -DCMAKE_INSTALL_INCLUDEDIR=include)
set(ENV{DESTDIR} "${WORK_DIR}/stage")
run("install with DESTDIR=${WORK_DIR}/stage"
    "${CMAKE_COMMAND}" --install "${build}" --config ${config} --prefix /opt/zmtp)
unset(ENV{DESTDIR})
file(STRINGS "${WORK_DIR}/stage/opt/zmtp/${libdir}/pkgconfig/zmtp.pc" staged_prefix REGEX "^prefix=")
expect_equal("the staged zmtp.pc's prefix line" "${staged_prefix}" "prefix=/opt/zmtp")

message(STATUS "install_library_only: OK (${targets} alone; pkg-config user ran: ${printed})")
