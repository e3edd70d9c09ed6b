#!/usr/bin/python3
"""Black-box measurements of libzmq (through pyzmq) under hostile-but-valid ZMTP input.

This is a by-hand measurement tool, not a test: it prints numbers and observations
for a human to read. It never looks at libzmq's code; it only talks ZMTP 3.1 to a
libzmq socket and watches the server process from the outside (/proc/PID/status,
/proc/net/tcp, TCP_INFO).

Experiment 1 -- memory a libzmq ROUTER keeps per byte of hostile input.
  For each input class a fresh server process (this script re-run with --server)
  creates a zmq.ROUTER with default options, binds tcp://127.0.0.1:* and (unless the
  class says so) never reads. The attacker is a raw TCP socket in this process that
  speaks ZMTP 3.1 / NULL by hand (64-byte greeting, READY with Socket-Type=DEALER and
  an empty Identity), then streams the class's input with non-blocking sends until the
  target byte count is reached or the kernel takes nothing for 2 s (or a time cap).
  Reported: bytes accepted by send(), bytes libzmq actually pulled off the socket
  (sent minus our send queue minus the server's receive queue), VmRSS/VmSize growth
  of the server, the ratio growth/sent, whether libzmq dropped the connection, and
  VmRSS again 2 s after the attacker closed.
    a   PING flood (25-byte PING commands with 16-byte context), attacker never reads,
        so PONGs pile up at the server. Afterwards the attacker drains and counts PONGs.
    b1  messages of 999 empty MORE frames + 1 empty final frame (2000 bytes/message),
        server never reads.
    b2  same, server reads (recv_multipart) and discards; time-capped.
    c   1000 connections, each greeting + a ~60 KB READY made of tiny empty properties,
        then silent. Variants: c-cycle (1-byte names cycling over [a-zA-Z0-9]),
        c-dup (the name 'x' repeated), c-distinct (distinct 3-byte names).
        A separate in-process check tells whether each READY variant is accepted and a
        following message delivered, and which value zmq_msg_gets returns for a
        duplicated name.
        c-control is the same 1000 connections with the plain 43-byte READY (baseline cost
        of a connection). Further READY checks: duplicate Socket-Type, duplicate Identity.
    d   50 connections, each sends a long frame header announcing 1 GiB, then 100 bytes
        of body, then silence. d2: one connection each announcing 16 GiB, 1 TiB, 2^63-1,
        2^64-1 (does the allocation happen, is the peer dropped, does the server survive).
    q   side observation: which ways of coalescing greeting/READY/first frame into one TCP
        write libzmq 4.3.4 accepts (it fails the handshake if a whole frame after READY
        arrives in the same read as the end of the greeting, so every sender here pauses
        between the greeting+READY write and the first frame).
  After each class the server is told (SIGUSR1) to read whatever is still queued; RSS is
  reported after that and after malloc_trim(0), to tell held queues from allocator caching.

Experiment 2 -- ROUTER_HANDOVER=1 and messages still queued from the old peer.
  Peer A (routing id 'X') sends a1..a3, unread; peer B (routing id 'X') connects and
  sends b1; the ROUTER then reads everything (routing-id frames printed in hex) and
  sends [b'X', b'reply']; we check who gets it, then A sends a4 and B b2 to see whether
  the old connection still delivers. Variants: (1) zmq DEALER A, no ROUTER API call
  before B; (1e) same but the ROUTER calls getsockopt(EVENTS) once before B connects;
  (2) zmq DEALER A, server reads one message before B; (3)/(3e) as 1/1e with a raw-socket
  A that stays connected (and reads whatever it is sent). Monitors show disconnects.

Run:  /usr/bin/python3 scripts/libzmq_amplification.py            (everything, ~2.5 min)
      /usr/bin/python3 scripts/libzmq_amplification.py exp1 a b1   (selected of a b1 b2 c d q)
      /usr/bin/python3 scripts/libzmq_amplification.py exp2
Needs python3-zmq (pyzmq against libzmq). Linux only (/proc, TCP_INFO).
"""

import os
import select
import socket
import struct
import subprocess
import sys
import time

import zmq

MB = 1 << 20
TARGET = 50 * MB
STALL_S = 2.0
SETTLE_S = 1.0

# --------------------------------------------------------------------------- ZMTP bytes


def greeting():
    mech = b"NULL" + b"\x00" * 16
    g = b"\xff" + b"\x00" * 8 + b"\x7f" + b"\x03\x01" + mech + b"\x00" + b"\x00" * 31
    assert len(g) == 64
    return g


def prop(name, value=b""):
    return bytes([len(name)]) + name + struct.pack(">I", len(value)) + value


def command(body):
    if len(body) <= 255:
        return b"\x04" + bytes([len(body)]) + body
    return b"\x06" + struct.pack(">Q", len(body)) + body


def ready(extra=b"", identity=b""):
    return command(b"\x05READY" + prop(b"Socket-Type", b"DEALER") + prop(b"Identity", identity) + extra)


def frame(body, more=False):
    flags = 0x01 if more else 0x00
    if len(body) <= 255:
        return bytes([flags, len(body)]) + body
    return bytes([flags | 0x02]) + struct.pack(">Q", len(body)) + body


PING = command(b"\x04PING" + b"\x00\x00" + bytes(range(16)))
assert PING[:2] == b"\x04\x17" and len(PING) == 25
EMPTY_FRAMES_MSG = b"\x01\x00" * 999 + b"\x00\x00"
assert len(EMPTY_FRAMES_MSG) == 2000

ALNUM = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def meta_cycle(total=60000):
    n = total // 6
    return b"".join(prop(ALNUM[i % len(ALNUM):i % len(ALNUM) + 1]) for i in range(n))


def meta_dup(total=60000):
    return prop(b"x") * (total // 6)


def meta_distinct(total=60000):
    n = total // 8
    out = []
    for i in range(n):
        a, r = divmod(i, len(ALNUM) * len(ALNUM))
        b, c = divmod(r, len(ALNUM))
        out.append(prop(bytes([ALNUM[a], ALNUM[b], ALNUM[c]])))
    return b"".join(out)


# --------------------------------------------------------------------------- observation


def proc_mem(pid):
    d = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmSize"):
                d[k] = int(v.split()[0]) * 1024
    return d


TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
              6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING"}


def tcp_state(sock):
    """State of our end: CLOSE_WAIT means the server sent FIN, CLOSE means reset."""
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    except OSError:
        return "ERR"
    return TCP_STATES.get(info[0], str(info[0]))


def outq(sock):
    buf = bytearray(4)
    import fcntl
    import termios
    fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, buf)
    return struct.unpack("i", buf)[0]


def server_rxq(server_port, client_port):
    """rx_queue of the server-side socket of one connection, from /proc/net/tcp."""
    want_l = "0100007F:%04X" % server_port
    want_r = "0100007F:%04X" % client_port
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            p = line.split()
            if p[1] == want_l and p[2] == want_r:
                return int(p[4].split(":")[1], 16)
    return 0


def fmt_b(n):
    sign = "-" if n < 0 else ""
    n = abs(n)
    if n >= MB:
        return f"{sign}{n / MB:.1f}M"
    if n >= 1024:
        return f"{sign}{n / 1024:.1f}K"
    return f"{sign}{n}"


# --------------------------------------------------------------------------- server process


def server_main(mode):
    """Server process. On SIGUSR1 it reads and discards everything queued (until 500 ms of
    nothing), prints 'drained <msgs> <frames>', then on a 'trim' line from stdin calls
    malloc_trim(0) and prints 'trimmed' -- to tell held queues from allocator caching."""
    import ctypes
    import signal
    flag = []
    signal.signal(signal.SIGUSR1, lambda *_: flag.append(1))
    ctx = zmq.Context()
    s = ctx.socket(zmq.ROUTER)
    s.bind("tcp://127.0.0.1:*")
    ep = s.getsockopt(zmq.LAST_ENDPOINT).decode()
    print(ep.rsplit(":", 1)[1], flush=True)
    if mode == "idle":
        while not flag:  # no libzmq API call at all while idle
            time.sleep(0.05)
    else:
        s.setsockopt(zmq.RCVTIMEO, 200)
        while not flag:
            try:
                s.recv_multipart()
            except zmq.Again:
                pass
    s.setsockopt(zmq.RCVTIMEO, 500)
    msgs = frames = 0
    while True:
        try:
            frames += len(s.recv_multipart(copy=False))
            msgs += 1
        except zmq.Again:
            break
    print(f"drained {msgs} {frames}", flush=True)
    sys.stdin.readline()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    print("trimmed", flush=True)
    sys.stdin.read()


class Server:
    def __init__(self, mode="idle"):
        self.p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--server", mode],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.port = int(self.p.stdout.readline())
        time.sleep(0.3)

    def mem(self):
        return proc_mem(self.p.pid)

    def drain_and_trim(self, m0):
        """Returns a note: what the server could still read, RSS after that, after malloc_trim."""
        import signal
        self.p.send_signal(signal.SIGUSR1)
        _, msgs, frames = self.p.stdout.readline().decode().split()
        time.sleep(0.3)
        r1 = self.mem()["VmRSS"] - m0["VmRSS"]
        self.p.stdin.write(b"trim\n")
        self.p.stdin.flush()
        self.p.stdout.readline()
        time.sleep(0.3)
        r2 = self.mem()["VmRSS"] - m0["VmRSS"]
        note = f"server then read {msgs} msgs/{frames} frames: RSS +{fmt_b(r1)}, after malloc_trim +{fmt_b(r2)}"
        print("  " + note, flush=True)
        return note

    def stop(self):
        self.p.terminate()
        self.p.wait()


def attacker(port, ready_bytes=None):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(greeting() + (ready() if ready_bytes is None else ready_bytes))
    return s


def flood(sock, unit, target, stall=STALL_S, tmax=60.0):
    """Stream `unit` repeatedly with non-blocking sends; keeps unit alignment on partial sends."""
    chunk = unit * max(1, 65536 // len(unit))
    L = len(chunk)
    target -= target % len(unit)
    sock.setblocking(False)
    mv = memoryview(chunk)
    sent, err = 0, None
    t0 = last = time.monotonic()
    why = "target"
    while sent < target:
        o = sent % L
        try:
            n = sock.send(mv[o:min(L, o + target - sent)])
        except BlockingIOError:
            n = 0
        except OSError as e:
            err, why = e, f"send error {e.errno}"
            break
        now = time.monotonic()
        if n:
            sent += n
            last = now
        else:
            if now - last > stall:
                why = "stalled"
                break
            select.select([], [sock], [], 0.1)
        if now - t0 > tmax:
            why = "time cap"
            break
    return sent, why, time.monotonic() - t0


ROWS = []


def row(cls, sent, consumed, m0, m1, m2, note, per=1):
    g = m1["VmRSS"] - m0["VmRSS"]
    gv = m1["VmSize"] - m0["VmSize"]
    ratio = g / sent if sent else float("nan")
    ROWS.append((cls, fmt_b(sent // per), "n/a" if consumed is None else fmt_b(consumed // per), fmt_b(g // per), f"{ratio:.1f}",
                 fmt_b(gv // per), fmt_b(m2["VmRSS"] - m0["VmRSS"]), note))
    print(f"  -> {ROWS[-1]}", flush=True)


def single_flood_class(name, unit, mode, tmax, drain_pongs=False):
    print(f"[exp1 {name}] server mode={mode}", flush=True)
    srv = Server(mode)
    m0 = srv.mem()
    print(f"  baseline VmRSS {fmt_b(m0['VmRSS'])} VmSize {fmt_b(m0['VmSize'])}", flush=True)
    s = attacker(srv.port)
    time.sleep(0.2)
    sent, why, dt = flood(s, unit, TARGET, tmax=tmax)
    time.sleep(SETTLE_S)
    m1 = srv.mem()
    cport = s.getsockname()[1]
    consumed = sent - outq(s) - server_rxq(srv.port, cport)
    st = tcp_state(s)
    print(f"  sent {sent} B in {dt:.1f}s ({why}); libzmq consumed {consumed}; our state {st}", flush=True)
    note = f"{why}; conn {st}"
    if drain_pongs:
        s.setblocking(True)
        s.settimeout(2.0)
        got = 0
        t0 = time.monotonic()
        try:
            while time.monotonic() - t0 < 20:
                d = s.recv(1 << 20)
                if not d:
                    break
                got += len(d)
        except socket.timeout:
            pass
        # subtract greeting (64) + server READY (variable, small)
        pongs = (got - 64) // 25
        md = srv.mem()
        print(f"  drained {got} B from server (~{pongs} PONGs of 25 B, for {consumed // 25} PINGs "
              f"consumed); RSS after drain {fmt_b(md['VmRSS'] - m0['VmRSS'])} over baseline", flush=True)
        note += f"; drain: ~{pongs} PONGs for {consumed // 25} PINGs, RSS after drain +{fmt_b(md['VmRSS'] - m0['VmRSS'])}"
    s.close()
    time.sleep(2.0)
    m2 = srv.mem()
    note += "; " + srv.drain_and_trim(m0)
    row(name, sent, consumed, m0, m1, m2, note)
    srv.stop()


def many_conn_class(name, ready_bytes, n, after=b""):
    print(f"[exp1 {name}] {n} connections, READY {len(ready_bytes)} B, then {len(after)} B", flush=True)
    srv = Server("idle")
    m0 = srv.mem()
    print(f"  baseline VmRSS {fmt_b(m0['VmRSS'])} VmSize {fmt_b(m0['VmSize'])}", flush=True)
    socks = []
    per = 64 + len(ready_bytes) + len(after)
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.sendall(greeting() + ready_bytes)
        socks.append(s)
    if after:
        # Separate write: libzmq 4.3.4 fails the handshake if a whole frame arrives in
        # the same read as the end of the greeting (see coalescing_check).
        time.sleep(0.3)
        for s in socks:
            s.sendall(after)
    time.sleep(SETTLE_S + 1.0)
    m1 = srv.mem()
    states = {}
    for s in socks:
        st = tcp_state(s)
        states[st] = states.get(st, 0) + 1
    # Did the server answer (its greeting + READY) on the first connection?
    s0 = socks[0]
    s0.settimeout(0.5)
    try:
        hello = s0.recv(4096)
    except socket.timeout:
        hello = b""
    srvready = b"READY" in hello
    print(f"  states {states}; server READY seen on conn 0: {srvready}", flush=True)
    for s in socks:
        s.close()
    time.sleep(2.0)
    m2 = srv.mem()
    note = (f"{n} conns, {states}; per-conn numbers; after close VmSize "
            f"+{fmt_b(m2['VmSize'] - m0['VmSize'])} total")
    ROWS_note = note
    g = m1["VmRSS"] - m0["VmRSS"]
    print(f"  RSS +{fmt_b(g)} total, +{fmt_b(g // n)}/conn for {per} B/conn; "
          f"VmSize +{fmt_b(m1['VmSize'] - m0['VmSize'])}", flush=True)
    ROWS_note += "; " + srv.drain_and_trim(m0)
    row(name, per * n, None, m0, m1, m2, ROWS_note, per=n)
    srv.stop()


def huge_frame_check():
    """One connection each announcing 16 GiB (below RAM+swap here?), 1 TiB and 2^63-1 / 2^64-1:
    does VmSize grow, is the connection dropped, does the server survive?"""
    print(f"[exp1 d2] single connection, long-frame header of a given size + 100 B "
          f"(MemTotal {open('/proc/meminfo').readline().split()[1]} kB, overcommit_memory="
          f"{open('/proc/sys/vm/overcommit_memory').read().strip()})", flush=True)
    for size in (1 << 34, 1 << 40, (1 << 63) - 1, (1 << 64) - 1):
        srv = Server("idle")
        m0 = srv.mem()
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.sendall(greeting() + ready())
        time.sleep(0.3)
        s.sendall(b"\x02" + struct.pack(">Q", size) + b"\xab" * 100)
        time.sleep(1.0)
        rc = srv.p.poll()
        if rc is None:
            m1 = srv.mem()
            res = (f"server alive, VmSize +{fmt_b(m1['VmSize'] - m0['VmSize'])}, "
                   f"VmRSS +{fmt_b(m1['VmRSS'] - m0['VmRSS'])}, conn {tcp_state(s)}")
        else:
            res = f"server exited rc={rc}, conn {tcp_state(s)}"
        print(f"  size {size:#x}: {res}", flush=True)
        ROWS_ACC.append((f"d2 long frame {size:#x}", res))
        s.close()
        srv.stop()


def ready_acceptance(label, ready_bytes, probe_names=()):
    """In-process: does a ROUTER accept this READY, deliver a following message, and what
    does zmq_msg_gets return for the given property names?"""
    ctx = zmq.Context.instance()
    r = ctx.socket(zmq.ROUTER)
    r.setsockopt(zmq.LINGER, 0)
    r.setsockopt(zmq.RCVTIMEO, 1000)
    r.bind("tcp://127.0.0.1:*")
    port = int(r.getsockopt(zmq.LAST_ENDPOINT).decode().rsplit(":", 1)[1])
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(greeting() + ready_bytes)
    time.sleep(0.2)  # see coalescing_check: no whole frame in the greeting's read
    s.sendall(frame(b"hello"))
    try:
        parts = r.recv_multipart(copy=False)
        props = {}
        for nm in probe_names:
            try:
                props[nm] = parts[-1].get(nm)
            except zmq.ZMQError as e:
                props[nm] = f"<{e.strerror}>"
        res = f"delivered {[bytes(p.bytes) for p in parts]!r}; gets {props}"
    except zmq.Again:
        res = "NOT delivered within 1 s"
    time.sleep(0.2)
    res += f"; conn {tcp_state(s)}"
    print(f"  [accept {label}] READY {len(ready_bytes)} B: {res}", flush=True)
    s.close()
    r.close()
    return res


def exp1(classes):
    print("=== Experiment 1: libzmq 4.3.4 ROUTER memory vs hostile input ===", flush=True)
    if "a" in classes:
        single_flood_class("a PING flood", PING, "idle", tmax=40, drain_pongs=True)
    if "b1" in classes:
        single_flood_class("b1 999 empty MORE frames, no read", EMPTY_FRAMES_MSG, "idle", tmax=40)
    if "b2" in classes:
        single_flood_class("b2 999 empty MORE frames, reader", EMPTY_FRAMES_MSG, "read", tmax=25)
    if "c" in classes:
        variants = [("c-cycle 1-byte names", meta_cycle()), ("c-dup 'x' repeated", meta_dup()),
                    ("c-distinct 3-byte names", meta_distinct())]
        many_conn_class("c-control plain READY", ready(), 1000)
        for label, meta in variants:
            many_conn_class(label, ready(meta), 1000)
        print("  acceptance checks (in-process ROUTER):", flush=True)
        acc = []
        for label, meta in variants:
            acc.append((label, ready_acceptance(label, ready(meta), ("x", "a", "Socket-Type"))))
        acc.append(("dup x=v1,x=v2", ready_acceptance("dup x=v1,x=v2", ready(prop(b"x", b"v1") + prop(b"x", b"v2")),
                                                      ("x",))))
        acc.append(("dup Socket-Type DEALER then PUB", ready_acceptance(
            "dup Socket-Type", command(b"\x05READY" + prop(b"Socket-Type", b"DEALER") + prop(b"Socket-Type", b"PUB")),
            ("Socket-Type",))))
        acc.append(("dup Socket-Type PUB then DEALER", ready_acceptance(
            "dup Socket-Type rev", command(b"\x05READY" + prop(b"Socket-Type", b"PUB") + prop(b"Socket-Type", b"DEALER")),
            ("Socket-Type",))))
        acc.append(("dup Socket-Type DEALER twice", ready_acceptance(
            "dup Socket-Type same", command(b"\x05READY" + prop(b"Socket-Type", b"DEALER") + prop(b"Socket-Type", b"DEALER")),
            ("Socket-Type",))))
        acc.append(("dup Identity A then B", ready_acceptance(
            "dup Identity", command(b"\x05READY" + prop(b"Socket-Type", b"DEALER") + prop(b"Identity", b"A")
                                    + prop(b"Identity", b"B")), ("Identity",))))
        ROWS_ACC.extend(acc)
    if "d" in classes:
        hdr = b"\x02" + struct.pack(">Q", 1 << 30) + b"\xab" * 100
        many_conn_class("d 1GiB header + 100 B", ready(), 50, after=hdr)
        huge_frame_check()
    if "q" in classes:
        coalescing_check()


ROWS_ACC = []

# --------------------------------------------------------------------------- experiment 2


def read_all(r):
    out = []
    while True:
        try:
            out.append(r.recv_multipart())
        except zmq.Again:
            return out


def show(msgs):
    return ", ".join(f"[{m[0].hex() or '(empty)'} | {b' | '.join(m[1:]).decode(errors='replace')}]"
                     for m in msgs) or "(nothing)"


def try_recv(sock, t=500):
    sock.setsockopt(zmq.RCVTIMEO, t)
    try:
        return sock.recv_multipart()
    except zmq.Again:
        return None


EVENT_NAMES = {getattr(zmq, n): n[6:] for n in dir(zmq) if n.startswith("EVENT_") and n != "EVENT_ALL"}


def monitor_events(mon):
    from zmq.utils.monitor import recv_monitor_message
    ev = []
    mon.setsockopt(zmq.RCVTIMEO, 0)
    while True:
        try:
            m = recv_monitor_message(mon)
        except zmq.Again:
            return ev
        ev.append(EVENT_NAMES.get(m["event"], str(m["event"])))


def raw_read(s, t=0.7):
    """Everything a raw ZMTP peer can read within t seconds, parsed into frames after the
    64-byte greeting. Returns (frames, eof)."""
    s.settimeout(t)
    buf, eof = b"", False
    t0 = time.monotonic()
    while time.monotonic() - t0 < t:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        except OSError:
            eof = True
            break
        if not d:
            eof = True
            break
        buf += d
    pos, frames = 64, []
    while pos + 2 <= len(buf):
        flags = buf[pos]
        if flags & 0x02:
            size = struct.unpack(">Q", buf[pos + 1:pos + 9])[0]
            pos += 9
        else:
            size = buf[pos + 1]
            pos += 2
        frames.append(("cmd " if flags & 0x04 else "msg ") + repr(buf[pos:pos + min(size, 40)]))
        pos += size
    return frames, eof


EXP2_VARIANTS = {
    "1": "zmq DEALER A; server makes no API call between A's sends and B's connect",
    "1e": "as 1, but server calls getsockopt(EVENTS) (no read) before B connects",
    "2": "zmq DEALER A; server reads one of A's messages before B connects",
    "3": "raw-socket A (stays connected); server makes no API call before B connects",
    "3e": "as 3, but server calls getsockopt(EVENTS) (no read) before B connects",
}


def exp2_variant(variant):
    ctx = zmq.Context()
    r = ctx.socket(zmq.ROUTER)
    r.setsockopt(zmq.ROUTER_HANDOVER, 1)
    r.setsockopt(zmq.LINGER, 0)
    r.setsockopt(zmq.RCVTIMEO, 1000)
    rmon = r.get_monitor_socket()
    r.bind("tcp://127.0.0.1:*")
    ep = r.getsockopt(zmq.LAST_ENDPOINT).decode()
    port = int(ep.rsplit(":", 1)[1])
    print(f"--- exp2 variant {variant}: {EXP2_VARIANTS[variant]} ---", flush=True)
    a = raw = amon = None
    if variant.startswith(("1", "2")):
        a = ctx.socket(zmq.DEALER)
        a.setsockopt(zmq.ROUTING_ID, b"X")
        a.setsockopt(zmq.LINGER, 0)
        amon = a.get_monitor_socket()
        a.connect(ep)
        for x in (b"a1", b"a2", b"a3"):
            a.send_multipart([x])
    else:
        raw = socket.create_connection(("127.0.0.1", port))
        raw.sendall(greeting() + ready(identity=b"X"))
        time.sleep(0.1)  # see coalescing_check: no whole frame in the greeting's read
        raw.sendall(frame(b"a1") + frame(b"a2") + frame(b"a3"))
    time.sleep(0.5)
    if variant.endswith("e"):
        print(f"  getsockopt(EVENTS) before B: {r.getsockopt(zmq.EVENTS)} (1=POLLIN)", flush=True)
    if variant == "2":
        print(f"  server read before B connects: {show([r.recv_multipart()])}", flush=True)
    b = ctx.socket(zmq.DEALER)
    b.setsockopt(zmq.ROUTING_ID, b"X")
    b.setsockopt(zmq.LINGER, 0)
    b.connect(ep)
    b.send_multipart([b"b1"])
    time.sleep(0.5)
    print(f"  server reads after B: {show(read_all(r))}", flush=True)
    r.send_multipart([b"X", b"reply"])
    got_b = try_recv(b)
    if a is not None:
        print(f"  reply [X, reply]: B got {got_b!r}; A got {try_recv(a)!r}", flush=True)
    else:
        frames, eof = raw_read(raw)
        print(f"  reply [X, reply]: B got {got_b!r}; raw A read after greeting: {frames}; "
              f"EOF={eof}; A tcp state {tcp_state(raw)}", flush=True)
    # Second round: does the old connection still deliver, and under which id?
    if a is not None:
        a.send_multipart([b"a4"])
    else:
        try:
            raw.sendall(frame(b"a4"))
        except OSError as e:
            print(f"  raw A send a4 failed: {e}", flush=True)
    b.send_multipart([b"b2"])
    time.sleep(0.5)
    print(f"  then A sends a4, B sends b2; server reads: {show(read_all(r))}", flush=True)
    print(f"  server monitor: {monitor_events(rmon)}", flush=True)
    if amon is not None:
        print(f"  A monitor: {monitor_events(amon)}", flush=True)
    else:
        print(f"  raw A tcp state at end: {tcp_state(raw)}", flush=True)
    for sck in (a, b, amon, rmon, r):
        if sck is not None:
            sck.close(linger=0)
    if raw is not None:
        raw.close()
    ctx.term()


def exp2():
    print("=== Experiment 2: ROUTER_HANDOVER=1 with unread messages from the old peer ===", flush=True)
    for v in EXP2_VARIANTS:
        exp2_variant(v)


def coalescing_check():
    """Side observation: libzmq 4.3.4 as server fails the handshake (HANDSHAKE_FAILED_PROTOCOL)
    when a complete frame after READY arrives in the same read as the end of the greeting."""
    print("[handshake write coalescing] (g=greeting, R=READY, F=message frame, P=PING; '|' = 0.2 s pause)",
          flush=True)
    g, R, F = greeting(), ready(), frame(b"hi")
    cases = [("g | R | F", [g, R, F]), ("g+R | F", [g + R, F]), ("g | R+F", [g, R + F]),
             ("g+R+F", [g + R + F]), ("g[:12] | g[12:]+R+F", [g[:12], g[12:] + R + F]),
             ("g+R+F[:1] | F[1:]", [g + R + F[:1], F[1:]]), ("g+R+P | F", [g + R + PING, F])]
    for label, parts in cases:
        ctx = zmq.Context()
        r = ctx.socket(zmq.ROUTER)
        r.setsockopt(zmq.RCVTIMEO, 800)
        r.bind("tcp://127.0.0.1:*")
        port = int(r.getsockopt(zmq.LAST_ENDPOINT).decode().rsplit(":", 1)[1])
        s = socket.create_connection(("127.0.0.1", port))
        for p in parts:
            s.sendall(p)
            time.sleep(0.2)
        m = try_recv(r, 800)
        print(f"  {label:22s} delivered={m is not None}  conn={tcp_state(s)}", flush=True)
        ROWS_ACC.append((f"coalescing {label}", f"delivered={m is not None} conn={tcp_state(s)}"))
        s.close()
        r.close(linger=0)
        ctx.term()


# --------------------------------------------------------------------------- main


def main():
    args = sys.argv[1:]
    if args[:1] == ["--server"]:
        server_main(args[1])
        return
    t0 = time.monotonic()
    print(f"libzmq {zmq.zmq_version()}, pyzmq {zmq.__version__}", flush=True)
    run1 = not args or args[0] == "exp1"
    run2 = not args or args[0] == "exp2"
    if run1:
        exp1(args[1:] if args[1:] else ["a", "b1", "b2", "c", "d", "q"])
    if run2:
        exp2()
    if ROWS:
        print("\n=== Experiment 1 summary (per connection for c/d) ===")
        hdr = ("class", "sent", "consumed", "RSS+", "RSS+/sent", "VmSize+", "RSS+ 2s after close", "notes")
        w = [max(len(str(x[i])) for x in ROWS + [hdr]) for i in range(7)]
        print("  ".join(str(h).ljust(w[i]) for i, h in enumerate(hdr[:7])) + "  " + hdr[7])
        for rr in ROWS:
            print("  ".join(str(c).ljust(w[i]) for i, c in enumerate(rr[:7])) + "  " + rr[7])
    if ROWS_ACC:
        print("\nREADY acceptance:")
        for label, res in ROWS_ACC:
            print(f"  {label}: {res}")
    print(f"\ntotal runtime {time.monotonic() - t0:.0f}s")


if __name__ == "__main__":
    main()
