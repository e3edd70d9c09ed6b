#!/bin/sh
# Checks that the zmtp library and programs built on it neither link libzmq nor contain a
# zmq_* symbol: zmtp is a ZMTP implementation of its own, not a libzmq wrapper.
#
# usage: check_no_libzmq.sh [--expect-found] FILE...
#   FILE: libzmtp.a, libzmtp.so or an executable.
# Exit status: 0 nothing found, 1 libzmq found (a dependency or a zmq_ symbol), 2 error
# (missing file, missing tool). With --expect-found, 0 and 1 are swapped, so that the
# check can be shown to notice a binary that does link libzmq.
expect_found=0
if [ "$1" = "--expect-found" ]; then
  expect_found=1
  shift
fi
if [ $# -eq 0 ]; then
  echo "usage: $0 [--expect-found] FILE..." >&2
  exit 2
fi
for tool in nm ldd; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "error: $tool not found" >&2
    exit 2
  fi
done

found=0
for f in "$@"; do
  if [ ! -f "$f" ]; then
    echo "error: $f does not exist (build everything first)" >&2
    exit 2
  fi
  case "$f" in
    *.a)
      # Every object of the archive: defined and undefined symbols.
      syms=$(nm -A "$f" 2>&1) || { echo "error: nm $f failed: $syms" >&2; exit 2; }
      deps="" ;;
    *)
      # Static symbol table (may be stripped) and dynamic symbols; dependencies via ldd.
      syms=$( { nm "$f" 2>/dev/null; nm -D "$f" 2>/dev/null; } )
      if [ -z "$syms" ]; then
        echo "error: no symbols could be read from $f" >&2
        exit 2
      fi
      deps=$(ldd "$f" 2>&1) || { echo "error: ldd $f failed: $deps" >&2; exit 2; } ;;
  esac
  # Symbol lines end with the name; look for names starting with zmq_.
  bad_syms=$(printf '%s\n' "$syms" | awk '{ print $NF }' | grep '^zmq_' | sort -u)
  bad_deps=$(printf '%s\n' "$deps" | grep -i 'libzmq')
  if [ -n "$bad_syms" ] || [ -n "$bad_deps" ]; then
    found=1
    echo "FOUND libzmq in $f:"
    [ -n "$bad_deps" ] && printf '  dependency: %s\n' "$bad_deps"
    [ -n "$bad_syms" ] && printf '%s\n' "$bad_syms" | head -20 | sed 's/^/  symbol: /'
  else
    echo "ok: $f has no libzmq dependency and no zmq_ symbol"
  fi
done

if [ "$expect_found" = 1 ]; then
  [ "$found" = 1 ] && { echo "libzmq detected, as expected"; exit 0; }
  echo "error: expected to detect libzmq, found none" >&2
  exit 1
fi
exit "$found"
