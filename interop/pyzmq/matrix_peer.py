#!/usr/bin/python3
"""pyzmq's side of the interop matrix (interop/matrix/): makes and drives pyzmq sockets as
told, one command per line on stdin, one reply per command on stdout. The protocol is
described at the top of interop/matrix/matrix_support.hpp. Run with /usr/bin/python3 (the
Debian python3-zmq, on the system libzmq)."""
import sys

import zmq

TYPES = {"PUB": zmq.PUB, "SUB": zmq.SUB, "XPUB": zmq.XPUB, "XSUB": zmq.XSUB,
         "PUSH": zmq.PUSH, "PULL": zmq.PULL, "PAIR": zmq.PAIR}
OPTIONS = {"sndhwm": zmq.SNDHWM, "rcvhwm": zmq.RCVHWM, "xpub_verbose": zmq.XPUB_VERBOSE}

ctx = zmq.Context()
sockets = {}
next_id = 1


def encode(frame):
    return "x" + frame.hex()


def decode(token):
    if not token.startswith("x"):
        raise ValueError("bad frame token " + token[:40])
    return bytes.fromhex(token[1:])


def handle(words, out):
    global next_id
    cmd = words[0]
    if cmd == "new":
        s = ctx.socket(TYPES[words[1]])
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.SNDTIMEO, 5000)
        sockets[str(next_id)] = s
        out.append("ok %d" % next_id)
        next_id += 1
        return
    s = sockets[words[1]]
    if cmd == "opt":
        s.setsockopt(OPTIONS[words[2]], int(words[3]))
        out.append("ok")
    elif cmd == "bind":
        s.bind(words[2])
        out.append("ok " + s.getsockopt(zmq.LAST_ENDPOINT).decode())
    elif cmd == "connect":
        s.connect(words[2])
        out.append("ok")
    elif cmd == "send":
        s.send_multipart([decode(t) for t in words[2:]])
        out.append("ok")
    elif cmd == "recv":
        count, timeout = int(words[2]), int(words[3])
        for _ in range(count):
            if not s.poll(timeout, zmq.POLLIN):
                break
            out.append("m " + " ".join(encode(f) for f in s.recv_multipart()))
        out.append("end")
    elif cmd in ("sub", "unsub"):
        s.setsockopt(zmq.SUBSCRIBE if cmd == "sub" else zmq.UNSUBSCRIBE, decode(words[2]))
        out.append("ok")
    elif cmd == "close":
        s.close()
        del sockets[words[1]]
        out.append("ok")
    else:
        raise ValueError("unknown command " + cmd)


def main():
    sys.stdout.write("ready %s\n" % zmq.zmq_version())
    sys.stdout.flush()
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        words = line.rstrip("\n").split(" ")
        if words[0] == "quit":
            break
        out = []
        try:
            handle(words, out)
        except Exception as e:  # reported to the test, which fails with it
            out = ["err %s: %s" % (type(e).__name__, str(e).replace("\n", " "))]
        sys.stdout.write("\n".join(out) + "\n")
        sys.stdout.flush()
    for s in sockets.values():
        s.close(linger=0)
    ctx.term()


main()
