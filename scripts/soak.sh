#!/usr/bin/env bash
# Soak test of the clustered file service (not run in CI; takes minutes).
#
# Starts filer-cluster (ROUTER on an ephemeral tcp port, DEALER on an ipc path in a
# private temp dir, N forked filer-worker processes), then for DURATION seconds:
#   - CLIENTS loops each run filer-req (REQ clients with timeouts and retries) batch after
#     batch against the cluster (with --verify: every reply's content is checked);
#   - a probe (python3, a raw ZMTP 3.1 DEALER written from the spec, no libraries) asks
#     for PROBE_FILES different files in turn, checks every answer byte for byte, retries
#     on the same connection after a timeout and tells a late answer to its own retry from
#     an answer nobody asked for;
#   - every KILL_INTERVAL seconds a random worker gets SIGKILL; the master must fork a
#     replacement (the time until it has N live workers again is recorded);
#   - every STALL_INTERVAL seconds a random worker is frozen (SIGSTOP) for STALL_MS, longer
#     than the client timeout, then resumed: its queued requests are answered late, after
#     the clients have retried elsewhere, and those late answers must not count twice;
#   - every SAMPLE_INTERVAL seconds the master's VmRSS, VmHWM, threads and open fds go to
#     a CSV.
# Then it stops the load, checks the cluster is back to idle (workers, fds, no zombies),
# stops it with SIGTERM, prints a summary and PASS or FAIL (exit status 0 or 1).
#
# FAIL if: any request lacks exactly one correct answer (filer-req: missing or error
# replies, or a batch that did not report; probe: lost, wrong, or an answer nobody asked
# for), a kill was not followed by a replacement, the master died or did not stop cleanly,
# fds at idle grew, or the master's RSS after warm-up rose above the first post-warm-up
# sample by more than the tolerance (the larger of RSS_TOL_PCT % and RSS_TOL_KIB KiB).
#
# Usage: bash scripts/soak.sh [options]      (run `bash scripts/soak.sh --help`)
# Binaries: build/bin by default (--bin DIR); build them with e.g.
#   cmake -S . -B build-soak -G Ninja -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-soak -j2 --target filer-cluster filer-worker filer-req
#   bash scripts/soak.sh --bin build-soak/bin
# Results of a 5-minute run: docs/RELIABILITY.md.
set -uo pipefail
shopt -s extglob

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

duration=300        # seconds of load
clients=4           # filer-req processes running in parallel loops
conc=4              # REQ clients inside each filer-req process
workers=2           # filer-worker processes
kill_interval=5     # seconds between worker kills (0: no kills)
stall_interval=7    # seconds between worker freezes (0: none)
stall_ms=1500       # how long a frozen worker stays frozen
sample_interval=2   # seconds between RSS samples
warmup=             # seconds of warm-up excluded from the RSS verdict (default min(30, duration/4))
batch=2000          # requests per filer-req run
timeout_ms=1000     # filer-req --timeout-ms
retries=5           # filer-req --retries
probe=1             # run the python3 probe
probe_files=256     # distinct files the probe asks for in turn
probe_pause_ms=5    # pause between probe requests
file_size=1024      # bytes in the file filer-req asks for
rss_tol_pct=10
rss_tol_kib=2048
bin=$ROOT/build/bin
out=

usage() {
  cat <<EOF
usage: bash scripts/soak.sh [options]
  -d, --duration S        seconds of load (default $duration)
  -c, --clients N         filer-req processes in parallel loops (default $clients)
      --concurrency N     REQ clients per filer-req process (default $conc)
  -w, --workers N         filer-worker processes (default $workers)
  -k, --kill-interval S   seconds between SIGKILLs of a random worker, 0 = none (default $kill_interval)
  -s, --stall-interval S  seconds between SIGSTOPs of a random worker, 0 = none (default $stall_interval)
      --stall-ms T        how long it stays stopped before SIGCONT (default $stall_ms)
      --sample-interval S seconds between RSS samples (default $sample_interval)
      --warmup S          seconds excluded from the RSS verdict (default min(30, duration/4))
      --batch N           requests per filer-req run (default $batch)
      --timeout-ms T      client timeout before a retry (default $timeout_ms)
      --retries R         retries per request (default $retries)
      --no-probe          do not run the python3 content probe
      --probe-pause-ms T  pause between probe requests (default $probe_pause_ms)
      --rss-tol-pct P     RSS tolerance in percent (default $rss_tol_pct)
      --rss-tol-kib K     RSS tolerance in KiB (default $rss_tol_kib; the larger one applies)
      --bin DIR           where filer-cluster, filer-worker, filer-req are (default build/bin)
      --out DIR           keep logs, rss.csv and summary here (default: a temp dir, removed on PASS)
EOF
}

while (($#)); do
  case $1 in
    -d|--duration) duration=$2; shift ;;
    -c|--clients) clients=$2; shift ;;
    --concurrency) conc=$2; shift ;;
    -w|--workers) workers=$2; shift ;;
    -k|--kill-interval) kill_interval=$2; shift ;;
    -s|--stall-interval) stall_interval=$2; shift ;;
    --stall-ms) stall_ms=$2; shift ;;
    --sample-interval) sample_interval=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --batch) batch=$2; shift ;;
    --timeout-ms) timeout_ms=$2; shift ;;
    --retries) retries=$2; shift ;;
    --no-probe) probe=0 ;;
    --probe-pause-ms) probe_pause_ms=$2; shift ;;
    --rss-tol-pct) rss_tol_pct=$2; shift ;;
    --rss-tol-kib) rss_tol_kib=$2; shift ;;
    --bin) bin=$2; shift ;;
    --out) out=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "soak: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
for v in duration clients conc workers kill_interval stall_interval stall_ms sample_interval batch timeout_ms retries \
         probe_pause_ms rss_tol_pct rss_tol_kib; do
  [[ ${!v} =~ ^[0-9]+$ ]] || { echo "soak: $v must be a whole number" >&2; exit 2; }
done
((duration > 0 && clients > 0 && conc > 0 && workers > 0 && sample_interval > 0 && batch > 0)) \
  || { echo "soak: duration, clients, concurrency, workers, sample interval, batch must be > 0" >&2; exit 2; }
[[ -z $warmup ]] && warmup=$((duration / 4 < 30 ? duration / 4 : 30))
[[ $warmup =~ ^[0-9]+$ ]] || { echo "soak: warmup must be a whole number" >&2; exit 2; }
bin_dir=$(cd "$bin" 2>/dev/null && pwd) || { echo "soak: no such directory: $bin" >&2; exit 2; }
bin=$bin_dir
for p in filer-cluster filer-worker filer-req; do
  [[ -x $bin/$p ]] || { echo "soak: $bin/$p not found; build it first (see the top of this script)" >&2; exit 2; }
done
if ((probe)) && ! command -v python3 >/dev/null; then
  echo "soak: python3 not found; running without the probe" >&2
  probe=0
fi

if [[ -n $out ]]; then
  mkdir -p "$out" && out=$(cd "$out" && pwd) || exit 2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/zmtp-soak.XXXXXX") || exit 2
[[ -n $out ]] || out=$work

# ---------------------------------------------------------------------------------------
# Processes and cleanup. Every process is ended by its pid; workers (the master's children)
# are found with ps --ppid.
master=
loops=()     # client loops, killer, sampler, probe
verdict=FAIL
cleaned=0

master_children() { # live (non-zombie) children of the master
  [[ -n $master ]] || return 0
  ps -o pid=,stat= --ppid "$master" 2>/dev/null | awk '$2 !~ /^Z/ {print $1}'
}

# stop_loops: TERM the loops (each passes it on to its child) and, should a loop already be
# gone, its children too.
stop_loops() {
  local pid kids=()
  for pid in "${loops[@]}"; do mapfile -t -O "${#kids[@]}" kids < <(ps -o pid= --ppid "$pid" 2>/dev/null | awk '{print $1}'); done
  for pid in "${loops[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${loops[@]}"; do wait "$pid" 2>/dev/null; done
  for pid in "${kids[@]}"; do
    [[ $(ps -o comm= -p "$pid" 2>/dev/null) == @(filer-req|sleep) ]] && kill -TERM "$pid" 2>/dev/null
  done
  loops=()
}

cleanup() {
  ((cleaned)) && return
  cleaned=1
  local pid kids
  cd /
  stop_loops
  if [[ -n $master ]] && kill -0 "$master" 2>/dev/null; then
    kids=$(master_children)
    kill -TERM "$master" 2>/dev/null
    for _ in $(seq 20); do kill -0 "$master" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$master" 2>/dev/null
    for pid in $kids; do kill -KILL "$pid" 2>/dev/null; done
    wait "$master" 2>/dev/null
  fi
  if [[ ($verdict == PASS || $interrupted == 1) && $out == "$work" ]]; then
    rm -rf "$work"
  elif [[ $out != "$work" ]]; then
    cp -f "$work"/cluster.out "$work"/cluster.err "$work"/kills.csv "$work"/stalls.csv "$work"/batches.txt "$work"/probe.json \
      "$work"/req-failures.txt "$work"/probe.err "$out"/ 2>/dev/null
    rm -rf "$work"
  else
    echo "soak: logs kept in $work"
  fi
}
trap cleanup EXIT
interrupted=0
trap 'echo "soak: interrupted" >&2; interrupted=1; exit 130' INT TERM

now_ms() { local t=$EPOCHREALTIME; echo $(( ${t%.*} * 1000 + 10#${t#*.} / 1000 )); }

# nap S: sleep in the background so that a TERM to this (sub)shell is handled at once.
napper=
nap() { sleep "$1" & napper=$!; wait "$napper"; napper=; }
loop_trap() { trap - EXIT; trap '' INT; trap '[[ -n $napper ]] && { kill -TERM "$napper" 2>/dev/null; wait "$napper" 2>/dev/null; }; [[ -n ${child:-} ]] && { kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; }; exit 0' TERM; }

# ---------------------------------------------------------------------------------------
# Files to serve.
head -c $((file_size * 3)) /dev/urandom | base64 -w 64 | head -c "$file_size" > "$work/file.txt"
if ((probe)); then
  mkdir "$work/probe"
  letters=abcdefghijklmnopqrstuvwxyz
  for ((i = 0; i < probe_files; i++)); do
    # Distinct content and length (some over 255 bytes: long frames on the wire).
    { printf 'probe file %03d\n' "$i"; head -c $(((i * 37) % 600)) /dev/zero | tr '\0' "${letters:i % 26:1}"; printf '\n'; } \
      > "$work/probe/p$i.txt"
  done
fi

# ---------------------------------------------------------------------------------------
# The master.
cd "$work" || exit 1
"$bin/filer-cluster" --router 'tcp://127.0.0.1:*' --dealer "ipc://$work/dealer.ipc" --workers "$workers" \
  > "$work/cluster.out" 2> "$work/cluster.err" &
master=$!
for _ in $(seq 100); do
  grep -qs '^Listening' "$work/cluster.out" && (($(grep -cs 'is online' "$work/cluster.out") >= workers)) && break
  sleep 0.1
done
router=$(sed -n 's/^Listening on \(tcp:[^ ]*\), .*/\1/p' "$work/cluster.out")
if [[ -z $router ]] || ! kill -0 "$master" 2>/dev/null; then
  echo "soak: filer-cluster did not start" >&2
  cat "$work/cluster.out" "$work/cluster.err" >&2
  exit 1
fi
port=${router##*:}
sleep 1 # let the workers connect
fds_idle_before=$(ls "/proc/$master/fd" | wc -l)

start_ms=$(now_ms)
end_s=$((EPOCHSECONDS + duration))
echo "soak: $duration s, $clients filer-req loops x $conc REQ clients (batches of $batch, timeout $timeout_ms ms, $retries retries), $workers workers, kill every $kill_interval s, stall every $stall_interval s for $stall_ms ms, probe $( ((probe)) && echo on || echo off)"
echo "soak: master pid $master on $router, workers on ipc://$work/dealer.ipc"

# ---------------------------------------------------------------------------------------
# Client loops: filer-req batch after batch. One line per batch in batches.txt:
#   slot run rc count replies errors missing retries wrong
# (wrong: replies whose content is not the file's, counted by filer-req --verify)
client_loop() {
  local slot=$1 run=0 rc line replies errors missing tries wrong
  child=
  loop_trap
  while ((EPOCHSECONDS < end_s)); do
    run=$((run + 1))
    "$bin/filer-req" --connect "$router" --count "$batch" --clients "$conc" --timeout-ms "$timeout_ms" \
      --retries "$retries" --verify file.txt > "$work/req-$slot.out" 2> "$work/req-$slot.err" &
    child=$!
    wait "$child"
    rc=$?
    child=
    line=$(grep '^SUMMARY ' "$work/req-$slot.out")
    replies=$(sed -n 's/.*"replies":\([0-9]*\).*/\1/p' <<< "$line")
    errors=$(sed -n 's/.*"errors":\([0-9]*\).*/\1/p' <<< "$line")
    missing=$(sed -n 's/.*"missing":\([0-9]*\).*/\1/p' <<< "$line")
    tries=$(sed -n 's/.*"retries":\([0-9]*\).*/\1/p' <<< "$line")
    wrong=$(sed -n 's/.*"wrong":\([0-9]*\).*/\1/p' <<< "$line")
    echo "$slot $run $rc $batch ${replies:--1} ${errors:--1} ${missing:--1} ${tries:--1} ${wrong:--1}" >> "$work/batches.txt"
    if [[ $rc != 0 || -s $work/req-$slot.err || -z $line ]]; then
      { echo "== slot $slot run $run: exit $rc"; cat "$work/req-$slot.out" "$work/req-$slot.err"; } >> "$work/req-failures.txt"
    fi
  done
}

# Killer: SIGKILL a random live worker, then time until the master has N live workers
# again (none of them the victim). One line per kill in kills.csv: t_ms,pid,recovery_ms.
killer_loop() {
  loop_trap
  echo "t_ms,pid,recovery_ms" > "$work/kills.csv"
  while nap "$kill_interval"; ((EPOCHSECONDS < end_s)); do
    local pids victim t0 t1 live ok
    mapfile -t pids < <(master_children)
    ((${#pids[@]})) || continue
    victim=${pids[RANDOM % ${#pids[@]}]}
    t0=$(now_ms)
    kill -KILL "$victim" 2>/dev/null || continue
    ok=-1
    for _ in $(seq 200); do # up to 10 s
      mapfile -t live < <(master_children)
      if ((${#live[@]} == workers)) && [[ " ${live[*]} " != *" $victim "* ]]; then ok=1; break; fi
      sleep 0.05
    done
    t1=$(now_ms)
    echo "$((t0 - start_ms)),$victim,$( ((ok > 0)) && echo $((t1 - t0)) || echo -1)" >> "$work/kills.csv"
  done
}

# Staller: SIGSTOP a random live worker for stall_ms, then SIGCONT. stalls.csv: t_ms,pid.
stall_loop() {
  local victim=
  trap - EXIT
  trap '' INT
  trap '[[ -n $napper ]] && { kill -TERM "$napper" 2>/dev/null; wait "$napper" 2>/dev/null; }; [[ -n $victim ]] && kill -CONT "$victim" 2>/dev/null; exit 0' TERM
  echo "t_ms,pid" > "$work/stalls.csv"
  while nap "$stall_interval"; ((EPOCHSECONDS < end_s)); do
    local pids
    mapfile -t pids < <(master_children)
    ((${#pids[@]})) || continue
    victim=${pids[RANDOM % ${#pids[@]}]}
    kill -STOP "$victim" 2>/dev/null || { victim=; continue; }
    echo "$(($(now_ms) - start_ms)),$victim" >> "$work/stalls.csv"
    nap "$(awk -v m="$stall_ms" 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -CONT "$victim" 2>/dev/null
    victim=
  done
}

# Sampler: the master's memory, threads and fds.
sampler_loop() {
  loop_trap
  echo "t_s,rss_kib,hwm_kib,threads,fds,workers" > "$out/rss.csv"
  while :; do
    local t rss hwm thr fds live
    t=$((($(now_ms) - start_ms) / 1000))
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$master/status" 2>/dev/null) || break
    hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$master/status" 2>/dev/null)
    thr=$(awk '/^Threads:/ {print $2}' "/proc/$master/status" 2>/dev/null)
    fds=$(ls "/proc/$master/fd" 2>/dev/null | wc -l)
    live=$(master_children | wc -l)
    [[ -n $rss ]] || break
    echo "$t,$rss,$hwm,$thr,$fds,$live" >> "$out/rss.csv"
    ((EPOCHSECONDS < end_s)) || break
    nap "$sample_interval"
  done
}

write_probe() {
  cat > "$work/probe.py" <<'PY'
# A raw ZMTP 3.1 DEALER (NULL mechanism), written from the spec: sends [empty, request]
# like a REQ would, so the cluster's REP workers answer it. Asks for file i % N in turn.
import json, os, select, socket, struct, sys, time

host, port, pdir, nfiles, end, timeout, retries, pause, outp = sys.argv[1:10]
port, nfiles, end = int(port), int(nfiles), float(end)
timeout, retries, pause = float(timeout), int(retries), float(pause)
paths = [os.path.join(pdir, "p%d.txt" % k) for k in range(nfiles)]
contents = {}
for k, p in enumerate(paths):
    with open(p, "rb") as f:
        contents[f.read().decode()] = k

def frame(body, more=False, command=False):
    flags = (1 if more else 0) | (4 if command else 0)
    if len(body) > 255:
        return bytes([flags | 2]) + struct.pack(">Q", len(body)) + body
    return bytes([flags, len(body)]) + body

GREETING = b"\xff" + b"\0" * 8 + b"\x7f" + bytes([3, 1]) + b"NULL".ljust(20, b"\0") + b"\0" + b"\0" * 31
READY = frame(b"\x05READY" + b"\x0bSocket-Type" + struct.pack(">I", 6) + b"DEALER", command=True)

class Conn:
    def __init__(self):
        self.s = socket.create_connection((host, port), timeout=5)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.s.setblocking(False)
        self.buf = bytearray()
        self.greeted = False
        self.parts = []
        self.out = bytearray(GREETING + READY)
        self.flush()

    def flush(self):
        while self.out:
            select.select([], [self.s], [], 5)
            n = self.s.send(self.out)
            del self.out[:n]

    def send(self, parts):
        for i, p in enumerate(parts):
            self.out += frame(p, more=i + 1 < len(parts))
        self.flush()

    def receive(self, until):
        """Messages that arrive before `until` (returns as soon as there are some)."""
        msgs = []
        while not msgs:
            left = until - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                break
            data = self.s.recv(65536)
            if not data:
                raise ConnectionError("peer closed")
            self.buf += data
            msgs += self.parse()
        return msgs

    def parse(self):
        msgs = []
        if not self.greeted:
            if len(self.buf) < 64:
                return msgs
            g = bytes(self.buf[:64])
            if g[0] != 0xFF or g[9] != 0x7F or g[10] < 3 or g[12:16] != b"NULL":
                raise ConnectionError("bad greeting %r" % g)
            del self.buf[:64]
            self.greeted = True
        while len(self.buf) >= 2:
            flags = self.buf[0]
            if flags & 2:
                if len(self.buf) < 9:
                    break
                size, head = struct.unpack(">Q", bytes(self.buf[1:9]))[0], 9
            else:
                size, head = self.buf[1], 2
            if len(self.buf) < head + size:
                break
            body = bytes(self.buf[head:head + size])
            del self.buf[:head + size]
            if flags & 4:
                name = body[1:1 + body[0]]
                if name == b"PING":
                    self.out += frame(b"\x04PONG" + body[1 + 4 + 2:], command=True)
                    self.flush()
                elif name == b"ERROR":
                    raise ConnectionError("ERROR command %r" % body)
                continue
            self.parts.append(body)
            if not flags & 1:
                msgs.append(self.parts)
                self.parts = []
        return msgs

st = dict(requests=0, answered=0, correct=0, wrong=0, lost=0, retries=0, late=0, unasked=0,
          reconnects=0, wrong_examples=[])
hist = {}  # file index -> [request number, attempts, answers] of the last request for it
current = None

def take(msg):
    """Files one incoming message; True if it answers the current request."""
    body = msg[-1].decode("utf-8", "replace")
    if len(msg) != 2 or msg[0] != b"":
        bad("envelope %r" % msg[:-1])
        return False
    try:
        j = json.loads(body)
    except ValueError:
        bad("not JSON: %r" % body[:80])
        return False
    if "error" in j or not isinstance(j.get("pid"), int) or not isinstance(j.get("timestamp"), int):
        bad("reply %r" % body[:120])
        return False
    k = contents.get(j.get("content"))
    if k is None:
        bad("content matches no file: %r" % body[:120])
        return False
    h = hist.get(k)
    if h is None or h[2] >= h[1]:
        st["unasked"] += 1  # more answers than times asked: the system duplicated one
        return False
    h[2] += 1
    if h[0] == current and h[2] == 1:
        return True
    st["late"] += 1  # the answer to an earlier attempt, after a retry: discarded
    return False

def bad(why):
    st["wrong"] += 1
    if len(st["wrong_examples"]) < 5:
        st["wrong_examples"].append(why)

conn = None
n = 0
while time.time() < end:
    n += 1
    k = n % nfiles
    current = n
    hist[k] = [n, 0, 0]
    st["requests"] += 1
    request = json.dumps({"path": paths[k]}).encode()
    got = False
    for attempt in range(retries + 1):
        if attempt:
            st["retries"] += 1
        try:
            if conn is None:
                conn = Conn()
            hist[k][1] += 1
            conn.send([b"", request])
            until = time.monotonic() + timeout
            while not got and time.monotonic() < until:
                for m in conn.receive(until):
                    got = take(m) or got
        except (OSError, ConnectionError) as e:
            st["reconnects"] += 1
            conn = None
            time.sleep(0.1)
        if got:
            break
    if got:
        st["answered"] += 1
        st["correct"] += 1
    else:
        st["lost"] += 1
    if pause:
        time.sleep(pause)

# Late answers still on their way.
current = None
if conn is not None:
    until = time.monotonic() + timeout
    try:
        while time.monotonic() < until:
            for m in conn.receive(until):
                take(m)
    except (OSError, ConnectionError):
        pass
with open(outp, "w") as f:
    json.dump(st, f)
PY
}

for ((i = 1; i <= clients; i++)); do
  client_loop "$i" &
  loops+=($!)
done
if ((kill_interval > 0)); then
  killer_loop &
  loops+=($!)
fi
if ((stall_interval > 0)); then
  stall_loop &
  loops+=($!)
fi
sampler_loop &
loops+=($!)
if ((probe)); then
  write_probe
  python3 "$work/probe.py" 127.0.0.1 "$port" probe "$probe_files" "$end_s" "$((timeout_ms))e-3" \
    "$retries" "$((probe_pause_ms))e-3" "$work/probe.json" 2> "$work/probe.err" &
  loops+=($!)
fi

# ---------------------------------------------------------------------------------------
# Wait for the load to finish: the loops stop starting batches at the deadline; a batch
# may run on for a while. Give up 120 s after the deadline.
problems=()
give_up=$((end_s + 120))
while ((EPOCHSECONDS < give_up)); do
  running=0
  for pid in "${loops[@]}"; do kill -0 "$pid" 2>/dev/null && running=1; done
  ((running)) || break
  kill -0 "$master" 2>/dev/null || break # the master died: no point going on
  sleep 1
done
if ((running)) && kill -0 "$master" 2>/dev/null; then problems+=("load still running 120 s after the deadline (stopped)"); fi
stop_loops
elapsed_ms=$(($(now_ms) - start_ms))

# ---------------------------------------------------------------------------------------
# Back to idle?
master_alive=1
kill -0 "$master" 2>/dev/null || { master_alive=0; problems+=("the master died during the run"); }
fds_idle_after=-1 live_after=-1 zombies=-1
if ((master_alive)); then
  for _ in $(seq 50); do # up to 5 s for fds and workers to settle
    fds_idle_after=$(ls "/proc/$master/fd" | wc -l)
    live_after=$(master_children | wc -l)
    ((fds_idle_after <= fds_idle_before && live_after == workers)) && break
    sleep 0.1
  done
  zombies=$(ps -o stat= --ppid "$master" | grep -c '^Z')
  ((live_after == workers)) || problems+=("$live_after live workers at the end, expected $workers")
  ((fds_idle_after <= fds_idle_before)) || problems+=("master fds at idle: $fds_idle_before before, $fds_idle_after after")
  ((zombies == 0)) || problems+=("$zombies zombie workers")
  # Stop: within a second, ipc file removed, no worker left.
  kids=$(master_children)
  kill -TERM "$master"
  for _ in $(seq 10); do kill -0 "$master" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$master" 2>/dev/null; then
    problems+=("master still running 1 s after SIGTERM")
  else
    wait "$master"
    rc=$?
    ((rc == 0)) || problems+=("master exit status $rc")
    master=
    [[ -e $work/dealer.ipc ]] && problems+=("ipc file left behind")
    for pid in $kids; do
      if kill -0 "$pid" 2>/dev/null && [[ $(ps -o comm= -p "$pid") == filer-worker ]]; then
        problems+=("worker $pid left behind")
      fi
    done
  fi
fi

# ---------------------------------------------------------------------------------------
# Tally.
read -r runs failed_runs requests replies errors missing req_retries wrong < <(awk '
  { runs++; req += $4; if ($9 >= 0) wrong += $9
    if ($5 < 0) { failed++; miss += $4 } else { rep += $5; err += $6; miss += $7; ret += $8 } }
  END { printf "%d %d %d %d %d %d %d %d\n", runs, failed, req, rep, err, miss, ret, wrong }' "$work/batches.txt" 2>/dev/null || echo 0 0 0 0 0 0 0 0)
nonzero_rc=$(awk '$3 != 0' "$work/batches.txt" 2>/dev/null | wc -l)
correct=$((replies - wrong)) correct_note="content checked by filer-req --verify"
lost=$((requests - replies))
# filer-req counts a request once however many times it was asked (it accepts the first
# answer and drops the socket on a timeout, so a late answer is never read): duplicates
# show up only as replies + missing > requests.
req_dups=$((replies + missing > requests ? replies + missing - requests : 0))

kills=$(($(wc -l < "$work/kills.csv" 2>/dev/null || echo 1) - 1))
stalls=$(($(wc -l < "$work/stalls.csv" 2>/dev/null || echo 1) - 1))
unrecovered=$(awk -F, 'NR > 1 && $3 < 0' "$work/kills.csv" 2>/dev/null | wc -l)
read -r rec_avg rec_max < <(awk -F, 'NR > 1 && $3 >= 0 { n++; s += $3; if ($3 > m) m = $3 }
  END { if (n) printf "%d %d\n", s / n, m; else print "- -" }' "$work/kills.csv" 2>/dev/null || echo - -)
exited=$(grep -c '^Worker .* exited (signal 9)' "$work/cluster.out")
online=$(grep -c 'is online' "$work/cluster.out")
cluster_noise=$(grep -v -e '^Listening on ' -e '^Worker [0-9]* is online\.$' \
  -e '^Worker [0-9]* exited (.*)\. Starting another\.$' "$work/cluster.out" | wc -l)
cluster_stderr=$(wc -l < "$work/cluster.err")

((lost == 0)) || problems+=("$lost filer-req requests without an answer")
((missing == lost)) || problems+=("filer-req: $missing reported missing, $lost unanswered")
((errors == 0)) || problems+=("$errors filer-req error replies")
((failed_runs == 0)) || problems+=("$failed_runs filer-req runs without a SUMMARY")
((nonzero_rc == 0)) || problems+=("$nonzero_rc filer-req runs exited non-zero")
((req_dups == 0)) || problems+=("$req_dups filer-req duplicate answers")
((wrong <= 0)) || problems+=("$wrong filer-req answers with the wrong content")
((requests > 0)) || problems+=("no requests were made")
((unrecovered == 0)) || problems+=("$unrecovered kills without a replacement within 10 s")
((exited == kills)) || problems+=("$kills kills, the master reported $exited deaths by SIGKILL")
((online == workers + kills)) || problems+=("$online workers started, expected $((workers + kills))")
((kill_interval == 0 || kills > 0)) || problems+=("no worker was killed")
((stall_interval == 0 || stalls > 0)) || problems+=("no worker was stalled")

if ((probe)); then
  if [[ -s $work/probe.json ]]; then
    pj=$(cat "$work/probe.json")
    pget() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p" <<< "$pj"; }
    p_requests=$(pget requests) p_answered=$(pget answered) p_correct=$(pget correct) p_wrong=$(pget wrong)
    p_lost=$(pget lost) p_retries=$(pget retries) p_late=$(pget late) p_unasked=$(pget unasked)
    p_reconnects=$(pget reconnects)
    ((p_requests > 0)) || problems+=("probe made no requests")
    ((p_lost == 0)) || problems+=("probe: $p_lost requests lost")
    ((p_wrong == 0)) || problems+=("probe: $p_wrong wrong answers: $(sed -n 's/.*"wrong_examples": \(\[.*\]\).*/\1/p' <<< "$pj")")
    ((p_unasked == 0)) || problems+=("probe: $p_unasked answers nobody asked for (duplicates)")
    ((p_correct == p_requests)) || problems+=("probe: $p_correct correct answers for $p_requests requests")
  else
    problems+=("probe produced no result: $(tail -3 "$work/probe.err" 2>/dev/null | tr '\n' ' ')")
  fi
fi

# RSS after warm-up: first, min, max, last; growth = max - first.
read -r n_samples rss_first rss_min rss_max rss_last slope fds_min fds_max < <(awk -F, -v w="$warmup" '
  NR > 1 && $1 >= w { n++; x = $1; y = $2
    if (n == 1) { first = y; min = y; max = y; fmin = $5; fmax = $5 }
    if (y < min) min = y; if (y > max) max = y; last = y
    if ($5 < fmin) fmin = $5; if ($5 > fmax) fmax = $5
    sx += x; sy += y; sxx += x * x; sxy += x * y }
  END { if (n < 2) { print n, "- - - - - - -"; exit }
        d = n * sxx - sx * sx; s = d ? (n * sxy - sx * sy) / d * 60 : 0
        printf "%d %d %d %d %d %.1f %d %d\n", n, first, min, max, last, s, fmin, fmax }' "$out/rss.csv")
rss_tol=-1
if [[ $rss_first =~ ^[0-9]+$ ]]; then
  rss_tol=$((rss_first * rss_tol_pct / 100 > rss_tol_kib ? rss_first * rss_tol_pct / 100 : rss_tol_kib))
  ((rss_max - rss_first <= rss_tol)) \
    || problems+=("master RSS grew by $((rss_max - rss_first)) KiB after warm-up (tolerance $rss_tol KiB)")
else
  problems+=("fewer than 2 RSS samples after the warm-up")
fi

((${#problems[@]})) || verdict=PASS

summary() {
  echo "== soak summary ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg))"
  printf '%-34s %s\n' \
    "duration" "$((elapsed_ms / 1000)) s of load planned $duration s (warm-up $warmup s)" \
    "settings" "$clients filer-req loops x $conc REQ, batch $batch, timeout $timeout_ms ms, retries $retries, $workers workers, kill every $kill_interval s, stall every $stall_interval s for $stall_ms ms" \
    "filer-req runs" "$runs ($failed_runs without a SUMMARY, $nonzero_rc exited non-zero)" \
    "filer-req requests sent" "$requests" \
    "filer-req answers" "$replies" \
    "filer-req correct answers" "$correct ($correct_note)" \
    "filer-req duplicates" "$req_dups" \
    "filer-req lost" "$lost" \
    "filer-req retries" "$req_retries" \
    "request rate" "$(awk -v r="$replies" -v t="$elapsed_ms" 'BEGIN { printf "%.0f/s", t ? r * 1000 / t : 0 }')"
  if ((probe)) && [[ -n ${p_requests:-} ]]; then
    printf '%-34s %s\n' \
      "probe requests sent" "$p_requests ($probe_files distinct files, pause $probe_pause_ms ms)" \
      "probe answers accepted" "$p_answered" \
      "probe correct answers (byte-exact)" "$p_correct" \
      "probe wrong answers" "$p_wrong" \
      "probe duplicates (unasked answers)" "$p_unasked" \
      "probe late answers to retries" "$p_late (discarded; expected after a stall)" \
      "probe lost" "$p_lost" \
      "probe retries" "$p_retries (reconnects $p_reconnects)"
  fi
  printf '%-34s %s\n' \
    "workers killed (SIGKILL)" "$kills (master saw $exited, started $((online - workers)) replacements)" \
    "workers stalled (SIGSTOP)" "$stalls (each for $stall_ms ms, then SIGCONT)" \
    "replacement time avg / max" "$rec_avg / $rec_max ms (until $workers live workers again)" \
    "master RSS after warm-up (KiB)" "first $rss_first, min $rss_min, max $rss_max, last $rss_last ($n_samples samples)" \
    "master RSS trend" "$slope KiB/min (least squares); tolerance $rss_tol KiB over first" \
    "master fds" "idle before $fds_idle_before, idle after $fds_idle_after; under load $fds_min..$fds_max" \
    "cluster unexpected output" "$cluster_noise stdout lines, $cluster_stderr stderr lines" \
    "logs, rss.csv" "$out ($( [[ $out == "$work" ]] && echo 'a temp dir, removed on PASS; --out DIR keeps it' || echo kept))"
  local p
  for p in "${problems[@]}"; do echo "problem: $p"; done
  echo "RESULT: $verdict"
}
summary | tee "$out/summary.txt"
[[ $verdict == PASS ]]
