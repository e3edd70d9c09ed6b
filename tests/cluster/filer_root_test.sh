#!/usr/bin/env bash
# filer-cluster passes --root and --max-bytes to its workers: through the cluster, files
# below the root are served and every other request gets its exact error reply, from the
# same worker, which keeps serving. Bad --root / --max-bytes values stop the programs at
# once (no worker restarted in a loop). The client is a pyzmq REQ (filer-req prints no
# reply text). Usage: filer_root_test.sh BIN_DIR
set -euo pipefail
bin=$1
work=$(mktemp -d)
cluster_pid=
cleanup() {
  [[ -n $cluster_pid ]] && kill -KILL "$cluster_pid" 2>/dev/null || true
  for pid in $(sed -n 's/^Worker \([0-9]*\) is online\./\1/p' "$work/cluster.out" 2>/dev/null); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/data/sub"
printf 'hello\n' > "$work/data/hello.txt"
printf 'sixteen bytes..\n' > "$work/data/max.txt"
printf 'seventeen bytes.\n' > "$work/data/big.txt"
printf 'secret\n' > "$work/secret.txt"
ln -s ../secret.txt "$work/data/link"
mkfifo "$work/data/fifo"

cd "$work" # --root data: relative, resolved by filer-cluster
"$bin/filer-cluster" --router 'tcp://127.0.0.1:*' --dealer "ipc://$work/dealer.ipc" --workers 1 \
  --root data --max-bytes 16 > cluster.out 2>&1 &
cluster_pid=$!
for _ in $(seq 100); do grep -q 'is online' cluster.out && break; sleep 0.1; done
grep -q 'is online' cluster.out || { echo "FAIL: worker not online"; cat cluster.out; exit 1; }
router=$(sed -n 's/^Listening on \([^,]*\),.*/\1/p' cluster.out)
worker=$(sed -n 's/^Worker \([0-9]*\) is online\./\1/p' cluster.out)
# "online" may be printed between fork and exec: wait for the worker's own command line.
expected_args="$(realpath "$bin")/filer-worker --connect ipc://$work/dealer.ipc --root $(realpath "$work")/data --max-bytes 16 "
for _ in $(seq 50); do
  args=$(tr '\0' ' ' < "/proc/$worker/cmdline")
  [[ $args == "$expected_args" ]] && break
  sleep 0.1
done
[[ $args == "$expected_args" ]] || { echo "FAIL: worker arguments: $args"; exit 1; }

# One request per line of paths; one reply per output line: "PATH => content|error: TEXT".
/usr/bin/python3 - "$router" "$worker" "$work/data/hello.txt" > replies.out <<'EOF'
import json, sys, zmq
router, worker, absolute = sys.argv[1], int(sys.argv[2]), sys.argv[3]
paths = ["hello.txt", "../secret.txt", "/etc/passwd", "link", "sub", "fifo", "/dev/zero", "-",
         absolute, "max.txt", "big.txt", "missing.txt", "hello.txt"]
req = zmq.Context().socket(zmq.REQ)
req.setsockopt(zmq.RCVTIMEO, 5000)
req.setsockopt(zmq.LINGER, 0)
req.connect(router)
for path in paths:
    req.send(json.dumps({"path": path}).encode())
    reply = json.loads(req.recv())
    assert reply.pop("pid") == worker, reply
    kind = "content" if "content" in reply else "error"
    print(f"{path} => {kind}: {json.dumps(reply[kind])}")
EOF
diff -u - replies.out <<EOF || { echo "FAIL: replies differ"; exit 1; }
hello.txt => content: "hello\n"
../secret.txt => error: "path leaves the root: ../secret.txt"
/etc/passwd => error: "path leaves the root: /etc/passwd"
link => error: "path leaves the root: link"
sub => error: "not a regular file: sub"
fifo => error: "not a regular file: fifo"
/dev/zero => error: "path leaves the root: /dev/zero"
- => error: "no such file: -"
$work/data/hello.txt => content: "hello\n"
max.txt => content: "sixteen bytes..\n"
big.txt => error: "file too large (17 bytes, limit 16): big.txt"
missing.txt => error: "no such file: missing.txt"
hello.txt => content: "hello\n"
EOF
cat replies.out

kill -TERM "$cluster_pid"
wait "$cluster_pid" || { echo "FAIL: cluster exit status $?"; exit 1; }
cluster_pid=
[[ $(grep -c 'is online' cluster.out) == 1 ]] || { echo "FAIL: a worker was restarted"; cat cluster.out; exit 1; }

# Bad values stop the programs at once with status 2 and a message, starting no worker.
# EXPECTED_OUTPUT (a regex) COMMAND...
expect_refusal() {
  local want=$1 status=0
  shift
  timeout 5 "$@" > bad.out 2>&1 || status=$?
  [[ $status == 2 ]] && grep -qx "$want" bad.out || { echo "FAIL: exit $status from $*"; cat bad.out; exit 1; }
}
cluster_cmd=("$bin/filer-cluster" --router 'tcp://127.0.0.1:*' --dealer "ipc://$work/bad.ipc" --workers 1)
worker_cmd=("$bin/filer-worker" --connect "ipc://$work/bad.ipc")
expect_refusal 'usage: filer-cluster .*' "${cluster_cmd[@]}" --max-bytes -1
expect_refusal 'usage: filer-cluster .*' "${cluster_cmd[@]}" --max-bytes 12k
expect_refusal 'usage: filer-worker .*' "${worker_cmd[@]}" --max-bytes ''
expect_refusal 'filer-cluster: --root: .*No such file or directory.*' "${cluster_cmd[@]}" --root missing
expect_refusal 'filer-worker: --root: .*Not a directory.*' "${worker_cmd[@]}" --root data/hello.txt
echo "PASS"
