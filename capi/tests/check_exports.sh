#!/bin/sh
# The drop-in library exports only zmq_* symbols, has libzmq's soname, and needs no libzmq.
#   check_exports.sh LIBRARY
set -eu
lib=$1
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^zmq_' || true)
if [ -n "$bad" ]; then
    echo "exported symbols that are not zmq_*:"; echo "$bad"; exit 1
fi
count=$(nm -D --defined-only "$lib" | grep -c ' zmq_')
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libzmq.so.5" ] || { echo "soname is '$soname', not libzmq.so.5"; exit 1; }
if readelf -d "$lib" | grep NEEDED | grep -q 'libzmq'; then
    echo "it needs a libzmq:"; readelf -d "$lib" | grep NEEDED; exit 1
fi
echo "$count zmq_* symbols exported and nothing else; soname $soname; no libzmq needed"
