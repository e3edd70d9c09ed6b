#!/usr/bin/python3
"""Runs zmtp's benchmarks against libzmq and raw sockets and writes docs/BENCHMARKS.md.

    /usr/bin/python3 bench/run.py [--bin-dir DIR] [--quick] [--curve-only] [--repeats N] [--out FILE]
                                  [--impls zmtp,libzmq,raw,capi]
    /usr/bin/python3 bench/run.py --smoke --bin-dir DIR     (the bench_smoke ctest)

One run measures, each side paired with its own kind (zmtp with zmtp, libzmq with libzmq,
capi with capi; capi is "zmtp through the C API": the libzmq programs built on the drop-in
libzmq, bench/CMakeLists.txt's capi_libzmq_*, measured whenever they are built):
  - throughput (local_thr/remote_thr: ROUTER <- DEALER) at 16 B .. 1 MiB over tcp and ipc,
    with the raw stream (tcp_thr over TCP and over a Unix-domain socket) as the ceiling;
  - the same pair's other patterns, PUSH -> PULL and PUB -> SUB (local_thr/remote_thr's
    fourth argument, pull or sub), at 16 B .. 64 KiB over tcp and ipc;
  - several peers in one process (multi_thr, tcp): PUB fan-out to 4 SUBs, 4 PUSH -> 1 PULL
    fan-in, and one SUB subscribed to 10,000 topics (aggregate msg/s of the receivers);
  - mixed pairs (zmtp receiver + libzmq sender and the reverse), to judge sides apart;
  - REQ/REP latency (local_lat/remote_lat) at 16 B and 1 KiB, with raw ping-pong (tcp_lat);
  - the seed topology (seed_bench: 8 REQ -> ROUTER/DEALER proxy -> 2 REP) for zmtp and libzmq;
  - CURVE over tcp (--curve to both sides): the throughput pair at 16 B .. 64 KiB, latency
    at 16 B and 1 KiB, and handshakes per second (handshake_rate: connect, one message
    echoed, close), NULL handshakes too for context. --curve-only measures just this and
    puts it into the report of the earlier full run (its bench-results.json). zmtp and
    libzmq only (the drop-in has no CURVE options yet).
--impls picks implementations (default: zmtp, libzmq, raw, and capi when built); the cells
of the others read n/a, and the sections and targets that need them are left out.
Each point is repeated (5 times by default) and the median is reported. A program of the
new patterns that fails (a zmtp without PUB/SUB/PUSH/PULL yet) is reported, its error
printed, and its cell reads n/a; the run goes on. The message count
of each point is calibrated so one run takes about a second. CPU time of each process
comes from wait4()'s rusage. Standard library only; plots need gnuplot (gnuplot-nox).
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FULL_SIZES = [16, 64, 256, 1024, 8192, 65536, 1048576]
QUICK_SIZES = [16, 1024, 65536]
LAT_SIZES = [16, 1024]
TRANSPORTS = ["tcp", "ipc"]
MIXED_SIZES = [16, 1024, 65536]
# PUSH -> PULL and PUB -> SUB (local_thr/remote_thr's pattern argument), and multi_thr.
PATTERNS = ["pull", "sub"]
PATTERN_SIZES = [16, 64, 256, 1024, 8192, 65536]
QUICK_PATTERN_SIZES = [16, 1024, 65536]
MULTI_MODES = ["fanout", "fanin", "topics"]
MULTI_SIZES = [16, 1024]
QUICK_MULTI_SIZES = [16]
PATTERN_LABEL = {"pull": "PUSH -> PULL", "sub": "PUB -> SUB"}
MULTI_LABEL = {"fanout": "PUB -> 4 SUB (fan-out)", "fanin": "4 PUSH -> PULL (fan-in)",
               "topics": "PUB -> SUB, 10,000 topics"}
MULTI_RECEIVERS = {"fanout": 4, "fanin": 1, "topics": 1}

# zmtp and libzmq run each throughput/latency program pair; "raw" is the socket reference.
PROGRAMS = {
    ("thr", "zmtp"): ("local_thr", "remote_thr"),
    ("thr", "libzmq"): ("libzmq_local_thr", "libzmq_remote_thr"),
    ("thr", "raw"): ("tcp_thr server", "tcp_thr client"),
    ("lat", "zmtp"): ("local_lat", "remote_lat"),
    ("lat", "libzmq"): ("libzmq_local_lat", "libzmq_remote_lat"),
    ("lat", "raw"): ("tcp_lat server", "tcp_lat client"),
    # mixed pairs: receiver of one kind, sender of the other
    ("thr", "zmtp-recv"): ("local_thr", "libzmq_remote_thr"),
    ("thr", "zmtp-send"): ("libzmq_local_thr", "remote_thr"),
    ("lat", "zmtp-rep"): ("local_lat", "libzmq_remote_lat"),
    ("lat", "zmtp-req"): ("libzmq_local_lat", "remote_lat"),
    # one process: multi_thr
    ("multi", "zmtp"): ("multi_thr",),
    ("multi", "libzmq"): ("libzmq_multi_thr",),
    # connections per second, each handshaken and echoed once
    ("hs", "zmtp"): ("handshake_rate server", "handshake_rate client"),
    ("hs", "libzmq"): ("libzmq_handshake_rate server", "libzmq_handshake_rate client"),
    # zmtp through the C API: the libzmq programs on the drop-in libzmq
    ("thr", "capi"): ("capi_libzmq_local_thr", "capi_libzmq_remote_thr"),
    ("lat", "capi"): ("capi_libzmq_local_lat", "capi_libzmq_remote_lat"),
    ("multi", "capi"): ("capi_libzmq_multi_thr",),
    ("hs", "capi"): ("capi_libzmq_handshake_rate server", "capi_libzmq_handshake_rate client"),
}

# The CURVE section (tcp only; every program above but multi_thr and seed_bench takes
# --curve): throughput of the default pair, latency, and handshakes per second under
# CURVE and, for context, NULL. HS_SIZE is the size of each connection's one message.
CURVE_SIZES = [16, 64, 256, 1024, 8192, 65536]
QUICK_CURVE_SIZES = [16, 1024, 65536]
HS_MECHANISMS = ["null", "curve"]
HS_SIZE = 16
HS_TARGET_SCALE = 0.3  # handshake runs last 0.3 of the other runs (see Bench.target)
CURVE_PROGRAMS = ["local_thr", "remote_thr", "local_lat", "remote_lat", "handshake_rate", "libzmq_local_thr",
                  "libzmq_remote_thr", "libzmq_local_lat", "libzmq_remote_lat", "libzmq_handshake_rate"]

IMPL_LABEL = {"zmtp": "zmtp", "libzmq": "libzmq", "raw": "raw", "capi": "zmtp through the C API"}
IMPLS = ["zmtp", "libzmq", "raw", "capi"]
# Each implementation's programs, all of which --impls asks to be built.
IMPL_PROGRAMS = {
    "zmtp": ["local_thr", "remote_thr", "local_lat", "remote_lat", "multi_thr", "handshake_rate", "seed_bench"],
    "libzmq": ["libzmq_local_thr", "libzmq_remote_thr", "libzmq_local_lat", "libzmq_remote_lat", "libzmq_multi_thr",
               "libzmq_handshake_rate", "seed_bench"],
    "raw": ["tcp_thr", "tcp_lat"],
    "capi": ["capi_libzmq_local_thr", "capi_libzmq_remote_thr", "capi_libzmq_local_lat", "capi_libzmq_remote_lat",
             "capi_libzmq_multi_thr", "capi_libzmq_handshake_rate"],
}
# The C API's targets: msg/s against libzmq's up to CAPI_THR_MAX_SIZE, and round trips.
CAPI_THR_GOAL = 1.5
CAPI_THR_MAX_SIZE = 256
RAW_LABEL = {"tcp": "raw TCP", "ipc": "raw Unix socket"}


def fmt_size(n):
    if n >= 1048576 and n % 1048576 == 0:
        return "%d MiB" % (n // 1048576)
    if n >= 1024 and n % 1024 == 0:
        return "%d KiB" % (n // 1024)
    return "%d B" % n


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --- running one pair of processes ----------------------------------------------------

class RunError(Exception):
    pass


_ipc_counter = [0]


def _port_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def fresh_endpoint(transport, control=False):
    """A fresh endpoint; with `control`, over tcp one whose next port is free too (the pull
    and sub patterns' control pair binds port + 1, see bench::control_endpoint)."""
    if transport == "tcp":
        for _ in range(100):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            s.close()
            if not control or (port < 65535 and _port_free(port + 1)):
                return "tcp://127.0.0.1:%d" % port
        raise RunError("no free pair of consecutive ports")
    _ipc_counter[0] += 1
    path = os.path.join(tempfile.gettempdir(), "zmtp-bench-%d-%d.ipc" % (os.getpid(), _ipc_counter[0]))
    if os.path.exists(path):
        os.unlink(path)
    return "ipc://" + path


def tcp_listening(port):
    """True when a socket listens on `port` (read from /proc, without connecting to it)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    local, state = fields[1], fields[3]
                    if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                        return True
        except OSError:
            pass
    return False


def wait_listening(endpoint, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RunError("listener exited early (status %s)" % proc.returncode)
        if endpoint.startswith("tcp://"):
            if tcp_listening(int(endpoint.rsplit(":", 1)[1])):
                return
        elif os.path.exists(endpoint[len("ipc://"):]):
            return
        time.sleep(0.005)
    raise RunError("nobody listens on %s after %.0f s" % (endpoint, timeout))


class Child:
    """A child process whose output goes to a temporary file and whose CPU time is read
    from wait4()."""

    def __init__(self, argv):
        self.argv = argv
        self.out = tempfile.TemporaryFile(mode="w+")
        self.err = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(argv, stdout=self.out, stderr=self.err, stdin=subprocess.DEVNULL)
        self.status = None
        self.cpu = None

    def poll(self):
        return self.status

    def wait(self):
        if self.status is None:
            _, status, usage = os.wait4(self.proc.pid, 0)
            self.status = os.waitstatus_to_exitcode(status)
            self.proc.returncode = self.status
            self.cpu = usage.ru_utime + usage.ru_stime
        return self.status

    def kill(self):
        if self.status is None:
            try:
                self.proc.send_signal(signal.SIGKILL)
            except OSError:
                pass

    def output(self):
        self.out.seek(0)
        self.err.seek(0)
        return self.out.read(), self.err.read()


class _Poller:
    """Adapter so wait_listening can ask whether a Child has exited without reaping it."""

    def __init__(self, child):
        self.child = child
        self.returncode = None

    def poll(self):
        try:
            pid, status, usage = os.wait4(self.child.proc.pid, os.WNOHANG)
        except ChildProcessError:
            return self.child.status
        if pid == 0:
            return None
        self.child.status = os.waitstatus_to_exitcode(status)
        self.child.cpu = usage.ru_utime + usage.ru_stime
        self.child.proc.returncode = self.child.status
        self.returncode = self.child.status
        return self.returncode


def run_pair(bin_dir, local, remote, endpoint, size, count, timeout, extra=()):
    """Starts `local` (binds), waits until it listens, starts `remote` (connects); returns
    (local stdout, remote stdout, local cpu s, remote cpu s). `extra` arguments follow
    the endpoint, size and count of both."""
    def argv(spec):
        parts = spec.split()
        return [os.path.join(bin_dir, parts[0])] + parts[1:] + [endpoint, str(size), str(count)] + list(extra)

    children = []
    timer = None
    try:
        lc = Child(argv(local))
        children.append(lc)
        try:
            wait_listening(endpoint, _Poller(lc))
        except RunError as e:
            lc.kill()
            lc.wait()
            raise RunError("%s: %s\n%s" % (local, e, lc.output()[1]))
        rc = Child(argv(remote))
        children.append(rc)
        timed_out = []

        def expire():
            timed_out.append(True)
            for c in children:
                c.kill()

        timer = threading.Timer(timeout, expire)
        timer.start()
        rstatus = rc.wait()
        if rstatus != 0:
            lc.kill()  # the sender failed: the receiver would wait for it until the timeout
        lstatus = lc.wait()
        timer.cancel()
        lout, lerr = lc.output()
        rout, rerr = rc.output()
        if timed_out:
            raise RunError("timed out after %.0f s: %s | %s" % (timeout, local, remote))
        if lstatus != 0 or rstatus != 0:
            raise RunError("%s exited %s, %s exited %s %s\n%s%s" % (local, lstatus, remote, rstatus,
                                                                    " ".join(extra), lerr, rerr))
        return lout, rout, lc.cpu, rc.cpu
    finally:
        if timer:
            timer.cancel()
        for c in children:
            c.kill()
            try:
                c.wait()
            except ChildProcessError:
                pass
        if endpoint.startswith("ipc://"):
            for path in (endpoint[len("ipc://"):], endpoint[len("ipc://"):] + ".ctl"):  # .ctl: the control pair's
                try:
                    os.unlink(path)
                except OSError:
                    pass


def parse_lines(text):
    values = {}
    for key, pattern in (
        ("msg_per_s", r"^mean throughput: ([0-9.]+) \[msg/s\]$"),
        ("mbit_per_s", r"^mean throughput: ([0-9.]+) \[Mb/s\]$"),
        ("size", r"^message size: ([0-9]+) \[B\]$"),
        ("count", r"^message count: ([0-9]+)$"),
        ("roundtrips", r"^roundtrip count: ([0-9]+)$"),
        ("avg_us", r"^average latency: ([0-9.]+) \[us\]$"),
        ("p50_us", r"^p50 roundtrip: ([0-9.]+) \[us\]$"),
        ("p99_us", r"^p99 roundtrip: ([0-9.]+) \[us\]$"),
        ("req_per_s", r"^throughput: ([0-9.]+) \[req/s\]$"),
        ("requests", r"^requests: ([0-9]+)$"),
        ("receivers", r"^receivers: ([0-9]+)$"),
        ("handshakes", r"^handshake count: ([0-9]+)$"),
        ("hs_per_s", r"^mean rate: ([0-9.]+) \[handshakes/s\]$"),
        ("p50_hs_us", r"^p50 handshake: ([0-9.]+) \[us\]$"),
        ("p99_hs_us", r"^p99 handshake: ([0-9.]+) \[us\]$"),
    ):
        m = re.search(pattern, text, re.M)
        if m:
            values[key] = float(m.group(1))
    return values


def require(values, keys, text):
    missing = [k for k in keys if k not in values]
    if missing:
        raise RunError("missing %s in output:\n%s" % (", ".join(missing), text))


THR_KEYS = ["size", "count", "msg_per_s", "mbit_per_s"]
LAT_KEYS = ["size", "roundtrips", "avg_us", "p50_us", "p99_us"]


def run_thr(bin_dir, impl, transport, size, count, timeout=120, pattern="router", curve=False):
    """One throughput pair; `pattern` is local_thr's fourth argument (router, pull, sub);
    `curve` secures the data sockets (--curve)."""
    local, remote = PROGRAMS[("thr", impl)]
    extra = (() if pattern == "router" else (pattern,)) + (("--curve",) if curve else ())
    lout, rout, lcpu, rcpu = run_pair(bin_dir, local, remote, fresh_endpoint(transport, pattern != "router"), size,
                                      count, timeout, extra)
    v = parse_lines(lout)
    require(v, THR_KEYS, lout)
    if int(v["count"]) != count or int(v["size"]) != size:
        raise RunError("reported size/count differ from the arguments:\n" + lout)
    v.update(recv_cpu=lcpu, send_cpu=rcpu, seconds=count / max(v["msg_per_s"], 1e-9))
    sent = re.search(r"^messages sent: ([0-9]+)$", rout, re.M)
    if sent:  # the sub pattern's sender: what it sent in all, dropped ones included
        v["sent"] = int(sent.group(1))
    return v


def run_lat(bin_dir, impl, transport, size, count, timeout=120, curve=False):
    local, remote = PROGRAMS[("lat", impl)]
    _, rout, lcpu, rcpu = run_pair(bin_dir, local, remote, fresh_endpoint(transport), size, count, timeout,
                                   ("--curve",) if curve else ())
    v = parse_lines(rout)
    require(v, LAT_KEYS, rout)
    if int(v["roundtrips"]) != count or int(v["size"]) != size:
        raise RunError("reported size/count differ from the arguments:\n" + rout)
    v.update(server_cpu=lcpu, client_cpu=rcpu, seconds=v["avg_us"] * 2 * count / 1e6)
    return v


HS_KEYS = ["size", "handshakes", "hs_per_s", "p50_hs_us", "p99_hs_us"]


def run_hs(bin_dir, impl, transport, size, count, timeout=120, curve=False):
    """One handshake_rate pair: `count` connections one after the other, each echoing one
    `size`-byte message; NULL, or CURVE with `curve`."""
    server, client = PROGRAMS[("hs", impl)]
    _, cout, scpu, ccpu = run_pair(bin_dir, server, client, fresh_endpoint(transport), size, count, timeout,
                                   ("--curve",) if curve else ())
    v = parse_lines(cout)
    require(v, HS_KEYS, cout)
    if int(v["handshakes"]) != count or int(v["size"]) != size:
        raise RunError("reported size/count differ from the arguments:\n" + cout)
    v.update(server_cpu=scpu, client_cpu=ccpu, seconds=count / max(v["hs_per_s"], 1e-9))
    return v


def run_multi(bin_dir, impl, mode, size, count, timeout=120):
    """One multi_thr run (one process, tcp): `count` messages per receiver."""
    (program,) = PROGRAMS[("multi", impl)]
    child = Child([os.path.join(bin_dir, program), fresh_endpoint("tcp"), str(size), str(count), mode])
    timed_out = []

    def expire():
        timed_out.append(True)
        child.kill()

    timer = threading.Timer(timeout, expire)
    timer.start()
    try:
        status = child.wait()
    finally:
        timer.cancel()
    out, err = child.output()
    if timed_out:
        raise RunError("timed out after %.0f s: %s %s\n%s" % (timeout, program, mode, err))
    if status != 0:
        raise RunError("%s %s exited %s\n%s" % (program, mode, status, err))
    v = parse_lines(out)
    require(v, THR_KEYS + ["receivers"], out)
    receivers = int(v["receivers"])
    if int(v["count"]) != count or int(v["size"]) != size or receivers != MULTI_RECEIVERS[mode]:
        raise RunError("reported size/count/receivers differ from the arguments:\n" + out)
    delivered = count * receivers
    # Each receiver runs at about msg_per_s / receivers: a run lasts delivered / msg_per_s.
    v.update(cpu=child.cpu, delivered=delivered, seconds=delivered / max(v["msg_per_s"], 1e-9))
    return v


def run_seed(bin_dir, impl, duration, warmup=0.3, timeout=120):
    child = Child([os.path.join(bin_dir, "seed_bench"), "--impl", impl, "--duration", str(duration),
                   "--warmup", str(warmup)])
    timer = threading.Timer(timeout, child.kill)
    timer.start()
    try:
        status = child.wait()
    finally:
        timer.cancel()
    out, err = child.output()
    if status != 0:
        raise RunError("seed_bench --impl %s exited %s\n%s" % (impl, status, err))
    v = parse_lines(out)
    require(v, ["req_per_s", "requests"], out)
    v["cpu"] = child.cpu
    return v


# --- measuring with calibrated counts -------------------------------------------------

# First guesses of rates (msg/s, round trips/s for latency, connections/s for handshakes),
# refined by calibration.
def guess_rate(kind, impl, size):
    if kind in ("lat", "curve-lat"):
        return 15000.0
    if kind.startswith("hs-"):
        return 1000.0 if kind == "hs-curve" else 4000.0
    if impl == "raw":
        return 2.5e9 / size
    table = {16: 2.0e6, 64: 1.8e6, 256: 1.3e6, 1024: 6e5, 8192: 1.5e5, 65536: 2.5e4, 1048576: 1.5e3}
    rate = table.get(size, 1e9 / max(size, 1024))
    # PUB -> SUB delivers what an unthrottled publisher gets through; multi_thr's counts
    # are per receiver; CURVE boxes every message.
    return rate / {"sub": 4, "fanout": 3, "topics": 3, "curve-thr": 2}.get(kind, 1)


def runner_of(kind):
    """run(bin_dir, impl, transport, size, count) for a kind of point: thr (ROUTER <- DEALER),
    lat, pull, sub (the thr pair's other patterns), fanout, fanin, topics (multi_thr; tcp),
    curve-thr, curve-lat (thr and lat over CURVE), hs-null, hs-curve (handshake_rate)."""
    if kind == "thr":
        return run_thr
    if kind == "lat":
        return run_lat
    if kind == "curve-thr":
        return lambda b, i, t, s, c: run_thr(b, i, t, s, c, curve=True)
    if kind == "curve-lat":
        return lambda b, i, t, s, c: run_lat(b, i, t, s, c, curve=True)
    if kind in ("hs-null", "hs-curve"):
        return lambda b, i, t, s, c: run_hs(b, i, t, s, c, curve=kind == "hs-curve")
    if kind in PATTERNS:
        return lambda b, i, t, s, c: run_thr(b, i, t, s, c, pattern=kind)
    if kind in MULTI_MODES:
        return lambda b, i, t, s, c: run_multi(b, i, kind, s, c)
    raise ValueError(kind)


class Bench:
    def __init__(self, bin_dir, repeats, target_s, impls=IMPLS):
        self.bin_dir = bin_dir
        self.impls = impls  # the implementations measured (--impls); the others' runs stay empty
        self.repeats = repeats
        self.target_s = target_s
        self.counts = {}  # (kind, impl, transport, size) -> calibrated count
        self.failures = []  # [{"point": ..., "error": ...}] of the points run with tolerate
        self._last_failure = None

    def target(self, kind):
        """Seconds a run of `kind` should last: handshake runs are kept short, as each
        connection leaves the client's port in TIME_WAIT for a minute (ports that a bind
        to that very port, this script's control pairs among them, cannot take)."""
        return self.target_s * (HS_TARGET_SCALE if kind.startswith("hs-") else 1.0)

    def _count(self, key):
        if key not in self.counts:
            kind, impl, _, size = key
            self.counts[key] = max(100, int(guess_rate(kind, impl, size) * self.target(kind)))
        return self.counts[key]

    def once(self, kind, impl, transport, size):
        key = (kind, impl, transport, size)
        runner = runner_of(kind)
        target = self.target(kind)
        for _ in range(4):
            count = self._count(key)
            v = runner(self.bin_dir, impl, transport, size, count)
            rate = count / max(v["seconds"], 1e-9)
            if 0.4 * target <= v["seconds"] <= 2.5 * target:
                return v
            # Outside the window: recalibrate and measure again (this run is discarded).
            self.counts[key] = max(100, int(rate * target))
            if v["seconds"] > 2.5 * target:
                return v  # slow but valid: keep it, later repeats use the smaller count
        return v

    def point(self, kind, impls, transport, size, repeats=None, tolerate=False):
        """Repeats the point, interleaving the implementations; {impl: [runs]} (empty for
        an implementation that --impls leaves out). With
        `tolerate`, an implementation whose run fails is printed (with its error), left out
        of the later repeats of this point and listed in self.failures; its runs stay
        empty (n/a in the report). Without it the failure ends the whole run."""
        runs = {impl: [] for impl in impls}
        failed = set()
        for _ in range(repeats or self.repeats):
            for impl in impls:
                if impl in failed or (impl in IMPLS and impl not in self.impls):
                    continue
                try:
                    runs[impl].append(self.once(kind, impl, transport, size))
                except RunError as e:
                    if not tolerate:
                        raise
                    failed.add(impl)
                    what = "%s %s %s %s" % (kind, impl, transport, fmt_size(size))
                    error = str(e).strip()
                    self.failures.append({"point": what, "error": error})
                    # The same error again (ports and paths aside) is named in one line.
                    same = re.sub(r"[0-9]+", "#", error)
                    if same == self._last_failure:
                        log("FAILED %s (n/a in the report): the same error as above" % what)
                    else:
                        log("FAILED %s (n/a in the report):\n    %s" % (what, "\n    ".join(error.splitlines()[-6:])))
                    self._last_failure = same
        return runs


def median(values):
    return statistics.median(values) if values else float("nan")


NAN = float("nan")


def summarize_thr(runs):
    if not runs:  # every run failed (see Bench.point's tolerate)
        return {"msg_per_s": NAN, "min": NAN, "max": NAN, "mbyte_per_s": NAN, "recv_cpu_per_M": NAN,
                "send_cpu_per_M": NAN, "count": 0, "runs": [], "failed": True}
    msg = [r["msg_per_s"] for r in runs]
    summary = {
        "msg_per_s": median(msg),
        "min": min(msg), "max": max(msg),
        "mbyte_per_s": median([r["mbit_per_s"] / 8 for r in runs]),
        "recv_cpu_per_M": median([r["recv_cpu"] / r["count"] * 1e6 for r in runs]),
        "send_cpu_per_M": median([r["send_cpu"] / r["count"] * 1e6 for r in runs]),
        "count": int(runs[-1]["count"]),
        "runs": msg,
    }
    if all("sent" in r for r in runs):  # PUB -> SUB: the share of what the PUB sent that was counted
        summary["counted_of_sent"] = median([r["count"] / max(r["sent"], 1) for r in runs])
    return summary


def summarize_multi(runs):
    """multi_thr runs: aggregate msg/s, and CPU of the whole process per delivered message."""
    if not runs:
        return {"msg_per_s": NAN, "min": NAN, "max": NAN, "mbyte_per_s": NAN, "cpu_per_M": NAN, "count": 0,
                "runs": [], "failed": True}
    msg = [r["msg_per_s"] for r in runs]
    return {
        "msg_per_s": median(msg),
        "min": min(msg), "max": max(msg),
        "mbyte_per_s": median([r["mbit_per_s"] / 8 for r in runs]),
        "cpu_per_M": median([r["cpu"] / r["delivered"] * 1e6 for r in runs]),
        "count": int(runs[-1]["count"]),
        "runs": msg,
    }


def summarize_hs(runs):
    if not runs:  # not measured (--impls)
        return {"hs_per_s": NAN, "p50_us": NAN, "p99_us": NAN, "server_cpu_ms": NAN, "client_cpu_ms": NAN, "count": 0,
                "runs": []}
    return {
        "hs_per_s": median([r["hs_per_s"] for r in runs]),
        "p50_us": median([r["p50_hs_us"] for r in runs]),
        "p99_us": median([r["p99_hs_us"] for r in runs]),
        # CPU milliseconds per connection
        "server_cpu_ms": median([r["server_cpu"] / r["handshakes"] * 1e3 for r in runs]),
        "client_cpu_ms": median([r["client_cpu"] / r["handshakes"] * 1e3 for r in runs]),
        "count": int(runs[-1]["handshakes"]),
        "runs": [r["hs_per_s"] for r in runs],
    }


def summarize_lat(runs):
    if not runs:  # not measured (--impls)
        return {"avg_us": NAN, "p50_us": NAN, "p99_us": NAN, "server_cpu_per_M": NAN, "client_cpu_per_M": NAN,
                "count": 0, "runs": []}
    return {
        "avg_us": median([r["avg_us"] for r in runs]),
        "p50_us": median([r["p50_us"] for r in runs]),
        "p99_us": median([r["p99_us"] for r in runs]),
        "server_cpu_per_M": median([r["server_cpu"] / r["roundtrips"] * 1e6 for r in runs]),
        "client_cpu_per_M": median([r["client_cpu"] / r["roundtrips"] * 1e6 for r in runs]),
        "count": int(runs[-1]["roundtrips"]),
        "runs": [r["avg_us"] for r in runs],
    }


# --- machine description ---------------------------------------------------------------

def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=20).stdout.strip()
    except Exception:
        return ""


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def machine(bin_dir):
    info = {}
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["CPU"] = cpu or platform.processor()
    info["cores (online)"] = str(os.cpu_count())
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(l for l in f if l.startswith("MemTotal")).split()[1])
        info["memory"] = "%.1f GiB" % (kb / 1048576)
    except (OSError, StopIteration):
        pass
    info["kernel"] = platform.release()
    osr = sh(". /etc/os-release && echo $PRETTY_NAME")
    if osr:
        info["OS"] = osr
    cache = os.path.join(os.path.dirname(bin_dir), "CMakeCache.txt")
    compiler, build_type = "", ""
    if os.path.exists(cache):
        with open(cache) as f:
            for line in f:
                if line.startswith("CMAKE_CXX_COMPILER:"):
                    compiler = line.split("=", 1)[1].strip()
                elif line.startswith("CMAKE_BUILD_TYPE:"):
                    build_type = line.split("=", 1)[1].strip()
    cxx = compiler or "c++"
    info["compiler (zmtp build)"] = (sh("%s --version | head -1" % cxx) or cxx) + (
        ", %s" % build_type if build_type else "")
    for name in ("g++", "clang++-14"):
        v = sh("%s --version 2>/dev/null | head -1" % name)
        if v:
            info[name] = v
    info["libzmq"] = sh("pkg-config --modversion libzmq") or "?"
    info["Asio"] = sh("sed -n 's/^#define ASIO_VERSION \\([0-9]*\\).*/\\1/p' /usr/include/asio/version.hpp")
    if info["Asio"].isdigit():
        n = int(info["Asio"])
        info["Asio"] = "%d.%d.%d" % (n // 100000, n // 100 % 1000, n % 100)
    info["Python"] = platform.python_version()
    lib = os.path.join(os.path.dirname(bin_dir), "libzmtp.a")
    if os.path.exists(lib):
        info["libzmtp.a built"] = datetime.datetime.fromtimestamp(os.path.getmtime(lib)).astimezone().strftime(
            "%Y-%m-%d %H:%M:%S %Z")
    commit = sh("git -C %s rev-parse --short HEAD" % REPO)
    if commit:
        dirty = sh("git -C %s status --porcelain -- src include" % REPO)
        info["zmtp commit"] = commit + (" + uncommitted changes in src/ or include/" if dirty else "")
    return info


# --- the report ------------------------------------------------------------------------

def ratio(a, b):
    return a / b if b else float("nan")


def fx(x, digits=2):
    return ("%." + str(digits) + "f") % x if x == x else "n/a"


def fratio(a, b):
    """"1.23x", or "n/a" when either side is missing."""
    r = ratio(a, b)
    return "%.2fx" % r if r == r else "n/a"


def fnum(x):
    if x != x:
        return "n/a"
    if x >= 100:
        return "{:,.0f}".format(x)
    if x >= 10:
        return "%.1f" % x
    return "%.2f" % x


def write_plots(results, out_dir, sizes):
    """PNG plots with gnuplot; returns the file names written."""
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        log("run.py: gnuplot not found (apt-get install gnuplot-nox): no plots")
        return []
    written = []
    tmp = tempfile.mkdtemp(prefix="zmtp-bench-plot-")
    try:
        thr = results["thr"]
        with open(os.path.join(tmp, "thr.dat"), "w") as f:
            f.write("# size zmtp_tcp libzmq_tcp raw_tcp zmtp_ipc libzmq_ipc raw_ipc (msg/s) then MB/s same order\n")
            for size in sizes:
                row = [size]
                for key in ("msg_per_s", "mbyte_per_s"):
                    for t in TRANSPORTS:
                        for impl in ("zmtp", "libzmq", "raw"):
                            row.append(thr[t][size][impl][key])
                row.append(2.0 if size <= 256 else 1.2 if size <= 8192 else 1.0)  # the msg/s target
                f.write(" ".join(str(x) for x in row) + "\n")
        lat = results["lat"]
        with open(os.path.join(tmp, "lat.dat"), "w") as f:
            f.write("# label zmtp libzmq raw (average latency us)\n")
            for t in TRANSPORTS:
                for size in LAT_SIZES:
                    if size in lat.get(t, {}):
                        p = lat[t][size]
                        f.write('"%s %s" %f %f %f\n' % (t, fmt_size(size), p["zmtp"]["avg_us"], p["libzmq"]["avg_us"],
                                                        p["raw"]["avg_us"]))
        seed = results.get("seed", {})
        with open(os.path.join(tmp, "seed.dat"), "w") as f:
            for impl in ("zmtp", "libzmq"):
                if impl in seed:
                    f.write('"%s" %f\n' % (impl, seed[impl]["req_per_s"]))
        xtics = ", ".join('"%s" %d' % (fmt_size(s), s) for s in sizes)
        common = 'set terminal pngcairo size 900,560 font "sans,10"\nset grid\nset key top left\n'
        script = common + """
set output "{out}/bench-throughput-msgs.png"
set title "Throughput, ROUTER <- DEALER (median of runs)"
set logscale xy
set xlabel "message size"
set ylabel "messages per second"
set xtics ({xtics})
set key top right
plot "{tmp}/thr.dat" u 1:2 w lp lw 2 pt 7 t "zmtp tcp", \
     "" u 1:3 w lp lw 2 pt 5 t "libzmq tcp", \
     "" u 1:5 w lp lw 2 pt 7 dt 2 t "zmtp ipc", \
     "" u 1:6 w lp lw 2 pt 5 dt 2 t "libzmq ipc"
set output "{out}/bench-throughput-mbs.png"
set title "Payload throughput against the raw stream (median of runs)"
set ylabel "MB/s of payload"
set key bottom right
plot "{tmp}/thr.dat" u 1:8 w lp lw 2 pt 7 t "zmtp tcp", \
     "" u 1:9 w lp lw 2 pt 5 t "libzmq tcp", \
     "" u 1:10 w lp lw 2 pt 9 t "raw TCP", \
     "" u 1:11 w lp lw 2 pt 7 dt 2 t "zmtp ipc", \
     "" u 1:12 w lp lw 2 pt 5 dt 2 t "libzmq ipc", \
     "" u 1:13 w lp lw 2 pt 9 dt 2 t "raw Unix socket"
set output "{out}/bench-throughput-ratio.png"
set title "zmtp / libzmq messages per second (targets: 2x to 256 B, 1.2x to 8 KiB, 1x above)"
unset logscale y
set ylabel "ratio"
set key top right
set yrange [0:*]
plot "{tmp}/thr.dat" u 1:($2/$3) w lp lw 2 pt 7 t "tcp", \
     "" u 1:($5/$6) w lp lw 2 pt 5 t "ipc", \
     "" u 1:14 w lp lw 1 pt 2 lc rgb "#666666" dt 2 t "target"
set output "{out}/bench-latency.png"
unset logscale
set autoscale
set yrange [0:*]
set title "REQ/REP average latency (half a round trip; median of runs)"
set xlabel ""
set ylabel "microseconds"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics auto
set key top left
plot "{tmp}/lat.dat" u 2:xtic(1) t "zmtp", "" u 3 t "libzmq", "" u 4 t "raw socket ping-pong"
set output "{out}/bench-seed.png"
set title "Seed topology: 8 REQ -> ROUTER/DEALER proxy -> 2 REP (requests per second)"
set ylabel "requests per second"
set style fill solid 0.8 border -1
set boxwidth 0.5
set key off
set xrange [-0.6:1.6]
plot "{tmp}/seed.dat" u 0:2:xtic(1) w boxes
""".format(out=out_dir, tmp=tmp, xtics=xtics)
        with open(os.path.join(tmp, "plot.gp"), "w") as f:
            f.write(script)
        r = subprocess.run([gnuplot, os.path.join(tmp, "plot.gp")], capture_output=True, text=True)
        if r.returncode != 0:
            log("run.py: gnuplot failed:\n" + r.stderr)
            return []
        written = ["bench-throughput-msgs.png", "bench-throughput-mbs.png", "bench-throughput-ratio.png",
                   "bench-latency.png", "bench-seed.png"]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return written


def evaluate_targets(results, sizes):
    """[(target, ratio, met, kind)] for every target that this run measured; `kind` names
    the section of bench/analysis.md that explains the target when it is not met. zmtp's
    targets need zmtp and libzmq measured (and raw for raw's), the C API's capi and libzmq."""
    rows = []
    impls = measured(results)
    zmtp = "zmtp" in impls and "libzmq" in impls
    raw = "zmtp" in impls and "raw" in impls
    capi = "capi" in impls and "libzmq" in impls
    thr = results.get("thr", {})
    for t in TRANSPORTS if thr else ():
        for size in sizes:
            p = thr[t][size]
            r_lib = ratio(p["zmtp"]["msg_per_s"], p["libzmq"]["msg_per_s"])
            if not zmtp:
                pass
            elif size <= 256:
                rows.append(("throughput %s %s: >= 2x libzmq msg/s" % (t, fmt_size(size)), r_lib, r_lib >= 2.0,
                             "throughput-small"))
            elif size <= 8192:
                rows.append(("throughput %s %s: >= 1.2x libzmq msg/s" % (t, fmt_size(size)), r_lib, r_lib >= 1.2,
                             "throughput-medium"))
            else:
                rows.append(("throughput %s %s: >= 1x libzmq msg/s" % (t, fmt_size(size)), r_lib, r_lib >= 1.0,
                             "throughput-large-libzmq"))
            if raw and size > 8192:
                r_raw = ratio(p["zmtp"]["mbyte_per_s"], p["raw"]["mbyte_per_s"])
                rows.append(("throughput %s %s: >= 0.9x %s MB/s" % (t, fmt_size(size), RAW_LABEL[t]), r_raw,
                             r_raw >= 0.9, "throughput-large-raw"))
    lat = results.get("lat", {})
    for t in TRANSPORTS:
        for size in LAT_SIZES:
            if size not in lat.get(t, {}):
                continue
            p = lat[t][size]
            if zmtp:
                r_lib = ratio(p["zmtp"]["avg_us"], p["libzmq"]["avg_us"])
                rows.append(("REQ/REP round trip %s %s: <= 0.7x libzmq" % (t, fmt_size(size)), r_lib, r_lib <= 0.7,
                             "latency-libzmq"))
            if raw:
                r_raw = ratio(p["zmtp"]["avg_us"], p["raw"]["avg_us"])
                rows.append(("REQ/REP round trip %s %s: <= 1.25x %s ping-pong" % (t, fmt_size(size), RAW_LABEL[t]),
                             r_raw, r_raw <= 1.25, "latency-raw"))
    pattern_label = {"pull": "PUSH -> PULL", "sub": "PUB -> SUB"}
    for pattern, by_transport in (results.get("patterns") or {}).items() if zmtp else ():
        for t, by_size in by_transport.items():
            for size in sorted(by_size, key=int):
                p = by_size[size]
                r_lib = ratio(p["zmtp"]["msg_per_s"], p["libzmq"]["msg_per_s"])
                goal = 2.0 if int(size) <= 256 else 1.2
                rows.append(("%s %s %s: >= %gx libzmq msg/s" % (pattern_label.get(pattern, pattern), t,
                                                                fmt_size(int(size)), goal), r_lib, r_lib >= goal,
                             "patterns"))
    fanout = (results.get("multi") or {}).get("fanout", {}) if zmtp else {}
    for size in sorted(fanout, key=int):
        p = fanout[size]
        r_lib = ratio(p["zmtp"]["msg_per_s"], p["libzmq"]["msg_per_s"])
        rows.append(("PUB fan-out to 4 SUBs %s: >= 2x libzmq aggregate msg/s" % fmt_size(int(size)), r_lib,
                     r_lib >= 2.0, "patterns"))
    seed = results.get("seed", {})
    if "zmtp" in seed and "libzmq" in seed:
        r = ratio(seed["zmtp"]["req_per_s"], seed["libzmq"]["req_per_s"])
        rows.append(("seed topology: >= 1.5x libzmq req/s", r, r >= 1.5, "seed"))
    if capi:
        rows += capi_targets(results, sizes)
    return rows + curve_targets(results.get("curve"))


def capi_targets(results, sizes):
    """The C API's rows of evaluate_targets: >= CAPI_THR_GOAL x libzmq's msg/s up to
    CAPI_THR_MAX_SIZE (ROUTER <- DEALER and the other patterns), round trip <= libzmq's."""
    rows = []
    throughput = [("throughput", results.get("thr", {}))] + [
        (PATTERN_LABEL[pattern], by_transport) for pattern, by_transport in (results.get("patterns") or {}).items()]
    for what, by_transport in throughput:
        for t in TRANSPORTS:
            for size in sorted(by_transport.get(t, {}), key=int):
                if int(size) > CAPI_THR_MAX_SIZE:
                    continue
                p = by_transport[t][size]
                r = ratio(p["capi"]["msg_per_s"], p["libzmq"]["msg_per_s"])
                rows.append(("C API %s %s %s: >= %gx libzmq msg/s" % (what, t, fmt_size(int(size)), CAPI_THR_GOAL), r,
                             r >= CAPI_THR_GOAL, "capi-throughput"))
    lat = results.get("lat", {})
    for t in TRANSPORTS:
        for size in LAT_SIZES:
            if size in lat.get(t, {}):
                p = lat[t][size]
                r = ratio(p["capi"]["avg_us"], p["libzmq"]["avg_us"])
                rows.append(("C API REQ/REP round trip %s %s: <= 1x libzmq" % (t, fmt_size(size)), r, r <= 1.0,
                             "capi-latency"))
    return rows


def curve_targets(curve):
    """The CURVE section's rows of evaluate_targets (none without one): throughput >= 2x
    libzmq's msg/s up to 1 KiB and >= 1x above, round trip <= 0.8x, handshakes/s >= 1x."""
    rows = []
    if not curve:
        return rows
    for size in sorted(curve["thr"]):
        p = curve["thr"][size]
        r = ratio(p["zmtp"]["msg_per_s"], p["libzmq"]["msg_per_s"])
        goal = curve_thr_goal(size)
        rows.append(("CURVE throughput tcp %s: >= %gx libzmq msg/s" % (fmt_size(size), goal), r, r >= goal,
                     "curve-throughput"))
    for size in sorted(curve["lat"]):
        p = curve["lat"][size]
        r = ratio(p["zmtp"]["avg_us"], p["libzmq"]["avg_us"])
        rows.append(("CURVE REQ/REP round trip tcp %s: <= 0.8x libzmq" % fmt_size(size), r, r <= 0.8,
                     "curve-latency"))
    p = curve["hs"].get("curve")
    if p:
        r = ratio(p["zmtp"]["hs_per_s"], p["libzmq"]["hs_per_s"])
        rows.append(("CURVE handshakes/s tcp: >= 1x libzmq", r, r >= 1.0, "curve-handshake"))
    return rows


def curve_thr_goal(size):
    return 2.0 if size <= 1024 else 1.0


def load_analysis(path=os.path.join(REPO, "bench", "analysis.md")):
    """{kind: markdown} from bench/analysis.md, whose "## kind" headings name target kinds."""
    sections, kind = {}, None
    with open(path) as f:
        for line in f:
            if line.startswith("## "):
                kind = line[3:].strip()
                sections[kind] = []
            elif kind is not None:
                sections[kind].append(line.rstrip("\n"))
    return {k: "\n".join(v).strip() for k, v in sections.items()}


def targets_lines(rows):
    """The Targets section of a report, and the analysis of each kind not met."""
    L = []
    add = L.append
    met = sum(1 for r in rows if r[2])
    add("## Targets")
    add("")
    add("%d of %d met in this run." % (met, len(rows)))
    add("")
    add("| target | measured ratio | status |")
    add("|---|---:|---|")
    for name, r, ok, _ in rows:
        add("| %s | %sx | %s |" % (name, fx(r, 3), "MET" if ok else "**NOT MET**"))
    add("")
    unmet_kinds = []
    for _, _, ok, kind in rows:
        if not ok and kind not in unmet_kinds:
            unmet_kinds.append(kind)
    if unmet_kinds:
        analysis = load_analysis()
        add("## Targets not met: what explains them, what would close them")
        add("")
        add("From `bench/analysis.md` (profiles taken on this machine; the ratios above are this run's).")
        add("")
        for kind in unmet_kinds:
            names = ["%s (%sx)" % (name, fx(r, 3)) for name, r, ok, k in rows if k == kind and not ok]
            add("### %s" % kind)
            add("")
            add("Not met here: " + "; ".join(names) + ".")
            add("")
            add(analysis.get(kind, "**No analysis in bench/analysis.md for this kind of target yet.**"))
            add("")
    return L


def reproduce_lines():
    return [
        "## Reproduce",
        "",
        "```sh",
        "cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build build-bench -j2",
        "/usr/bin/python3 bench/run.py --bin-dir build-bench/bin          # the whole report, about 12 minutes",
        "/usr/bin/python3 bench/run.py --bin-dir build-bench/bin --curve-only  # just its CURVE section, about 2 minutes",
        "/usr/bin/python3 bench/run.py --bin-dir build-bench/bin --quick  # a look in under a minute (not written here)",
        "ctest --test-dir build-bench -L bench                            # bench_smoke: every pair interoperates",
        "/usr/bin/python3 bench/run.py --from-results docs/bench-results.json  # rewrite this page and the plots",
        "```",
    ]


def measured(results):
    """The implementations a run measured (a run from before --impls measured all but capi)."""
    return results.get("impls", ["zmtp", "libzmq", "raw"])


CAPI_LABEL = IMPL_LABEL["capi"]


def report(results, info, args, sizes, plots, elapsed):
    L = []
    add = L.append
    capi = "capi" in measured(results)
    impls_here = [i for i in measured(results) if i != "raw"]  # those of the patterns and multi_thr

    def capi_cells(p, key, digits=None):
        """The C API's cells of a row: its value and its ratio to libzmq's ("" without capi)."""
        if not capi:
            return ""
        value = fnum(p["capi"][key]) if digits is None else fx(p["capi"][key], digits)
        return " %s | **%s** |" % (value, fratio(p["capi"][key], p["libzmq"][key]))

    capi_head = " %s msg/s | C API / libzmq |" % CAPI_LABEL if capi else ""
    capi_rule = "---:|---:|" if capi else ""
    add("# Benchmarks: zmtp against libzmq")
    add("")
    add("Generated by `bench/run.py` on %s in %.0f s. Do not edit by hand: run it again." % (
        results["date"], elapsed))
    add("")
    add("Command: `%s`" % results["command"])
    add("")
    add("## Machine")
    add("")
    add("| what | value |")
    add("|---|---|")
    for k, v in info.items():
        add("| %s | %s |" % (k, v))
    add("")
    add("## Method")
    add("")
    add("- Every point runs two processes: the binding side first (`local_*`), then, once it listens, "
        "the connecting side (`remote_*`); a fresh ephemeral 127.0.0.1 port (or a fresh ipc path) per run. "
        "Each side is paired with its own kind: zmtp with zmtp, libzmq %s with libzmq." % info.get("libzmq", ""))
    add("- Throughput: `local_thr` (ROUTER) receives *count* messages from `remote_thr` (DEALER); the rate is "
        "measured from the first message to the last, as libzmq's `local_thr` does. Default high-water marks "
        "(1000) on both. zmtp runs on one io_context thread per process (one `async_receive`, then `try_receive` "
        "until empty; `try_send` until `would_block`, then `async_send`); libzmq uses its blocking calls and its "
        "default one I/O thread. Message bodies are built once and copied per message (`zmtp::frame` copy / "
        "`zmq_msg_copy`).")
    if capi:
        add("- %s (*capi*): the libzmq programs (`libzmq_*`) compiled a second time against zmtp's `zmq.h` and "
            "linked with its drop-in `libzmq.so.5` (`capi_libzmq_*`, found through their build RPATH; ctest "
            "`bench_capi_loads_drop_in` checks that they load it and not the system's), paired with themselves. "
            "The same source as the libzmq column, so the difference is the library under the C API. Targets: "
            ">= %gx libzmq's msg/s up to %s, round trip <= libzmq's. Not in the CURVE section or the seed "
            "topology (no CURVE options in the drop-in yet; `seed_bench` links zmtp and libzmq in one process)."
            % (CAPI_LABEL, CAPI_THR_GOAL, fmt_size(CAPI_THR_MAX_SIZE)))
    add("- One addition to libzmq's tools: after the last message the receiver sends the DEALER one empty "
        "message, and the sender closes only once it has it. Without it a sender could close while the receiver "
        "still had bytes unread in its socket buffer, and a libzmq receiver over ipc was seen to drop those (with "
        "libzmq's own sender too), so the run never ended. The timed interval ends before this.")
    add("- Raw reference (`tcp_thr`): the same count x size bytes streamed over a plain TCP socket (tcp) or a "
        "Unix-domain stream socket (ipc), written in ~256 KiB chunks: the transport's ceiling, with no framing and "
        "no per-message work. Its msg/s at small sizes is therefore not comparable; only MB/s ratios are shown.")
    if results.get("patterns"):
        add("- Other patterns: the same pair with a fourth argument. PUSH -> PULL: `remote_thr` sends *count* "
            "messages and waits for `local_thr`'s acknowledgement on a control pair (DEALER <-> DEALER on the next "
            "port, or the ipc path + `.ctl`). PUB -> SUB: the SUB subscribes to everything; the PUB sends without "
            "pause (what it sends before the subscription arrives, or past its high-water mark, is dropped, as a PUB "
            "does) until the SUB, which counts *count* messages from its first, says stop on the control pair; the "
            "rate is the SUB's over those messages. zmtp's PUB lets its io_context run every 256 messages (its "
            "writes run on the same thread).")
    if results.get("multi"):
        add("- Several peers (`multi_thr`, tcp, one process; every socket on its own thread: zmtp an io_context "
            "each, libzmq blocking calls on one context with its default one I/O thread; linger 0): PUB fan-out to "
            "4 SUBs; 4 PUSH -> 1 PULL fan-in; one SUB subscribed to 10,000 topics (`topic-00000`..`topic-09999`, "
            "its send high-water mark lifted so that no subscription is dropped) from a PUB cycling over them. "
            "Senders send until every receiver has counted *count* messages; a receiver starts counting once "
            "every peer is seen at work (fan-out: all 4 SUBs have had a message; fan-in: messages from all 4 "
            "PUSHes; topics: the last topic subscribed has arrived) and keeps receiving after its count until "
            "the end. The rate is the sum of the receivers' own rates.")
    add("- Latency: `remote_lat` (REQ) makes *count* round trips with `local_lat` (REP echo); *average latency* is "
        "half the mean round trip (libzmq's definition), p50/p99 are of single round trips. Raw reference "
        "(`tcp_lat`): blocking write/read ping-pong of the same size with TCP_NODELAY.")
    add("- Seed topology (`seed_bench`): 8 REQ clients -> ROUTER/DEALER proxy (`zmtp::async_proxy` / `zmq_proxy`, "
        "frontend tcp, backend ipc) -> 2 REP workers echoing %s requests, all threads of one process, %.1f s "
        "measured after a 0.3 s warm-up." % (fmt_size(32), results["seed_duration"]))
    add("- Each throughput and seed point is repeated %d times, each latency point %d times (implementations "
        "interleaved), and the **median** is reported. Counts are calibrated per point so one run lasts about "
        "%.1f s. CPU time is user+system of each process from `wait4()`, divided by the message (or round-trip, "
        "or request) count." % (args.repeats, args.lat_repeats, args.target))
    add("- Ratios compare medians from this one run. Timing on a shared %s-core VM is noisy (load average "
        "before / after the run: %s / %s): every repeat is listed in the appendix." % (
            info.get("cores (online)", "?"), results["load_before"], results["load_after"]))
    add("")

    thr = results["thr"]
    add("## Throughput")
    add("")
    for t in TRANSPORTS:
        add("### %s" % t)
        add("")
        add("| size | zmtp msg/s | libzmq msg/s | zmtp / libzmq |%s zmtp MB/s | libzmq MB/s | %s MB/s | "
            "zmtp / raw (MB/s) |" % (capi_head, RAW_LABEL[t]))
        add("|---:|---:|---:|---:|%s---:|---:|---:|---:|" % capi_rule)
        for size in sizes:
            p = thr[t][size]
            add("| %s | %s | %s | **%s** |%s %s | %s | %s | %s |" % (
                fmt_size(size), fnum(p["zmtp"]["msg_per_s"]), fnum(p["libzmq"]["msg_per_s"]),
                fratio(p["zmtp"]["msg_per_s"], p["libzmq"]["msg_per_s"]), capi_cells(p, "msg_per_s"),
                fnum(p["zmtp"]["mbyte_per_s"]), fnum(p["libzmq"]["mbyte_per_s"]), fnum(p["raw"]["mbyte_per_s"]),
                fx(ratio(p["zmtp"]["mbyte_per_s"], p["raw"]["mbyte_per_s"]))))
        add("")
    for name, title in (("bench-throughput-msgs.png", "messages per second"),
                        ("bench-throughput-ratio.png", "zmtp / libzmq"),
                        ("bench-throughput-mbs.png", "MB/s against the raw stream")):
        if name in plots:
            add("![%s](%s)" % (title, name))
            add("")

    patterns = results.get("patterns")
    if patterns:
        add("## Other patterns: PUSH -> PULL and PUB -> SUB")
        add("")
        add("Messages per second (median of runs); n/a: the program failed (see \"Failed runs\").")
        add("")
        for t in TRANSPORTS:
            add("### %s" % t)
            add("")
            header = "| size |"
            rule = "|---:|"
            for pattern in PATTERNS:
                header += " %s zmtp | %s libzmq | zmtp / libzmq |" % (PATTERN_LABEL[pattern], PATTERN_LABEL[pattern])
                rule += "---:|---:|---:|"
                if capi:
                    header += " %s %s | C API / libzmq |" % (PATTERN_LABEL[pattern], CAPI_LABEL)
                    rule += capi_rule
            add(header)
            add(rule)
            sizes_here = sorted({size for pattern in PATTERNS for size in patterns.get(pattern, {}).get(t, {})})
            for size in sizes_here:
                row = "| %s |" % fmt_size(size)
                for pattern in PATTERNS:
                    p = patterns.get(pattern, {}).get(t, {}).get(size)
                    if p is None:
                        row += " | | |" + (" | |" if capi else "")
                        continue
                    row += " %s | %s | **%s** |" % (fnum(p["zmtp"]["msg_per_s"]), fnum(p["libzmq"]["msg_per_s"]),
                                                    fratio(p["zmtp"]["msg_per_s"], p["libzmq"]["msg_per_s"]))
                    row += capi_cells(p, "msg_per_s")
                add(row)
            add("")
    multi = results.get("multi")
    if multi:
        add("## Several peers (tcp, one process)")
        add("")
        add("Aggregate messages per second delivered (the sum of the receivers' rates; median of runs) and CPU "
            "seconds of the whole process per million delivered messages.")
        add("")
        add("| arrangement | size | zmtp msg/s | libzmq msg/s | zmtp / libzmq |%s zmtp CPU | libzmq CPU |%s" % (
            capi_head, " C API CPU |" if capi else ""))
        add("|---|---:|---:|---:|---:|%s---:|---:|%s" % (capi_rule, "---:|" if capi else ""))
        for mode in MULTI_MODES:
            for size in sorted(multi.get(mode, {})):
                p = multi[mode][size]
                add("| %s | %s | %s | %s | **%s** |%s %s | %s |%s" % (
                    MULTI_LABEL[mode], fmt_size(size), fnum(p["zmtp"]["msg_per_s"]), fnum(p["libzmq"]["msg_per_s"]),
                    fratio(p["zmtp"]["msg_per_s"], p["libzmq"]["msg_per_s"]), capi_cells(p, "msg_per_s"),
                    fx(p["zmtp"]["cpu_per_M"]), fx(p["libzmq"]["cpu_per_M"]),
                    " %s |" % fx(p["capi"]["cpu_per_M"]) if capi else ""))
        add("")
    failures = results.get("failures")
    if failures:
        add("## Failed runs")
        add("")
        add("These points read n/a above; each failed once and was not repeated. Their errors (points whose "
            "errors differ only in numbers, such as ports, are grouped under the first one's):")
        add("")
        groups = []  # [(normalized error, error, [points])]
        for f in failures:
            key = re.sub(r"[0-9]+", "#", f["error"])
            for g in groups:
                if g[0] == key:
                    g[2].append(f["point"])
                    break
            else:
                groups.append((key, f["error"], [f["point"]]))
        for _, error, points in groups:
            add("- %s:" % ", ".join(points))
            add("")
            add("  ```")
            for line in error.splitlines()[-8:]:
                add("  " + line)
            add("  ```")
        add("")

    mixed = results.get("mixed")
    if mixed:
        add("## Mixed pairs (tcp): which side is faster")
        add("")
        add("The same runs with a zmtp receiver and a libzmq sender, and the reverse. When the zmtp receiver "
            "with the libzmq sender is as fast as libzmq/libzmq, the sender limits; and so on.")
        add("")
        add("| size | zmtp -> zmtp | libzmq -> libzmq | libzmq sender -> zmtp receiver | zmtp sender -> libzmq receiver |")
        add("|---:|---:|---:|---:|---:|")
        for size in sorted(mixed):
            p = thr["tcp"][size]
            add("| %s | %s | %s | %s | %s |" % (fmt_size(size), fnum(p["zmtp"]["msg_per_s"]),
                                                fnum(p["libzmq"]["msg_per_s"]),
                                                fnum(mixed[size]["zmtp-recv"]["msg_per_s"]),
                                                fnum(mixed[size]["zmtp-send"]["msg_per_s"])))
        add("")

    lat = results["lat"]
    add("## Latency (REQ/REP)")
    add("")
    add("Average latency is half a round trip; p50/p99 are whole round trips. All in microseconds.")
    add("")
    add("| transport | size | zmtp avg | libzmq avg | raw avg | zmtp / libzmq | zmtp / raw |%s zmtp p50 / p99 | "
        "libzmq p50 / p99 | raw p50 / p99 |%s" % (" %s avg | C API / libzmq |" % CAPI_LABEL if capi else "",
                                                 " C API p50 / p99 |" if capi else ""))
    add("|---|---:|---:|---:|---:|---:|---:|%s---:|---:|---:|%s" % (capi_rule, "---:|" if capi else ""))
    for t in TRANSPORTS:
        for size in LAT_SIZES:
            if size not in lat.get(t, {}):
                continue
            p = lat[t][size]
            add("| %s | %s | %s | %s | %s | **%s** | **%s** |%s %s / %s | %s / %s | %s / %s |%s" % (
                t, fmt_size(size), fx(p["zmtp"]["avg_us"], 1), fx(p["libzmq"]["avg_us"], 1),
                fx(p["raw"]["avg_us"], 1), fratio(p["zmtp"]["avg_us"], p["libzmq"]["avg_us"]),
                fratio(p["zmtp"]["avg_us"], p["raw"]["avg_us"]), capi_cells(p, "avg_us", 1),
                fx(p["zmtp"]["p50_us"], 1), fx(p["zmtp"]["p99_us"], 1),
                fx(p["libzmq"]["p50_us"], 1), fx(p["libzmq"]["p99_us"], 1),
                fx(p["raw"]["p50_us"], 1), fx(p["raw"]["p99_us"], 1),
                " %s / %s |" % (fx(p["capi"]["p50_us"], 1), fx(p["capi"]["p99_us"], 1)) if capi else ""))
    add("")
    mixed_lat = results.get("mixed_lat")
    if mixed_lat:
        add("Mixed latency pairs (tcp, average latency in us): zmtp REP with libzmq REQ, and the reverse.")
        add("")
        add("| size | zmtp <-> zmtp | libzmq <-> libzmq | libzmq REQ <-> zmtp REP | zmtp REQ <-> libzmq REP |")
        add("|---:|---:|---:|---:|---:|")
        for size in sorted(mixed_lat):
            p = lat["tcp"][size]
            add("| %s | %s | %s | %s | %s |" % (fmt_size(size), fx(p["zmtp"]["avg_us"], 1),
                                                fx(p["libzmq"]["avg_us"], 1),
                                                fx(mixed_lat[size]["zmtp-rep"]["avg_us"], 1),
                                                fx(mixed_lat[size]["zmtp-req"]["avg_us"], 1)))
        add("")
    if "bench-latency.png" in plots:
        add("![latency](bench-latency.png)")
        add("")

    seed = results.get("seed", {})
    if seed:
        add("## Seed topology")
        add("")
        add("| impl | requests/s (median) | runs | CPU s per million requests |")
        add("|---|---:|---|---:|")
        for impl in ("zmtp", "libzmq"):
            if impl in seed:
                s = seed[impl]
                add("| %s | %s | %s | %s |" % (impl, fnum(s["req_per_s"]), ", ".join(fnum(x) for x in s["runs"]),
                                              fx(s["cpu_per_M"], 1)))
        if "zmtp" in seed and "libzmq" in seed:
            add("")
            add("zmtp / libzmq: **%sx**" % fx(ratio(seed["zmtp"]["req_per_s"], seed["libzmq"]["req_per_s"])))
        add("")
        if "bench-seed.png" in plots:
            add("![seed topology](bench-seed.png)")
            add("")

    if results.get("curve"):
        L += curve_lines(results["curve"])
    add("## CPU seconds per million messages")
    add("")
    add("Throughput runs: receiver (`local_thr`) and sender (`remote_thr`) processes, user+system CPU / count x 1e6.")
    add("")
    for t in TRANSPORTS:
        add("### %s" % t)
        add("")
        add("| size | zmtp recv | libzmq recv | zmtp send | libzmq send | %s recv | %s send |%s" % (
            RAW_LABEL[t], RAW_LABEL[t], " C API recv | C API send |" if capi else ""))
        add("|---:|---:|---:|---:|---:|---:|---:|%s" % capi_rule)
        for size in sizes:
            p = thr[t][size]
            add("| %s | %s | %s | %s | %s | %s | %s |%s" % (
                fmt_size(size), fx(p["zmtp"]["recv_cpu_per_M"]), fx(p["libzmq"]["recv_cpu_per_M"]),
                fx(p["zmtp"]["send_cpu_per_M"]), fx(p["libzmq"]["send_cpu_per_M"]),
                fx(p["raw"]["recv_cpu_per_M"], 3), fx(p["raw"]["send_cpu_per_M"], 3),
                " %s | %s |" % (fx(p["capi"]["recv_cpu_per_M"]), fx(p["capi"]["send_cpu_per_M"])) if capi else ""))
        add("")
    add("Latency runs: CPU seconds per million round trips.")
    add("")
    add("| transport | size | zmtp REP | libzmq REP | zmtp REQ | libzmq REQ | raw server | raw client |%s" % (
        " C API REP | C API REQ |" if capi else ""))
    add("|---|---:|---:|---:|---:|---:|---:|---:|%s" % capi_rule)
    for t in TRANSPORTS:
        for size in LAT_SIZES:
            if size not in lat.get(t, {}):
                continue
            p = lat[t][size]
            add("| %s | %s | %s | %s | %s | %s | %s | %s |%s" % (
                t, fmt_size(size), fx(p["zmtp"]["server_cpu_per_M"], 1), fx(p["libzmq"]["server_cpu_per_M"], 1),
                fx(p["zmtp"]["client_cpu_per_M"], 1), fx(p["libzmq"]["client_cpu_per_M"], 1),
                fx(p["raw"]["server_cpu_per_M"], 1), fx(p["raw"]["client_cpu_per_M"], 1),
                " %s | %s |" % (fx(p["capi"]["server_cpu_per_M"], 1), fx(p["capi"]["client_cpu_per_M"], 1))
                if capi else ""))
    add("")

    L += targets_lines(evaluate_targets(results, sizes))
    L += reproduce_lines()
    add("")
    add("Every measured number (each repeat, CPU times, counts) is in `bench-results.json` beside this page. "
        "Single points by hand: `build-bench/bin/local_thr tcp://127.0.0.1:5555 16 2000000` in one shell, "
        "`build-bench/bin/remote_thr tcp://127.0.0.1:5555 16 2000000` in another (likewise `local_lat` / "
        "`remote_lat`, the `libzmq_*` programs, `tcp_thr server|client` and `tcp_lat server|client`); a fourth "
        "argument `pull` or `sub` to both `*_thr` programs picks PUSH -> PULL or PUB -> SUB (their control pair "
        "takes the next port), `--curve` to both sides of a `*_thr`, `*_lat` or `*handshake_rate` pair makes it "
        "CURVE, and `build-bench/bin/multi_thr tcp://127.0.0.1:5555 16 500000 fanout|fanin|topics` "
        "(or `libzmq_multi_thr`) runs the several-peer arrangements.")
    add("")
    add("## Appendix: every run")
    add("")
    add("Throughput msg/s of each repeat (min - max), and the calibrated count:")
    add("")
    add("| transport | size | impl | count | runs (msg/s) |")
    add("|---|---:|---|---:|---|")
    for t in TRANSPORTS:
        for size in sizes:
            for impl in measured(results):
                p = thr[t][size][impl]
                add("| %s | %s | %s | %d | %s |" % (t, fmt_size(size), impl, p["count"],
                                                   ", ".join(fnum(x) for x in p["runs"])))
    add("")
    if patterns:
        add("Other patterns, msg/s of each repeat:")
        add("")
        add("Counted / sent: of all the messages the PUB sent (before the subscription arrived, past its "
            "high-water mark, after the count), the share the SUB counted (median).")
        add("")
        add("| pattern | transport | size | impl | count | runs (msg/s) | counted / sent |")
        add("|---|---|---:|---|---:|---|---:|")
        for pattern in PATTERNS:
            for t in TRANSPORTS:
                for size in sorted(patterns.get(pattern, {}).get(t, {})):
                    for impl in impls_here:
                        p = patterns[pattern][t][size][impl]
                        add("| %s | %s | %s | %s | %s | %s | %s |" % (
                            PATTERN_LABEL[pattern], t, fmt_size(size), impl, p["count"] or "n/a",
                            ", ".join(fnum(x) for x in p["runs"]) or "n/a",
                            fx(p["counted_of_sent"], 3) if "counted_of_sent" in p else ""))
        add("")
    if multi:
        add("Several peers, aggregate msg/s of each repeat (count: messages per receiver):")
        add("")
        add("| arrangement | size | impl | count | runs (msg/s) |")
        add("|---|---:|---|---:|---|")
        for mode in MULTI_MODES:
            for size in sorted(multi.get(mode, {})):
                for impl in impls_here:
                    p = multi[mode][size][impl]
                    add("| %s | %s | %s | %s | %s |" % (MULTI_LABEL[mode], fmt_size(size), impl, p["count"] or "n/a",
                                                       ", ".join(fnum(x) for x in p["runs"]) or "n/a"))
        add("")
    add("Latency average (us) of each repeat:")
    add("")
    add("| transport | size | impl | round trips | runs (avg us) |")
    add("|---|---:|---|---:|---|")
    for t in TRANSPORTS:
        for size in LAT_SIZES:
            if size not in lat.get(t, {}):
                continue
            for impl in measured(results):
                p = lat[t][size][impl]
                add("| %s | %s | %s | %d | %s |" % (t, fmt_size(size), impl, p["count"],
                                                   ", ".join(fx(x, 1) for x in p["runs"])))
    add("")
    if results.get("curve"):
        L += curve_appendix_lines(results["curve"])
    return "\n".join(L)


def curve_lines(curve):
    """The CURVE section of a report."""
    L = []
    add = L.append
    add("## CURVE (tcp)")
    add("")
    add("Measured on %s (zmtp commit %s; load average before / after: %s / %s) by `%s`%s: each throughput and "
        "handshake point %d times, each latency point %d times, implementations interleaved, median reported; "
        "counts calibrated so that one run lasts about %.1f s (a handshake run %.2f s)." % (
            curve["date"], curve.get("commit", "?"), curve["load_before"], curve["load_after"], curve["command"],
            " at niceness %d" % curve["nice"] if curve.get("nice") else "", curve["repeats"], curve["lat_repeats"],
            curve["target"], curve["target"] * curve.get("hs_target_scale", 1.0)))
    add("")
    add("- Both sides of every pair speak CURVE (`--curve`): the binding side (`local_*`, the handshake server) is "
        "the CURVE server, the connecting side the client, with the test key pairs of zmq_curve(7) "
        "(`bench::curve_test_keys`; fixed, so that no run makes a key pair). No ZAP handler: every client key is "
        "admitted, by both libraries. Every message travels encrypted and authenticated (a MESSAGE command).")
    add("- Throughput: the default pair of the throughput runs, ROUTER (`local_thr`) <- DEALER (`remote_thr`), "
        "with `--curve`. Latency: REQ/REP (`local_lat` / `remote_lat`) with `--curve`.")
    add("- Handshakes (`handshake_rate` / `libzmq_handshake_rate`): the client, *count* times one after the other, "
        "makes a DEALER, connects, sends one %s message, waits for its echo from the server's ROUTER and closes "
        "the socket; the rate is connections per second over the whole run (the CPU columns are the server's and "
        "the client's CPU milliseconds per connection). The echo is the criterion of a finished handshake "
        "for both libraries: a peer takes a message only once its handshake is over, so its return means that both "
        "sides finished (the monitors' handshake-succeeded events would be taken at different moments by the two "
        "libraries, and libzmq's cost an inproc socket of their own). So each connection counts the TCP connect, "
        "the greetings, the mechanism's commands (CURVE: HELLO, WELCOME, INITIATE, READY; NULL: READY both ways), "
        "one message round trip and the close. NULL is there for context (no target)." % fmt_size(HS_SIZE))
    add("")
    add("### CURVE throughput, ROUTER <- DEALER")
    add("")
    add("| size | zmtp msg/s | libzmq msg/s | zmtp / libzmq | target | zmtp MB/s | libzmq MB/s | zmtp recv / send CPU | "
        "libzmq recv / send CPU |")
    add("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in sorted(curve["thr"]):
        p = curve["thr"][size]
        add("| %s | %s | %s | **%s** | >= %gx | %s | %s | %s / %s | %s / %s |" % (
            fmt_size(size), fnum(p["zmtp"]["msg_per_s"]), fnum(p["libzmq"]["msg_per_s"]),
            fratio(p["zmtp"]["msg_per_s"], p["libzmq"]["msg_per_s"]), curve_thr_goal(size),
            fnum(p["zmtp"]["mbyte_per_s"]), fnum(p["libzmq"]["mbyte_per_s"]),
            fx(p["zmtp"]["recv_cpu_per_M"]), fx(p["zmtp"]["send_cpu_per_M"]),
            fx(p["libzmq"]["recv_cpu_per_M"]), fx(p["libzmq"]["send_cpu_per_M"])))
    add("")
    add("CPU: seconds per million messages, receiver / sender.")
    add("")
    add("### CURVE latency, REQ/REP")
    add("")
    add("Average latency is half a round trip; p50/p99 are whole round trips. All in microseconds.")
    add("")
    add("| size | zmtp avg | libzmq avg | zmtp / libzmq | target | zmtp p50 / p99 | libzmq p50 / p99 |")
    add("|---:|---:|---:|---:|---:|---:|---:|")
    for size in sorted(curve["lat"]):
        p = curve["lat"][size]
        add("| %s | %s | %s | **%s** | <= 0.8x | %s / %s | %s / %s |" % (
            fmt_size(size), fx(p["zmtp"]["avg_us"], 1), fx(p["libzmq"]["avg_us"], 1),
            fratio(p["zmtp"]["avg_us"], p["libzmq"]["avg_us"]), fx(p["zmtp"]["p50_us"], 1),
            fx(p["zmtp"]["p99_us"], 1), fx(p["libzmq"]["p50_us"], 1), fx(p["libzmq"]["p99_us"], 1)))
    add("")
    add("### Handshakes per second")
    add("")
    add("| mechanism | zmtp conn/s | libzmq conn/s | zmtp / libzmq | target | zmtp p50 / p99 us | libzmq p50 / p99 us | "
        "zmtp server / client CPU ms | libzmq server / client CPU ms |")
    add("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for mechanism in HS_MECHANISMS:
        p = curve["hs"].get(mechanism)
        if not p:
            continue
        add("| %s | %s | %s | **%s** | %s | %s / %s | %s / %s | %s / %s | %s / %s |" % (
            mechanism.upper(), fnum(p["zmtp"]["hs_per_s"]), fnum(p["libzmq"]["hs_per_s"]),
            fratio(p["zmtp"]["hs_per_s"], p["libzmq"]["hs_per_s"]), ">= 1x" if mechanism == "curve" else "",
            fx(p["zmtp"]["p50_us"], 0), fx(p["zmtp"]["p99_us"], 0), fx(p["libzmq"]["p50_us"], 0),
            fx(p["libzmq"]["p99_us"], 0), fx(p["zmtp"]["server_cpu_ms"], 3),
            fx(p["zmtp"]["client_cpu_ms"], 3), fx(p["libzmq"]["server_cpu_ms"], 3),
            fx(p["libzmq"]["client_cpu_ms"], 3)))
    add("")
    return L


def curve_appendix_lines(curve):
    """Every repeat of the CURVE section."""
    L = ["CURVE (tcp), each repeat:", "", "| point | size | impl | count | runs |", "|---|---:|---|---:|---|"]
    for size in sorted(curve["thr"]):
        for impl in ("zmtp", "libzmq"):
            p = curve["thr"][size][impl]
            L.append("| throughput (msg/s) | %s | %s | %d | %s |" % (fmt_size(size), impl, p["count"],
                                                                     ", ".join(fnum(x) for x in p["runs"])))
    for size in sorted(curve["lat"]):
        for impl in ("zmtp", "libzmq"):
            p = curve["lat"][size][impl]
            L.append("| latency (avg us) | %s | %s | %d | %s |" % (fmt_size(size), impl, p["count"],
                                                                   ", ".join(fx(x, 1) for x in p["runs"])))
    for mechanism in HS_MECHANISMS:
        for impl in ("zmtp", "libzmq"):
            p = curve["hs"].get(mechanism, {}).get(impl)
            if p:
                L.append("| %s handshakes (conn/s) | %s | %s | %d | %s |" % (
                    mechanism.upper(), fmt_size(HS_SIZE), impl, p["count"], ", ".join(fnum(x) for x in p["runs"])))
    L.append("")
    return L


def curve_report(results, info):
    """The report of a --curve-only run with no earlier full run to join: the machine, the
    CURVE section and its targets."""
    L = ["# CURVE benchmarks: zmtp against libzmq", "",
         "Generated by `bench/run.py --curve-only` in %.0f s (a full run of `bench/run.py` adds the other "
         "sections). Do not edit by hand: run it again." % results["elapsed"], "",
         "## Machine", "", "| what | value |", "|---|---|"]
    L += ["| %s | %s |" % (k, v) for k, v in info.items()]
    L.append("")
    L += curve_lines(results["curve"])
    L += targets_lines(curve_targets(results["curve"]))
    L += reproduce_lines()
    L.append("")
    L.append("## Appendix: every run")
    L.append("")
    L += curve_appendix_lines(results["curve"])
    return "\n".join(L)


# --- the CURVE section ------------------------------------------------------------------

def measure_curve(bench, info, repeats, lat_repeats, target, quick, start):
    """Runs the CURVE section (tcp): {"thr": {size: {impl: summary}}, "lat": {size: ...},
    "hs": {mechanism: {impl: summary}}} and when, how and on what it was measured."""
    curve = {"date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
             "command": "/usr/bin/python3 bench/run.py" + "".join(" " + a for a in sys.argv[1:]),
             "commit": info.get("zmtp commit", "?"), "nice": os.nice(0), "load_before": loadavg(), "repeats": repeats,
             "lat_repeats": lat_repeats, "target": target, "hs_target_scale": HS_TARGET_SCALE, "thr": {}, "lat": {},
             "hs": {}}
    for size in QUICK_CURVE_SIZES if quick else CURVE_SIZES:
        runs = bench.point("curve-thr", ["zmtp", "libzmq"], "tcp", size)
        p = curve["thr"][size] = {impl: summarize_thr(r) for impl, r in runs.items()}
        log("curve thr tcp %8s  zmtp %12s  libzmq %12s  (%s)   [%.0f s]" % (
            fmt_size(size), fnum(p["zmtp"]["msg_per_s"]), fnum(p["libzmq"]["msg_per_s"]),
            fratio(p["zmtp"]["msg_per_s"], p["libzmq"]["msg_per_s"]), time.monotonic() - start))
    for size in LAT_SIZES:
        runs = bench.point("curve-lat", ["zmtp", "libzmq"], "tcp", size, lat_repeats)
        p = curve["lat"][size] = {impl: summarize_lat(r) for impl, r in runs.items()}
        log("curve lat tcp %8s  zmtp %7s us  libzmq %7s us  (%s)   [%.0f s]" % (
            fmt_size(size), fx(p["zmtp"]["avg_us"], 1), fx(p["libzmq"]["avg_us"], 1),
            fratio(p["zmtp"]["avg_us"], p["libzmq"]["avg_us"]), time.monotonic() - start))
    for mechanism in HS_MECHANISMS:
        runs = bench.point("hs-" + mechanism, ["zmtp", "libzmq"], "tcp", HS_SIZE)
        p = curve["hs"][mechanism] = {impl: summarize_hs(r) for impl, r in runs.items()}
        log("handshakes %-5s tcp  zmtp %9s/s  libzmq %9s/s  (%s)   [%.0f s]" % (
            mechanism.upper(), fnum(p["zmtp"]["hs_per_s"]), fnum(p["libzmq"]["hs_per_s"]),
            fratio(p["zmtp"]["hs_per_s"], p["libzmq"]["hs_per_s"]), time.monotonic() - start))
    curve["load_after"] = loadavg()
    return curve


def run_curve_only(args, bin_dir, out):
    """--curve-only: measures the CURVE section alone. With the results of an earlier full
    run beside `out` (bench-results.json), it takes the place of their CURVE section and the
    whole report is written again; otherwise `out` gets a report of the CURVE section alone."""
    start = time.monotonic()
    info = machine(bin_dir)
    bench = Bench(bin_dir, args.repeats, args.target)
    curve = measure_curve(bench, info, args.repeats, args.lat_repeats, args.target, args.quick, start)
    results_path = os.path.join(os.path.dirname(out), "bench-results.json")
    earlier = None
    if os.path.exists(results_path):
        with open(results_path) as f:
            earlier = _int_keys(json.load(f))
        if "thr" not in earlier:
            earlier = None  # a CURVE-only run's: replaced whole
    if earlier:
        earlier["curve"] = curve
        results = earlier
    else:
        results = {"curve": curve, "machine": info, "elapsed": time.monotonic() - start}
    with open(results_path, "w") as f:
        json.dump(results, f, indent=1)
    write_report(results, out, args)
    log("run.py: wrote %s (%s) in %.0f s" % (out, "its CURVE section measured again" if earlier else "CURVE only",
                                             time.monotonic() - start))
    for name, r, ok, _ in curve_targets(curve):
        log("%-70s %6sx  %s" % (name, fx(r, 3), "MET" if ok else "NOT MET"))
    return 0


# --- smoke test (ctest bench_smoke): every pair interoperates, lines are there ----------

def smoke(bin_dir, impls):
    failures = []
    passed = 0
    both = "zmtp" in impls and "libzmq" in impls  # the mixed pairs need both

    def pick(*candidates):
        """The candidates that `impls` covers: the mixed pairs count as zmtp and libzmq."""
        return [c for c in candidates if c in impls or (c not in IMPLS and both)]

    def check(name, fn):
        nonlocal passed
        try:
            fn()
            passed += 1
            log("ok    %s" % name)
        except Exception as e:  # report every failure, not just the first
            failures.append(name)
            log("FAIL  %s: %s" % (name, e))

    for t in TRANSPORTS:
        for impl in pick("zmtp", "libzmq", "capi", "zmtp-recv", "zmtp-send"):
            for size, count in ((64, 2000), (100000, 30)):
                check("thr %s %s %d B x %d" % (t, impl, size, count),
                      lambda impl=impl, t=t, size=size, count=count: run_thr(bin_dir, impl, t, size, count, 60))
        if "raw" in impls:
            check("thr %s raw" % t, lambda t=t: run_thr(bin_dir, "raw", t, 64, 2000, 60))
        for impl in pick("zmtp", "libzmq", "capi", "zmtp-rep", "zmtp-req", "raw"):
            for size in (16, 5000):
                check("lat %s %s %d B" % (t, impl, size),
                      lambda impl=impl, t=t, size=size: run_lat(bin_dir, impl, t, size, 200, 60))
    for impl in pick("zmtp", "libzmq"):
        check("seed_bench %s" % impl, lambda impl=impl: run_seed(bin_dir, impl, 0.3, 0.1, 60))
    for pattern in PATTERNS:
        for t in TRANSPORTS:
            for impl in pick("zmtp", "libzmq", "capi", "zmtp-recv", "zmtp-send"):
                for size, count in ((64, 2000), (100000, 30)):
                    check("%s %s %s %d B x %d" % (pattern, t, impl, size, count),
                          lambda impl=impl, t=t, size=size, count=count, pattern=pattern:
                          run_thr(bin_dir, impl, t, size, count, 60, pattern))
    for mode in MULTI_MODES:
        for impl in pick("zmtp", "libzmq", "capi"):
            check("multi_thr %s %s" % (mode, impl),
                  lambda impl=impl, mode=mode: run_multi(bin_dir, impl, mode, 64, 2000, 60))
    # --curve for every program that takes it; the mixed pairs have each side's CURVE talk
    # to the other library's. capi has no CURVE options yet: its handshakes are NULL only.
    for impl in pick("zmtp", "libzmq", "zmtp-recv", "zmtp-send"):
        check("curve thr tcp %s" % impl, lambda impl=impl: run_thr(bin_dir, impl, "tcp", 64, 2000, 60, curve=True))
    for impl in pick("zmtp", "libzmq", "zmtp-rep", "zmtp-req"):
        check("curve lat tcp %s" % impl, lambda impl=impl: run_lat(bin_dir, impl, "tcp", 16, 200, 60, curve=True))
    for impl in pick("zmtp", "libzmq", "capi"):
        for mechanism in HS_MECHANISMS if impl != "capi" else ["null"]:
            check("handshakes %s tcp %s" % (mechanism, impl),
                  lambda impl=impl, mechanism=mechanism:
                  run_hs(bin_dir, impl, "tcp", HS_SIZE, 50, 60, curve=mechanism == "curve"))
    print("bench_smoke: %d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


# --- main ------------------------------------------------------------------------------

def _int_keys(obj):
    """JSON turned the size keys into strings: turn them back."""
    if isinstance(obj, dict):
        return {(int(k) if isinstance(k, str) and k.isdigit() else k): _int_keys(v) for k, v in obj.items()}
    return obj


def rewrite(args, bin_dir):
    with open(args.from_results) as f:
        results = _int_keys(json.load(f))
    out = os.path.abspath(args.out) if args.out else os.path.join(os.path.dirname(os.path.abspath(args.from_results)),
                                                                   "BENCHMARKS.md")
    write_report(results, out, args)
    log("run.py: rewrote %s from %s" % (out, args.from_results))
    return 0


def write_report(results, out, args):
    """Writes the report (and plots) of `results` to `out`, with the settings they were
    measured with: a full run's, or a CURVE-only run's. Returns the plots written."""
    plots = []
    if "thr" not in results:
        text = curve_report(results, results["machine"])
    else:
        st = results["settings"]
        args.repeats, args.lat_repeats, args.target = st["repeats"], st["lat_repeats"], st["target"]
        plots = write_plots(results, os.path.dirname(out), st["sizes"])
        text = report(results, results["machine"], args, st["sizes"], plots, results["elapsed"])
    with open(out, "w") as f:
        f.write(text)
    return plots


def default_bin_dir():
    for d in ("build/bin", "build-bench/bin"):
        path = os.path.join(REPO, d)
        if os.path.exists(os.path.join(path, "local_thr")) and os.path.exists(os.path.join(path, "seed_bench")):
            return path
    return os.path.join(REPO, "build/bin")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin-dir", default=None, help="where the bench programs are (default: build/bin)")
    ap.add_argument("--quick", action="store_true", help="under a minute: 3 sizes, 1 repeat, 0.5 s runs")
    ap.add_argument("--repeats", type=int, default=None, help="runs per point (default 5; 1 with --quick)")
    ap.add_argument("--target", type=float, default=None, help="seconds per run (default 1.0; 0.5 with --quick)")
    ap.add_argument("--out", default=None,
                    help="report file (default docs/BENCHMARKS.md; with --quick, <bin-dir>/../bench-quick/BENCHMARKS.md)")
    ap.add_argument("--smoke", action="store_true", help="only check that every pair works (tiny counts)")
    ap.add_argument("--curve-only", action="store_true",
                    help="measure only the CURVE section (about 2 minutes; with --quick under a minute) and put it in "
                         "the report of the earlier full run beside --out, or alone in --out if there is none")
    ap.add_argument("--impls", default=None,
                    help="comma-separated implementations to measure, of %s (default: all but capi, and capi "
                         "when its programs are built)" % ",".join(IMPLS))
    ap.add_argument("--from-results", metavar="JSON",
                    help="measure nothing: rewrite the report and plots from a bench-results.json of an earlier run")
    args = ap.parse_args()
    bin_dir = os.path.abspath(args.bin_dir or default_bin_dir())

    def built(name):
        return os.access(os.path.join(bin_dir, name), os.X_OK)

    if args.impls:
        impls = [i.strip() for i in args.impls.split(",") if i.strip()]
        unknown = [i for i in impls if i not in IMPLS]
        if unknown or not impls:
            log("run.py: --impls takes some of %s, not %s" % (",".join(IMPLS), args.impls))
            return 2
    else:
        impls = ["zmtp", "libzmq", "raw"]
        if all(built(name) for name in IMPL_PROGRAMS["capi"]):
            impls.append("capi")
        else:
            log("run.py: no capi_libzmq_* programs in %s (they need -DZMTP_BUILD_CAPI=ON): "
                "zmtp through the C API is not measured" % bin_dir)
    impls = [i for i in IMPLS if i in impls]  # in the report's order
    needed = CURVE_PROGRAMS if args.curve_only else sorted({p for i in impls for p in IMPL_PROGRAMS[i]})
    for name in needed:
        if not built(name):
            log("run.py: %s not found in %s (build with -DZMTP_BUILD_BENCH=ON, or pass --bin-dir)" % (name, bin_dir))
            return 2
    if args.smoke:
        return smoke(bin_dir, impls)
    if args.from_results:
        return rewrite(args, bin_dir)

    quick = args.quick
    args.repeats = args.repeats or (1 if quick else 5)
    args.target = args.target or (0.5 if quick else 1.0)
    # Latency runs are short and noisier: more of them in a full run.
    args.lat_repeats = args.repeats if quick else max(args.repeats, 5)
    sizes = QUICK_SIZES if quick else FULL_SIZES
    seed_duration = 1.0 if quick else 2.0
    if args.out:
        out = os.path.abspath(args.out)
    elif quick:
        out = os.path.join(os.path.dirname(bin_dir), "bench-quick", "BENCHMARKS.md")
    else:
        out = os.path.join(REPO, "docs", "BENCHMARKS.md")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    if args.curve_only:
        return run_curve_only(args, bin_dir, out)

    start = time.monotonic()
    info = machine(bin_dir)  # now: the commit is the one the binaries were built from, as far as git can tell
    bench = Bench(bin_dir, args.repeats, args.target, impls)
    cmd = "/usr/bin/python3 bench/run.py" + "".join(" " + a for a in sys.argv[1:])
    results = {"date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"), "command": cmd,
               "load_before": loadavg(), "impls": impls,
               "seed_duration": seed_duration, "thr": {}, "lat": {}, "seed": {}}

    def capi_log(p, key="msg_per_s"):
        """The capi part of a progress line, with its ratio to libzmq's."""
        if "capi" not in impls:
            return ""
        value = "%7s us" % fx(p["capi"][key], 1) if key == "avg_us" else "%12s" % fnum(p["capi"][key])
        return "  capi %s (%s)" % (value, fratio(p["capi"][key], p["libzmq"][key]))

    for t in TRANSPORTS:
        results["thr"][t] = {}
        for size in sizes:
            runs = bench.point("thr", ["zmtp", "libzmq", "raw", "capi"], t, size)
            results["thr"][t][size] = {impl: summarize_thr(r) for impl, r in runs.items()}
            p = results["thr"][t][size]
            log("thr %s %8s  zmtp %12s  libzmq %12s  (%sx)%s  zmtp %9s MB/s  raw %9s MB/s   [%.0f s]" % (
                t, fmt_size(size), fnum(p["zmtp"]["msg_per_s"]), fnum(p["libzmq"]["msg_per_s"]),
                fx(ratio(p["zmtp"]["msg_per_s"], p["libzmq"]["msg_per_s"])), capi_log(p),
                fnum(p["zmtp"]["mbyte_per_s"]), fnum(p["raw"]["mbyte_per_s"]), time.monotonic() - start))

    # The other patterns and multi_thr: a failing program (a zmtp without these socket types
    # yet) is reported and its cells read n/a (Bench.point's tolerate).
    pattern_sizes = QUICK_PATTERN_SIZES if quick else PATTERN_SIZES
    results["patterns"] = {}
    for pattern in PATTERNS:
        results["patterns"][pattern] = {}
        for t in TRANSPORTS:
            results["patterns"][pattern][t] = {}
            for size in pattern_sizes:
                runs = bench.point(pattern, ["zmtp", "libzmq", "capi"], t, size, tolerate=True)
                p = results["patterns"][pattern][t][size] = {impl: summarize_thr(r) for impl, r in runs.items()}
                log("%-4s %s %8s  zmtp %12s  libzmq %12s  (%s)%s   [%.0f s]" % (
                    pattern, t, fmt_size(size), fnum(p["zmtp"]["msg_per_s"]), fnum(p["libzmq"]["msg_per_s"]),
                    fratio(p["zmtp"]["msg_per_s"], p["libzmq"]["msg_per_s"]), capi_log(p), time.monotonic() - start))
    results["multi"] = {}
    for mode in MULTI_MODES:
        results["multi"][mode] = {}
        for size in (QUICK_MULTI_SIZES if quick else MULTI_SIZES):
            runs = bench.point(mode, ["zmtp", "libzmq", "capi"], "tcp", size, tolerate=True)
            p = results["multi"][mode][size] = {impl: summarize_multi(r) for impl, r in runs.items()}
            log("%-6s tcp %8s  zmtp %12s  libzmq %12s  (%s)%s   [%.0f s]" % (
                mode, fmt_size(size), fnum(p["zmtp"]["msg_per_s"]), fnum(p["libzmq"]["msg_per_s"]),
                fratio(p["zmtp"]["msg_per_s"], p["libzmq"]["msg_per_s"]), capi_log(p), time.monotonic() - start))
    results["failures"] = bench.failures

    if not quick and "zmtp" in impls and "libzmq" in impls:
        results["mixed"] = {}
        for size in MIXED_SIZES:
            runs = bench.point("thr", ["zmtp-recv", "zmtp-send"], "tcp", size)
            results["mixed"][size] = {impl: summarize_thr(r) for impl, r in runs.items()}
            log("mixed tcp %8s  libzmq->zmtp %12s  zmtp->libzmq %12s   [%.0f s]" % (
                fmt_size(size), fnum(results["mixed"][size]["zmtp-recv"]["msg_per_s"]),
                fnum(results["mixed"][size]["zmtp-send"]["msg_per_s"]), time.monotonic() - start))

    for t in TRANSPORTS:
        results["lat"][t] = {}
        for size in LAT_SIZES:
            runs = bench.point("lat", ["zmtp", "libzmq", "raw", "capi"], t, size, args.lat_repeats)
            results["lat"][t][size] = {impl: summarize_lat(r) for impl, r in runs.items()}
            p = results["lat"][t][size]
            log("lat %s %8s  zmtp %7s us  libzmq %7s us  raw %7s us%s   [%.0f s]" % (
                t, fmt_size(size), fx(p["zmtp"]["avg_us"], 1), fx(p["libzmq"]["avg_us"], 1),
                fx(p["raw"]["avg_us"], 1), capi_log(p, "avg_us"), time.monotonic() - start))

    if not quick and "zmtp" in impls and "libzmq" in impls:
        results["mixed_lat"] = {}
        for size in LAT_SIZES:
            runs = bench.point("lat", ["zmtp-rep", "zmtp-req"], "tcp", size, args.lat_repeats)
            results["mixed_lat"][size] = {impl: summarize_lat(r) for impl, r in runs.items()}

    if "zmtp" in impls and "libzmq" in impls:  # the CURVE section compares these two
        results["curve"] = measure_curve(bench, info, args.repeats, args.lat_repeats, args.target, quick, start)

    seed_runs = {impl: [] for impl in ("zmtp", "libzmq") if impl in impls}
    for _ in range(args.repeats):
        for impl in seed_runs:
            seed_runs[impl].append(run_seed(bin_dir, impl, seed_duration))
    for impl, runs in seed_runs.items():
        results["seed"][impl] = {
            "req_per_s": median([r["req_per_s"] for r in runs]),
            "runs": [r["req_per_s"] for r in runs],
            # CPU of the whole process (warm-up and shutdown included) per measured request
            "cpu_per_M": median([r["cpu"] / max(r["requests"], 1) * 1e6 for r in runs]),
        }
    log("seed  zmtp %s req/s  libzmq %s req/s   [%.0f s]" % (
        fnum(results["seed"].get("zmtp", {}).get("req_per_s", NAN)),
        fnum(results["seed"].get("libzmq", {}).get("req_per_s", NAN)), time.monotonic() - start))

    results["load_after"] = loadavg()
    results["elapsed"] = time.monotonic() - start
    results["settings"] = {"repeats": args.repeats, "lat_repeats": args.lat_repeats, "target": args.target,
                           "sizes": sizes, "pattern_sizes": pattern_sizes}
    results["machine"] = info
    with open(os.path.join(os.path.dirname(out), "bench-results.json"), "w") as f:
        json.dump(results, f, indent=1)
    plots = write_report(results, out, args)
    log("run.py: wrote %s%s in %.0f s" % (out, (" and " + ", ".join(plots)) if plots else "",
                                         time.monotonic() - start))
    for name, r, ok, _ in evaluate_targets(results, sizes):
        log("%-70s %6sx  %s" % (name, fx(r, 3), "MET" if ok else "NOT MET"))
    if bench.failures:
        log("run.py: %d point(s) failed and read n/a (see \"Failed runs\" in %s)" % (len(bench.failures), out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
