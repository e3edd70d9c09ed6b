#!/bin/sh
# check_capi_library.sh LIBRARY PROGRAM...: each PROGRAM (a capi_libzmq_* benchmark) loads
# LIBRARY, the drop-in libzmq.so.5, and not the system's libzmq, with LD_LIBRARY_PATH unset
# (so through its build RPATH alone), as the dynamic loader resolves it (ldd).
library=$(readlink -f "$1")
shift
status=0
for program in "$@"; do
  loaded=$(env -u LD_LIBRARY_PATH ldd "$program" | awk '$1 == "libzmq.so.5" { print $3 }')
  if [ -z "$loaded" ]; then
    echo "FAIL $program: no libzmq.so.5 among its libraries"
    status=1
  elif [ "$(readlink -f "$loaded")" != "$library" ]; then
    echo "FAIL $program loads $loaded, not $library"
    status=1
  else
    echo "ok   $program loads $loaded"
  fi
done
exit $status
