#!/usr/bin/env bash
# The main demo: builds zmtp, starts the clustered file service (filer-cluster: a ROUTER/
# DEALER proxy and one filer-worker process per CPU), sends a few thousand requests from
# several concurrent REQ clients (filer-req), prints how they spread over the workers and
# the request rate, then stops the cluster with SIGTERM.
# Extra arguments go to filer-req (e.g. --count 10000 --clients 16).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh" # cd's to the repo root

bash scripts/deps.sh
configure_main
cmake --build build -j2

bin=$PWD/build/bin
work=$(mktemp -d)
cd "$work" # the cluster's ipc file (ipc://filer-dealer.ipc) lives here
cluster_pid=
trap '[[ -n $cluster_pid ]] && kill -KILL "$cluster_pid" 2>/dev/null; rm -rf "$work"' EXIT
printf 'Hello from the zmtp file service.\n' > hello.txt

echo "== starting filer-cluster"
"$bin/filer-cluster" > cluster.log 2>&1 &
cluster_pid=$!
for _ in $(seq 50); do grep -q Listening cluster.log && break; sleep 0.1; done
cat cluster.log

echo "== sending requests"
"$bin/filer-req" --count 5000 --clients 8 "$@" hello.txt # relative to the root: the cluster's working directory

echo "== stopping the cluster (SIGTERM)"
kill -TERM "$cluster_pid"
wait "$cluster_pid"
cluster_pid=
[[ -e filer-dealer.ipc ]] && { echo "ipc file left behind"; exit 1; }
echo "cluster stopped cleanly"
