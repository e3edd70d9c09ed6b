#!/usr/bin/python3
"""PLAIN, NULL+ZAP and CURVE between zmtp and pyzmq, both directions: pyzmq's own
zmq.auth.thread.ThreadAuthenticator (configure_plain, allow/deny by IP, configure_curve with
a directory of certificates from zmq.auth.create_certificates or CURVE_ALLOW_ANY) in front
of pyzmq servers that zmtp clients connect to, and pyzmq clients against a zmtp PLAIN, NULL
or CURVE server whose ZAP handler is written with zmtp (for CURVE zmtp::authenticator,
loading pyzmq's certificates). pyzmq reads the properties of zmtp's messages (User-Id,
X-Name, Peer-Address). The zmtp side is zmtp_security_peer (interop/security_peer.cpp, usage
at its top), one process per socket, which reports what happened one line at a time. Every
wait is bounded.

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


def short(text, limit=300):
    """`text` cut to `limit` characters for the log, saying how long it was."""
    return text if len(text) <= limit else "%s... (%d characters)" % (text[:limit], len(text))


def check(what, got, expected):
    assert got == expected, "%s: got %s, expected %s" % (what, short(repr(got), 5000), short(repr(expected), 5000))
    print("ok  %s: %s" % (what, short(repr(got))))


def run_client(ep, args):
    """Runs a zmtp client (zmtp_security_peer client EP ARGS...) to completion; returns (its
    lines as a dict: "outcome" and "handshakes" -> the text, "reply" -> a list, one a
    reply; its pid)."""
    p = subprocess.Popen([PEER, "client", ep] + args, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, "zmtp client exited %d: %s %s" % (p.returncode, out, err)
    lines = {"reply": []}
    for line in out.splitlines():
        kind, rest = line.split(" ", 1)
        if kind == "reply":
            lines["reply"].append(rest)
        else:
            lines[kind] = rest
    print("zmtp client:", " | ".join(short(line) for line in out.splitlines()))
    return lines, p.pid


def plain_client(user, password):
    """zmtp_security_peer client arguments: PLAIN with these credentials."""
    return ["--plain", user, password]


class ServerPeer:
    """A zmtp server process; its lines are read on a thread into a queue."""

    def __init__(self, ep, args):
        self.proc = subprocess.Popen([PEER, "server", ep] + args, stdin=subprocess.PIPE,
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
        print("zmtp server:", " | ".join(short(line) for line in out))
        return out

    @staticmethod
    def by_kind(lines):
        """{"event": [...], "received": [...], "zap": [...], ...}: each line's words after
        the first, by the first."""
        kinds = {"event": [], "received": [], "zap": []}
        for line in lines:
            kind, rest = line.split(" ", 1)
            kinds.setdefault(kind, []).append(rest)
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


def pyzmq_router(ctx, transport, configure_auth, **options):
    """A pyzmq ROUTER with socket `options` (attribute names), behind a ThreadAuthenticator
    that configure_auth(auth) sets up; returns (auth, router, monitor, endpoint)."""
    auth = ThreadAuthenticator(ctx)
    auth.start()
    configure_auth(auth)
    router = ctx.socket(zmq.ROUTER)
    router.linger = 0
    router.rcvtimeo = TIMEOUT_MS
    for name, value in options.items():
        setattr(router, name, value)
    mon = router.get_monitor_socket()
    router.bind(endpoint(transport))
    return auth, router, mon, router.getsockopt(zmq.LAST_ENDPOINT).decode()


def plain_server(ctx, transport, allow=None, deny=None, plain=True, zap_domain=None):
    """A pyzmq ROUTER (PLAIN server, or NULL with a ZAP domain) behind a ThreadAuthenticator
    that knows admin/secret; returns (auth, router, monitor, endpoint)."""
    def configure(auth):
        if allow:
            auth.allow(*allow)
        if deny:
            auth.deny(*deny)
        auth.configure_plain(domain="*", passwords={"admin": "secret"})
    options = {"plain_server": True} if plain else {}
    if zap_domain:
        options["zap_domain"] = zap_domain
    return pyzmq_router(ctx, transport, configure, **options)


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
    lines, pid = run_client(ep, plain_client("admin", "secret"))
    server.join(10)
    check("zmtp outcome", lines["outcome"], "HANDSHAKE_SUCCEEDED")
    check("zmtp got the reply", lines["reply"], [hx(b"world")])
    check("zmtp handshakes (succeeded failed)", lines["handshakes"], "1 0")
    check("pyzmq got", result["frames"][1:], [b"hello"])
    check("pyzmq User-Id", result["user"], "admin")
    check("pyzmq Peer-Address", result["address"], peer_address(transport, pid))
    check("pyzmq monitor", monitor_outcome(mon), (zmq.EVENT_HANDSHAKE_SUCCEEDED, 0))
    auth.stop()
    ctx.destroy(linger=0)


def refused_by_pyzmq(server, client_args):
    """A zmtp client (`client_args`) refused by pyzmq's authenticator in front of `server`
    (pyzmq_router()'s tuple): pyzmq's monitor says HANDSHAKE_FAILED_AUTH 400, pyzmq receives
    nothing, zmtp reports an authentication failure once and does not come back."""
    auth, router, mon, ep = server
    lines, _ = run_client(ep, client_args + ["--send", hx(b"must not arrive")])
    check("zmtp outcome", lines["outcome"], "HANDSHAKE_FAILED_AUTH authentication_denied")
    check("zmtp reply", lines["reply"], ["none"])
    check("zmtp handshakes (succeeded failed)", lines["handshakes"], "0 1")
    check("pyzmq monitor", monitor_outcome(mon), (zmq.EVENT_HANDSHAKE_FAILED_AUTH, 400))
    check("pyzmq received", router.poll(200), 0)
    auth.stop()


def case_plain_wrong_password_to_pyzmq(transport):
    ctx = zmq.Context()
    # libzmq's PLAIN server refuses in a malformed ERROR (04 09 5E "RROR" 03 "400"); zmtp's
    # client reads it as the refusal it means, and does not come back.
    refused_by_pyzmq(plain_server(ctx, transport), plain_client("admin", "wrong"))
    ctx.destroy(linger=0)


def case_ip_allow_deny(plain):
    """allow/deny by IP, in front of PLAIN (admin/secret) or of NULL clients of a ROUTER with
    a ZAP domain: only an allowed address gets in, and a refused zmtp client reports an
    authentication failure, once (libzmq's PLAIN server's malformed ERROR included)."""
    server = {"plain": True} if plain else {"plain": False, "zap_domain": b"global"}
    client = plain_client("admin", "secret") if plain else []
    ctx = zmq.Context()
    auth, router, mon, ep = plain_server(ctx, "tcp", allow=["127.0.0.1"], **server)
    lines, _ = run_client(ep, client)
    check("allowed 127.0.0.1: zmtp outcome", lines["outcome"], "HANDSHAKE_SUCCEEDED")
    check("allowed 127.0.0.1: pyzmq got", router.recv_multipart()[1:], [b"hello"])
    auth.stop()
    ctx.destroy(linger=0)
    for rule in ({"deny": ["127.0.0.1"]}, {"allow": ["127.0.0.2"]}):
        print("--", rule)
        ctx = zmq.Context()
        refused_by_pyzmq(plain_server(ctx, "tcp", **server, **rule), client)
        ctx.destroy(linger=0)


# --- CURVE: zmtp clients -> pyzmq servers, pyzmq clients -> zmtp servers --------------------

# What the CURVE cases send: multipart with an empty frame and every byte value, then one
# frame of 50,000 bytes (a long frame inside a MESSAGE box; its hex still fits one argument).
REQUESTS = [[b"hello", b"", bytes(range(256))], [bytes(i * 7 % 251 for i in range(50000))]]
REPLIES = [[b"reply-1", bytes(range(255, -1, -1)), b""], [b"reply-2", b"z" * 40000]]


def curve_keys():
    """A new CURVE key pair as Z85 text: (public, secret)."""
    public, secret = zmq.curve_keypair()
    return public.decode(), secret.decode()


def authorized_dir():
    """WORK/authorized: the directory of public certificates the authenticators load."""
    path = os.path.join(WORK, "authorized")
    os.makedirs(path, exist_ok=True)
    return path


def certified_keys(name):
    """A key pair written by zmq.auth.create_certificates: its public certificate stays in
    authorized_dir(), its secret one goes to WORK/secret; returns (public, secret) as Z85
    text, read back from the secret certificate with zmq.auth.load_certificate."""
    secret_dir = os.path.join(WORK, "secret")
    os.makedirs(secret_dir, exist_ok=True)
    _, secret_file = zmq.auth.create_certificates(authorized_dir(), name)
    public, secret = zmq.auth.load_certificate(shutil.move(secret_file, secret_dir))
    return public.decode(), secret.decode()


def curve_server(ctx, transport, location):
    """A pyzmq CURVE ROUTER with a new key pair behind a ThreadAuthenticator configured with
    configure_curve(domain='*', location=location); returns (pyzmq_router()'s tuple, the
    server's public key)."""
    public, secret = curve_keys()
    server = pyzmq_router(ctx, transport, lambda auth: auth.configure_curve(domain="*", location=location),
                          curve_server=True, curve_secretkey=secret.encode())
    return server, public


def curve_client(server_public, secret, name=None):
    """zmtp_security_peer client arguments: CURVE, with X-Name `name` if given."""
    return ["--curve", server_public, secret] + (["--metadata", "X-Name", name] if name else [])


def curve_talks_to_pyzmq(transport, location, client_public, client_secret):
    """A zmtp CURVE client sends REQUESTS to a pyzmq CURVE ROUTER (curve_server(location))
    and gets REPLIES back, exactly. pyzmq reads from each message's last frame the User-Id
    its authenticator gave (the client key in Z85), the X-Name the client sent in INITIATE
    and Peer-Address."""
    ctx = zmq.Context()
    (auth, router, mon, ep), server_public = curve_server(ctx, transport, location)
    name = "zmtp-client-" + transport
    received = []

    def serve():
        for reply in REPLIES:
            frames = router.recv_multipart(copy=False)
            received.append(([f.bytes for f in frames[1:]], frames[-1].get("User-Id"),
                             frames[-1].get("X-Name"), frames[-1].get("Peer-Address")))
            router.send_multipart([frames[0].bytes] + reply)
    server = threading.Thread(target=serve)
    server.start()
    lines, pid = run_client(ep, curve_client(server_public, client_secret, name)
                            + sum((["--send", hx(*r)] for r in REQUESTS), []))
    server.join(10)
    check("zmtp outcome", lines["outcome"], "HANDSHAKE_SUCCEEDED")
    check("zmtp got the replies", lines["reply"], [hx(*r) for r in REPLIES])
    check("zmtp handshakes (succeeded failed)", lines["handshakes"], "1 0")
    check("pyzmq got", [r[0] for r in received], REQUESTS)
    properties = (client_public, name, peer_address(transport, pid))
    check("pyzmq User-Id, X-Name, Peer-Address", [r[1:] for r in received], [properties] * 2)
    check("pyzmq monitor", monitor_outcome(mon), (zmq.EVENT_HANDSHAKE_SUCCEEDED, 0))
    check("pyzmq monitor after", [e for e, _ in drain(mon, 200) if e in OUTCOMES], [])
    auth.stop()
    ctx.destroy(linger=0)


def case_curve_to_pyzmq(transport):
    """configure_curve with a directory of public certificates from create_certificates:
    a zmtp client whose key is there is admitted and talks."""
    certified_keys("other")
    public, secret = certified_keys("zmtp-client")
    curve_talks_to_pyzmq(transport, authorized_dir(), public, secret)


def case_curve_allow_any_to_pyzmq(transport):
    """configure_curve(location=CURVE_ALLOW_ANY): a zmtp client with a key nobody listed is
    admitted; User-Id is still its key."""
    public, secret = curve_keys()
    curve_talks_to_pyzmq(transport, zmq.auth.CURVE_ALLOW_ANY, public, secret)


def case_curve_unknown_key_to_pyzmq(transport):
    """A zmtp client whose key is not in the directory: libzmq's CURVE server refuses it with
    a well-formed ERROR "400" after INITIATE; zmtp reports the refusal once."""
    certified_keys("zmtp-client")
    _, stranger_secret = curve_keys()
    ctx = zmq.Context()
    server, server_public = curve_server(ctx, transport, authorized_dir())
    refused_by_pyzmq(server, curve_client(server_public, stranger_secret))
    ctx.destroy(linger=0)


# --- pyzmq clients -> zmtp servers ---------------------------------------------------------

def pyzmq_client(ctx, ep, **options):
    """A pyzmq DEALER with socket `options` (attribute names) connected to `ep`; returns
    (dealer, monitor)."""
    dealer = ctx.socket(zmq.DEALER)
    dealer.linger = 0
    dealer.rcvtimeo = TIMEOUT_MS
    for name, value in options.items():
        setattr(dealer, name, value)
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
    server = ServerPeer(endpoint(transport), ["--plain"])
    dealer, mon = pyzmq_client(ctx, server.endpoint, plain_username=b"admin", plain_password=b"secret")
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
    server = ServerPeer(endpoint(transport), ["--plain"])
    dealer, mon = pyzmq_client(ctx, server.endpoint, plain_username=b"admin", plain_password=b"wrong")
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
    server = ServerPeer(endpoint("tcp"), ["--null-domain", "open"])
    dealer, mon = pyzmq_client(ctx, server.endpoint)
    dealer.send(b"hello")
    check("open: pyzmq got", dealer.recv_multipart(), [b"echo", b"hello"])
    check("open: pyzmq monitor", monitor_outcome(mon), (zmq.EVENT_HANDSHAKE_SUCCEEDED, 0))
    lines = ServerPeer.by_kind(server.finish())
    check("open: zmtp ZAP requests", [zap_request(r) for r in lines["zap"]],
          [[b"", b"1.0", b"1", b"open", b"127.0.0.1", b"", b"NULL"]])
    server = ServerPeer(endpoint("tcp"), ["--null-domain", "closed"])
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


def curve_pyzmq_client(ctx, server, server_public, client_public, client_secret):
    """A pyzmq CURVE DEALER of `server` (a ServerPeer); returns (dealer, monitor)."""
    return pyzmq_client(ctx, server.endpoint, curve_serverkey=server_public.encode(),
                        curve_publickey=client_public.encode(), curve_secretkey=client_secret.encode())


def curve_zmtp_server(transport, server_secret, name):
    """zmtp's CURVE ROUTER with X-Name `name`; its zmtp::authenticator loads
    authorized_dir(), the certificates pyzmq wrote."""
    return ServerPeer(endpoint(transport), ["--curve", server_secret, "--certificates", authorized_dir(),
                                            "--metadata", "X-Name", name])


def case_curve_from_pyzmq(transport):
    """pyzmq's CURVE client, its key in a certificate file pyzmq wrote, against zmtp's CURVE
    ROUTER whose zmtp::authenticator loaded that directory: admitted, REQUESTS and their
    echoes exact; pyzmq reads the X-Name zmtp's server sent in its READY."""
    certified_keys("other")
    client_public, client_secret = certified_keys("pyzmq-client")
    server_public, server_secret = curve_keys()
    name = "zmtp-server-" + transport
    ctx = zmq.Context()
    server = curve_zmtp_server(transport, server_secret, name)
    dealer, mon = curve_pyzmq_client(ctx, server, server_public, client_public, client_secret)
    for request in REQUESTS:
        dealer.send_multipart(request)
        reply = dealer.recv_multipart(copy=False)
        check("pyzmq got", [f.bytes for f in reply], [b"echo"] + request)
        check("pyzmq X-Name", reply[-1].get("X-Name"), name)
    check("pyzmq monitor", monitor_outcome(mon), (zmq.EVENT_HANDSHAKE_SUCCEEDED, 0))
    lines = ServerPeer.by_kind(server.finish())
    check("zmtp server events", lines["event"], ["HANDSHAKE_SUCCEEDED"])
    check("zmtp received", [unhex(r.split())[1:] for r in lines["received"]], REQUESTS)
    check("zmtp authenticator keys", lines["certificates"], ["2"])
    ctx.destroy(linger=0)


def case_curve_unknown_key_from_pyzmq(transport):
    """pyzmq's CURVE client with a key not in the directory: zmtp's authenticator refuses
    it (400), zmtp's server sends ERROR "400", which libzmq reports as
    HANDSHAKE_FAILED_AUTH 400, once: it does not come back; nothing is delivered."""
    certified_keys("pyzmq-client")
    stranger_public, stranger_secret = curve_keys()
    server_public, server_secret = curve_keys()
    ctx = zmq.Context()
    server = curve_zmtp_server(transport, server_secret, "zmtp-server")
    dealer, mon = curve_pyzmq_client(ctx, server, server_public, stranger_public, stranger_secret)
    dealer.send(b"must not arrive")
    check("pyzmq monitor", monitor_outcome(mon), (zmq.EVENT_HANDSHAKE_FAILED_AUTH, 400))
    check("zmtp server event", server.next_line(), "event HANDSHAKE_FAILED_AUTH authentication_denied")
    check("pyzmq reconnects", [e for e, _ in drain(mon, 500) if e == zmq.EVENT_CONNECTED], [])
    check("pyzmq received", dealer.poll(0), 0)
    lines = ServerPeer.by_kind(server.finish())
    check("zmtp server events after", lines["event"], [])
    check("zmtp received", lines["received"], [])
    check("zmtp authenticator keys", lines["certificates"], ["1"])
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
    "curve-to-pyzmq-tcp": lambda: case_curve_to_pyzmq("tcp"),
    "curve-to-pyzmq-ipc": lambda: case_curve_to_pyzmq("ipc"),
    "curve-allow-any-to-pyzmq-tcp": lambda: case_curve_allow_any_to_pyzmq("tcp"),
    "curve-allow-any-to-pyzmq-ipc": lambda: case_curve_allow_any_to_pyzmq("ipc"),
    "curve-unknown-key-to-pyzmq-tcp": lambda: case_curve_unknown_key_to_pyzmq("tcp"),
    "curve-unknown-key-to-pyzmq-ipc": lambda: case_curve_unknown_key_to_pyzmq("ipc"),
    "curve-from-pyzmq-tcp": lambda: case_curve_from_pyzmq("tcp"),
    "curve-from-pyzmq-ipc": lambda: case_curve_from_pyzmq("ipc"),
    "curve-unknown-key-from-pyzmq-tcp": lambda: case_curve_unknown_key_from_pyzmq("tcp"),
    "curve-unknown-key-from-pyzmq-ipc": lambda: case_curve_unknown_key_from_pyzmq("ipc"),
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
