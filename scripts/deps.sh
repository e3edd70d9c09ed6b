#!/usr/bin/env bash
# Installs every Debian 12 package zmtp needs (build, tests, fuzzing, interop tools).
# Run as root (or with sudo available). Only missing packages are installed; when
# nothing is missing this does nothing (no apt-get update, no network).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  clang-14 libclang-rt-14-dev libfuzzer-14-dev
  libasio-dev libfmt-dev libsodium-dev doctest-dev nlohmann-json3-dev
  libzmq3-dev python3-zmq gnuplot-nox
  python3-pytest python3-tornado # pyzmq's own test suite (capi/pyzmq_suite)
  nodejs npm
)

# Node.js: if `node` and `npm` already exist (e.g. a NodeSource node 20, whose nodejs
# package bundles npm and conflicts with Debian's npm), don't install Debian's.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${PACKAGES[@]}"; do
    [[ $p == nodejs || $p == npm ]] || filtered+=("$p")
  done
  PACKAGES=("${filtered[@]}")
fi

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "deps.sh: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "deps.sh: need root to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update </dev/null
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  "${missing[@]}" </dev/null
