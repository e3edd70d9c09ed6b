#!/usr/bin/python3
"""PLAIN and NULL+ZAP between zmtp and pyzmq, both directions: pyzmq's own
zmq.auth.thread.ThreadAuthenticator (configure_plain, allow/deny by IP) in front of pyzmq
servers that zmtp clients connect to, and pyzmq clients against a zmtp PLAIN or NULL server
whose ZAP handler is written with zmtp. The zmtp side is zmtp_security_peer
(interop/security_peer.cpp), one process per socket, which reports what happened one line at
a time. Every wait is bounded.

Usage: security_pyzmq.py PATH/TO/zmtp_security_peer CASE   (run with /usr/bin/python3)
The cases are listed in CASES at the bottom; ctest runs each as "pyzmq_security CASE"."""
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading

import zmq
from zmq.auth.thread import ThreadAuthenticator
from zmq.utils.monitor import recv_monitor_message

PEER = sys.argv[1]
TIMEOUT_MS = 5000
OUTCOMES = (zmq.EVENT_HANDSHAKE_SUCCEEDED, zmq.EVENT_HANDSHAKE_FAILED_AUTH,
            zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL, zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL)
WORK = tempfile.mkdtemp(prefix="zmtp-pyzmq-sec-")


def hx(*frames):
    """Frames as zmtp_security_peer prints them."""
    return " ".join("x" + f.hex() for f in frames)


def unhex(words):
    return [bytes.fromhex(w[1:]) for w in words]


def endpoint(transport, name="s"):
    return "tcp://127.0.0.1:*" if transport == "tcp" else "ipc://%s/%s.ipc" % (WORK, name)


def check(what, got, expected):
    assert got == expected, "%s: got %r, expected %r" % (what, got, expected)
    print("ok  %s: %r" % (what, got))


def run_client(ep, user, password):
    """Runs a zmtp client to completion; returns (its lines as a dict, its pid)."""
    p = subprocess.Popen([PEER, "client", ep, user, password], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, "zmtp client exited %d: %s %s" % (p.returncode, out, err)
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    print("zmtp client:", out.replace("\n", " | "))
    return lines, p.pid


class ServerPeer:
    """A zmtp server process; its lines are read on a thread into a queue."""

    def __init__(self, ep, mode, zap="zap"):
        self.proc = subprocess.Popen([PEER, "server", ep, mode, zap], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        first = self.next_line()
        assert first.startswith("endpoint "), first
        self.endpoint = first.split(" ", 1)[1]

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next_line(self, timeout=TIMEOUT_MS / 1000):
        line = self.lines.get(timeout=timeout)
        assert line is not None, "zmtp server exited"
        return line

    def finish(self):
        """Stops the server; returns the lines it printed since, up to "done"."""
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        out = []
        while True:
            line = self.next_line()
            if line == "done":
                break
            out.append(line)
        assert self.proc.wait(timeout=10) == 0
        print("zmtp server:", " | ".join(out))
        return out

    @staticmethod
    def by_kind(lines):
        """{"event": [...], "received": [...], "zap": [...]}: each line's words after the first."""
        kinds = {"event": [], "received": [], "zap": []}
        for line in lines:
            kind, rest = line.split(" ", 1)
            kinds[kind].append(rest)
        return kinds


def monitor_outcome(mon, timeout_ms=TIMEOUT_MS):
    """(event, value) of the first handshake outcome a pyzmq monitor socket reports."""
    while mon.poll(timeout_ms):
        e = recv_monitor_message(mon)
        if e["event"] in OUTCOMES:
            return int(e["event"]), int(e["value"])
    raise AssertionError("no handshake outcome from the pyzmq monitor")


def drain(mon, timeout_ms=0):
    events = []
    while mon.poll(timeout_ms):
        e = recv_monitor_message(mon)
        events.append((int(e["event"]), int(e["value"])))
    return events


def peer_address(transport, pid):
    """What libzmq reports as a peer's address: its IP, or for ipc its uid, gid and pid."""
    if transport == "tcp":
        return "127.0.0.1"
    return "localhost:%d:%d:%d" % (os.getuid(), os.getgid(), pid)


def plain_server(ctx, transport, allow=None, deny=None, plain=True, zap_domain=None):
    """A pyzmq ROUTER (PLAIN server, or NULL with a ZAP domain) behind a ThreadAuthenticator
    that knows admin/secret; returns (auth, router, monitor, endpoint)."""
    auth = ThreadAuthenticator(ctx)
    auth.start()
    if allow:
        auth.allow(*allow)
    if deny:
        auth.deny(*deny)
    auth.configure_plain(domain="*", passwords={"admin": "secret"})
    router = ctx.socket(zmq.ROUTER)
    router.linger = 0
    router.rcvtimeo = TIMEOUT_MS
    if plain:
        router.plain_server = True
    if zap_domain:
        router.zap_domain = zap_domain
    mon = router.get_monitor_socket()
    router.bind(endpoint(transport))
    return auth, router, mon, router.getsockopt(zmq.LAST_ENDPOINT).decode()


# --- zmtp clients -> pyzmq servers ---------------------------------------------------------

def case_plain_to_pyzmq(transport):
    """zmtp's PLAIN client, admin/secret, against a pyzmq PLAIN ROUTER and pyzmq's
    authenticator: delivered both ways; pyzmq reads User-Id (the user name) and Peer-Address."""
    ctx = zmq.Context()
    auth, router, mon, ep = plain_server(ctx, transport)
    result = {}

    def serve():
        frames = router.recv_multipart(copy=False)
        result["frames"] = [f.bytes for f in frames]
        result["user"] = frames[-1].get("User-Id")
        result["address"] = frames[-1].get("Peer-Address")
        router.send_multipart([frames[0].bytes, b"world"])
    server = threading.Thread(target=serve)
    server.start()
    lines, pid = run_client(ep, "admin", "secret")
    server.join(10)
    check("zmtp outcome", lines["outcome"], "HANDSHAKE_SUCCEEDED")
    check("zmtp got the reply", lines["reply"], hx(b"world"))
    check("zmtp handshakes (succeeded failed)", lines["handshakes"], "1 0")
    check("pyzmq got", result["frames"][1:], [b"hello"])
    check("pyzmq User-Id", result["user"], "admin")
    check("pyzmq Peer-Address", result["address"], peer_address(transport, pid))
    check("pyzmq monitor", monitor_outcome(mon), (zmq.EVENT_HANDSHAKE_SUCCEEDED, 0))
    auth.stop()
    ctx.destroy(linger=0)


def refused_by_pyzmq(ctx, transport, user, password, zmtp_outcome, zmtp_handshakes, **server):
    """A zmtp client refused by pyzmq's authenticator: pyzmq's monitor says
    HANDSHAKE_FAILED_AUTH 400, pyzmq receives nothing, zmtp reports `zmtp_outcome`."""
    auth, router, mon, ep = plain_server(ctx, transport, **server)
    lines, _ = run_client(ep, user, password)
    check("zmtp outcome", lines["outcome"], zmtp_outcome)
    check("zmtp reply", lines["reply"], "none")
    zmtp_handshakes(lines["handshakes"])
    check("pyzmq monitor", monitor_outcome(mon), (zmq.EVENT_HANDSHAKE_FAILED_AUTH, 400))
    check("pyzmq received", router.poll(200), 0)
    auth.stop()


def refused_once(handshakes):
    check("zmtp handshakes (succeeded failed)", handshakes, "0 1")


def case_plain_wrong_password_to_pyzmq(transport):
    ctx = zmq.Context()
    # libzmq's PLAIN server refuses in a malformed ERROR (04 09 5E "RROR" 03 "400"); zmtp's
    # client reads it as the refusal it means, and does not come back.
    refused_by_pyzmq(ctx, transport, "admin", "wrong",
                     "HANDSHAKE_FAILED_AUTH authentication_denied", refused_once)
    ctx.destroy(linger=0)


def case_ip_allow_deny(plain):
    """allow/deny by IP, in front of PLAIN (admin/secret) or of NULL clients of a ROUTER with
    a ZAP domain: only an allowed address gets in, and a refused zmtp client reports an
    authentication failure, once (libzmq's PLAIN server's malformed ERROR included)."""
    server = {"plain": True} if plain else {"plain": False, "zap_domain": b"global"}
    user, password = ("admin", "secret") if plain else ("-", "-")
    ctx = zmq.Context()
    auth, router, mon, ep = plain_server(ctx, "tcp", allow=["127.0.0.1"], **server)
    lines, _ = run_client(ep, user, password)
    check("allowed 127.0.0.1: zmtp outcome", lines["outcome"], "HANDSHAKE_SUCCEEDED")
    check("allowed 127.0.0.1: pyzmq got", router.recv_multipart()[1:], [b"hello"])
    auth.stop()
    ctx.destroy(linger=0)
    for rule in ({"deny": ["127.0.0.1"]}, {"allow": ["127.0.0.2"]}):
        print("--", rule)
        ctx = zmq.Context()
        refused_by_pyzmq(ctx, "tcp", user, password, "HANDSHAKE_FAILED_AUTH authentication_denied",
                         refused_once, **server, **rule)
        ctx.destroy(linger=0)


# --- pyzmq clients -> zmtp servers ---------------------------------------------------------

def pyzmq_client(ctx, ep, user=None, password=None):
    dealer = ctx.socket(zmq.DEALER)
    dealer.linger = 0
    dealer.rcvtimeo = TIMEOUT_MS
    if user is not None:
        dealer.plain_username = user
        dealer.plain_password = password
    mon = dealer.get_monitor_socket()
    dealer.connect(ep)
    return dealer, mon


def zap_request(words):
    """The frames of a zmtp server's "zap" line, without the ROUTER's routing id."""
    return unhex(words.split())[1:]


def zmtp_zap_address(transport):
    """zmtp's ZAP address frame for a client in this process: libzmq's form."""
    return peer_address(transport, os.getpid()).encode()


def case_plain_from_pyzmq(transport):
    """pyzmq's PLAIN client against zmtp's PLAIN ROUTER and zmtp's ZAP handler."""
    ctx = zmq.Context()
    server = ServerPeer(endpoint(transport), "plain")
    dealer, mon = pyzmq_client(ctx, server.endpoint, b"admin", b"secret")
    dealer.send(b"hello")
    check("pyzmq got", dealer.recv_multipart(), [b"echo", b"hello"])
    check("pyzmq monitor", monitor_outcome(mon), (zmq.EVENT_HANDSHAKE_SUCCEEDED, 0))
    lines = ServerPeer.by_kind(server.finish())
    check("zmtp server events", lines["event"], ["HANDSHAKE_SUCCEEDED"])
    check("zmtp received", [unhex(r.split())[1:] for r in lines["received"]], [[b"hello"]])
    check("zmtp ZAP requests", [zap_request(r) for r in lines["zap"]],
          [[b"", b"1.0", b"1", b"", zmtp_zap_address(transport), b"", b"PLAIN", b"admin", b"secret"]])
    ctx.destroy(linger=0)


def case_plain_wrong_password_from_pyzmq(transport):
    """A wrong password: zmtp refuses with ERROR "400"; libzmq's PLAIN client does not know a
    well-formed ERROR and reports HANDSHAKE_FAILED_PROTOCOL
    ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND (0x10000001), once: it does not retry."""
    ctx = zmq.Context()
    server = ServerPeer(endpoint(transport), "plain")
    dealer, mon = pyzmq_client(ctx, server.endpoint, b"admin", b"wrong")
    dealer.send(b"must not arrive")
    check("pyzmq monitor", monitor_outcome(mon),
          (zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL, zmq.PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND))
    check("zmtp server event", server.next_line(), "event HANDSHAKE_FAILED_AUTH authentication_denied")
    check("pyzmq reconnects", [e for e, _ in drain(mon, 500) if e == zmq.EVENT_CONNECTED], [])
    lines = ServerPeer.by_kind(server.finish())
    check("zmtp server events after", lines["event"], [])
    check("zmtp received", lines["received"], [])
    check("zmtp ZAP requests", [zap_request(r) for r in lines["zap"]],
          [[b"", b"1.0", b"1", b"", zmtp_zap_address(transport), b"", b"PLAIN", b"admin", b"wrong"]])
    ctx.destroy(linger=0)


def case_null_domain_from_pyzmq(transport):
    """pyzmq's NULL client against zmtp's NULL ROUTER with a zap_domain: "open" is admitted,
    "closed" refused with ERROR "400", which libzmq reports as HANDSHAKE_FAILED_AUTH 400."""
    ctx = zmq.Context()
    server = ServerPeer(endpoint("tcp"), "null-open")
    dealer, mon = pyzmq_client(ctx, server.endpoint)
    dealer.send(b"hello")
    check("open: pyzmq got", dealer.recv_multipart(), [b"echo", b"hello"])
    check("open: pyzmq monitor", monitor_outcome(mon), (zmq.EVENT_HANDSHAKE_SUCCEEDED, 0))
    lines = ServerPeer.by_kind(server.finish())
    check("open: zmtp ZAP requests", [zap_request(r) for r in lines["zap"]],
          [[b"", b"1.0", b"1", b"open", b"127.0.0.1", b"", b"NULL"]])
    server = ServerPeer(endpoint("tcp"), "null-closed")
    dealer, mon = pyzmq_client(ctx, server.endpoint)
    dealer.send(b"must not arrive")
    check("closed: pyzmq monitor", monitor_outcome(mon), (zmq.EVENT_HANDSHAKE_FAILED_AUTH, 400))
    check("closed: zmtp server event", server.next_line(),
          "event HANDSHAKE_FAILED_AUTH authentication_denied")
    lines = ServerPeer.by_kind(server.finish())
    check("closed: zmtp server events after", lines["event"], [])
    check("closed: zmtp received", lines["received"], [])
    check("closed: zmtp ZAP requests", [zap_request(r) for r in lines["zap"]],
          [[b"", b"1.0", b"1", b"closed", b"127.0.0.1", b"", b"NULL"]])
    ctx.destroy(linger=0)


CASES = {
    "plain-to-pyzmq-tcp": lambda: case_plain_to_pyzmq("tcp"),
    "plain-to-pyzmq-ipc": lambda: case_plain_to_pyzmq("ipc"),
    "plain-wrong-password-to-pyzmq-tcp": lambda: case_plain_wrong_password_to_pyzmq("tcp"),
    "plain-wrong-password-to-pyzmq-ipc": lambda: case_plain_wrong_password_to_pyzmq("ipc"),
    "ip-allow-deny-plain": lambda: case_ip_allow_deny(plain=True),
    "ip-allow-deny-null": lambda: case_ip_allow_deny(plain=False),
    "plain-from-pyzmq-tcp": lambda: case_plain_from_pyzmq("tcp"),
    "plain-from-pyzmq-ipc": lambda: case_plain_from_pyzmq("ipc"),
    "plain-wrong-password-from-pyzmq-tcp": lambda: case_plain_wrong_password_from_pyzmq("tcp"),
    "plain-wrong-password-from-pyzmq-ipc": lambda: case_plain_wrong_password_from_pyzmq("ipc"),
    "null-domain-from-pyzmq": lambda: case_null_domain_from_pyzmq("tcp"),
}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in CASES:
        sys.exit("usage: security_pyzmq.py PEER CASE, CASE one of " + ", ".join(CASES))
    try:
        CASES[sys.argv[2]]()
        print("PASS", sys.argv[2])
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    os._exit(0)  # leftover daemon reader threads
