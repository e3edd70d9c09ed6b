#!/usr/bin/env bash
# The clustered file service secured: filer-cluster with --curve-secret-key (then with
# --plain-user/--plain-password) serves filer-req clients that know its public key (the
# password); a client with a wrong server key, a wrong password or no security gets no
# answer and exits non-zero within its timeout. CURVE and PLAIN flags together are refused.
# Usage: secure_test.sh BIN_DIR
set -euo pipefail
bin=$(cd "$1" && pwd)
work=$(mktemp -d)
cluster_pid=
stop_cluster() {
  [[ -n $cluster_pid ]] || return 0
  kill -TERM "$cluster_pid" 2>/dev/null || true
  for _ in $(seq 20); do kill -0 "$cluster_pid" 2>/dev/null || break; sleep 0.1; done
  pkill -KILL -P "$cluster_pid" 2>/dev/null || true # its workers, should any be left
  kill -KILL "$cluster_pid" 2>/dev/null || true
  wait "$cluster_pid" 2>/dev/null || true
  cluster_pid=
}
cleanup() { stop_cluster; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
printf 'the secured file\n' > file.txt

# The test key pair of zmq_curve(7).
secret='JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6'
public='rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7'

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
router=tcp://127.0.0.1:$port

start_cluster() { # ARGS...: security flags
  "$bin/filer-cluster" --router "$router" --dealer "ipc://$work/dealer.ipc" --workers 2 --root "$work" "$@" \
    > cluster.out 2>&1 &
  cluster_pid=$!
  for _ in $(seq 100); do (( $(grep -c 'is online' cluster.out) == 2 )) && break; sleep 0.1; done
  (( $(grep -c 'is online' cluster.out) == 2 )) || { echo "FAIL: workers not online"; cat cluster.out; exit 1; }
}

# expect_ok NAME ARGS...: 200 verified requests all answered.
expect_ok() {
  local name=$1; shift
  local status=0
  timeout 60 "$bin/filer-req" --connect "$router" --count 200 --clients 2 --timeout-ms 2000 --verify "$@" file.txt \
    > req.out 2>&1 || status=$?
  cat req.out
  [[ $status == 0 ]] || { echo "FAIL ($name): filer-req exited $status"; cat cluster.out; exit 1; }
  grep -q '"replies":200' req.out || { echo "FAIL ($name): not every request answered"; exit 1; }
  grep -q '"errors":0' req.out && grep -q '"wrong":0' req.out || { echo "FAIL ($name): bad replies"; exit 1; }
  echo "ok: $name"
}

# expect_refused NAME ARGS...: no answer; filer-req gives up (500 ms, one retry) and exits 1.
expect_refused() {
  local name=$1; shift
  local status=0 start=$SECONDS
  timeout 20 "$bin/filer-req" --connect "$router" --count 1 --clients 1 --timeout-ms 500 --retries 1 "$@" file.txt \
    > req.out 2>&1 || status=$?
  cat req.out
  [[ $status == 1 ]] || { echo "FAIL ($name): filer-req exited $status, expected 1"; exit 1; }
  grep -q '"replies":0' req.out || { echo "FAIL ($name): answered"; exit 1; }
  echo "ok: $name refused (exit $status after $((SECONDS - start)) s)"
}

# --- CURVE ---
start_cluster --curve-secret-key "$secret"
grep -qxF "curve public key: $public" cluster.out || { echo "FAIL: public key not printed"; cat cluster.out; exit 1; }
expect_ok "curve, right server key" --curve-server-key "$public"
expect_refused "curve, wrong server key" --curve-server-key "$secret" # a valid key, not the server's
expect_refused "curve server, NULL client"
stop_cluster

# --- PLAIN ---
start_cluster --plain-user filer --plain-password sesame
expect_ok "plain, right password" --plain-user filer --plain-password sesame
expect_refused "plain, wrong password" --plain-user filer --plain-password open
expect_refused "plain server, NULL client"
stop_cluster

# --- options ---
for command in "filer-cluster --curve-secret-key $secret" "filer-req --curve-server-key $public file.txt"; do
  status=0
  read -ra args <<< "$command"
  "$bin/${args[0]}" "${args[@]:1}" --plain-user a --plain-password b > opts.out 2>&1 || status=$?
  [[ $status == 2 ]] && grep -q 'not both' opts.out \
    || { echo "FAIL: ${args[0]} took CURVE and PLAIN together (exit $status)"; cat opts.out; exit 1; }
done
status=0
"$bin/filer-req" --curve-server-key "not a key" file.txt > opts.out 2>&1 || status=$?
[[ $status == 2 ]] && grep -q 'Z85' opts.out || { echo "FAIL: bad key taken (exit $status)"; cat opts.out; exit 1; }
echo "ok: options refused"
[[ ! -e $work/dealer.ipc ]] || { echo "FAIL: ipc file left behind"; exit 1; }
echo "PASS"
