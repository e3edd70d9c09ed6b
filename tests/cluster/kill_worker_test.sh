#!/usr/bin/env bash
# A worker of filer-cluster is killed while clients are busy: the cluster must start a
# replacement, clients that retry (filer-req closes and reopens its REQ after a timeout)
# must get every answer, and SIGTERM must then stop everything within a second.
# Usage: kill_worker_test.sh BIN_DIR
set -euo pipefail
bin=$1
work=$(mktemp -d)
cluster_pid=
cleanup() {
  [[ -n $cluster_pid ]] && kill -KILL "$cluster_pid" 2>/dev/null || true
  pkill -KILL -f "filer-worker --connect ipc://$work/" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
router=tcp://127.0.0.1:$port
dealer=ipc://$work/dealer.ipc
printf 'the file\n' > "$work/file.txt"

"$bin/filer-cluster" --router "$router" --dealer "$dealer" --workers 2 --root "$work" > "$work/cluster.out" 2>&1 &
cluster_pid=$!
# Both workers online first (on a loaded machine forking them can take a while): the victim
# is picked from their lines.
for _ in $(seq 100); do (( $(grep -c 'is online' "$work/cluster.out") == 2 )) && break; sleep 0.1; done
(( $(grep -c 'is online' "$work/cluster.out") == 2 )) || { echo "FAIL: workers not online"; cat "$work/cluster.out"; exit 1; }

"$bin/filer-req" --connect "$router" --count 20000 --clients 4 --timeout-ms 500 file.txt > "$work/req.out" 2>&1 &
req_pid=$!
sleep 0.4
victim=$(sed -n 's/^Worker \([0-9]*\) is online\./\1/p' "$work/cluster.out" | head -1)
kill -KILL "$victim"
echo "killed worker $victim"

status=0
wait "$req_pid" || status=$?
cat "$work/req.out"
[[ $status == 0 ]] || { echo "FAIL: filer-req exited $status"; exit 1; }
grep -q '"missing":0' "$work/req.out" || { echo "FAIL: replies missing"; exit 1; }
grep -q '"replies":20000' "$work/req.out" || { echo "FAIL: not every request answered"; exit 1; }
grep -q '"errors":0' "$work/req.out" || { echo "FAIL: error replies"; exit 1; }
grep -q "^Worker $victim exited" "$work/cluster.out" || { echo "FAIL: death not noticed"; cat "$work/cluster.out"; exit 1; }
[[ $(grep -c 'is online' "$work/cluster.out") == 3 ]] || { echo "FAIL: no replacement"; cat "$work/cluster.out"; exit 1; }
# The replacement answered too: three pids served requests.
[[ $(grep -o '"per_pid":{[^}]*}' "$work/req.out" | grep -o '"[0-9]*":' | wc -l) == 3 ]] \
  || { echo "FAIL: the replacement served nothing"; exit 1; }

kill -TERM "$cluster_pid"
for _ in $(seq 10); do kill -0 "$cluster_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$cluster_pid" 2>/dev/null; then echo "FAIL: cluster still running 1 s after SIGTERM"; exit 1; fi
wait "$cluster_pid" || { echo "FAIL: cluster exit status $?"; exit 1; }
cluster_pid=
[[ ! -e $work/dealer.ipc ]] || { echo "FAIL: ipc file left behind"; exit 1; }
pgrep -f "filer-worker --connect $dealer" && { echo "FAIL: workers left behind"; exit 1; }
cat "$work/cluster.out"
echo "PASS"
