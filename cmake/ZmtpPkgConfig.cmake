# zmtp.pc for pkg-config users: `pkg-config --cflags --libs zmtp`, installed in
# <libdir>/pkgconfig next to the library.
#
#   Cflags: -std=c++20 (zmtp's headers need C++20; a later -std given after it wins),
#           -pthread, -I<includedir>, -I<Asio> unless Asio is in the compiler's own include
#           path, and the compile definitions every user of zmtp must share with the
#           library (ZMTP_PUBLIC_DEFINITIONS and ZMTP_CLANG_PUBLIC_DEFINITIONS: the latter
#           are what Asio detects by itself on GCC in C++20 mode, so they hold for any
#           compiler, which a .pc file cannot tell apart).
#   Libs:   -L<libdir> -lzmtp -pthread, and for a static (default) libzmtp -lsodium: its
#           one dependency besides threads (CURVE); a shared one carries it itself. The
#           consumer's own code uses threads through Asio's headers whichever the library is.
#
# The prefix is the one `cmake --install` is given (--prefix, CMAKE_INSTALL_PREFIX), not
# the one at configure time, so the last step runs in the install script. Relative
# CMAKE_INSTALL_LIBDIR/INCLUDEDIR are written relative to ${prefix}, absolute ones as they are.
include_guard(GLOBAL)

function(zmtp_install_pkgconfig)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
    set(ZMTP_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
  else()
    set(ZMTP_PC_LIBDIR "\${exec_prefix}/${CMAKE_INSTALL_LIBDIR}")
  endif()
  if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
    set(ZMTP_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
  else()
    set(ZMTP_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
  endif()

  set(cflags -std=c++20 -pthread "-I\${includedir}")
  if(NOT ZMTP_ASIO_INCLUDE_DIR IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
    list(APPEND cflags "-I${ZMTP_ASIO_INCLUDE_DIR}")
  endif()
  foreach(definition IN LISTS ZMTP_PUBLIC_DEFINITIONS ZMTP_CLANG_PUBLIC_DEFINITIONS)
    list(APPEND cflags "-D${definition}")
  endforeach()
  list(JOIN cflags " " ZMTP_PC_CFLAGS)
  if(BUILD_SHARED_LIBS)
    set(ZMTP_PC_LIBS -pthread)
  else()
    set(ZMTP_PC_LIBS "-lsodium -pthread")
  endif()

  # Everything but the prefix now; the prefix when installing.
  set(ZMTP_PC_PREFIX "@ZMTP_PC_PREFIX@")
  set(partial "${PROJECT_BINARY_DIR}/pkgconfig/zmtp.pc.in")
  set(final "${PROJECT_BINARY_DIR}/pkgconfig/zmtp.pc")
  configure_file("${PROJECT_SOURCE_DIR}/cmake/zmtp.pc.in" "${partial}" @ONLY)
  install(CODE "
    set(ZMTP_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
    configure_file(\"${partial}\" \"${final}\" @ONLY)")
  install(FILES "${final}" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
endfunction()
