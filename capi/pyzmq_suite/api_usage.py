#!/usr/bin/python3
"""Prints, as Markdown, what of libzmq's C API pyzmq's test suite exercises: the functions
pyzmq's Cython backend imports (nm -D --undefined-only on its extension modules: all of them
must resolve for `import zmq` to work), grouped, and the constants (socket and context
options, socket types, events, message properties, errno values) named by the tests or by
the pyzmq Python code they run, plus the options test_int_sockopts sweeps through.
Run: /usr/bin/python3 capi/pyzmq_suite/api_usage.py"""
import ast
import enum
import re
import subprocess
from pathlib import Path

import zmq
import zmq.constants as constants

PACKAGE = Path(zmq.__file__).parent
BACKEND = PACKAGE / "backend" / "cython"
GROUPS = [  # names ending in "_" are prefixes; "misc" takes the rest
    ("context", ("zmq_ctx_",)),
    ("socket", ("zmq_socket", "zmq_close", "zmq_bind", "zmq_unbind", "zmq_connect",
                "zmq_disconnect", "zmq_setsockopt", "zmq_getsockopt")),
    ("msg", ("zmq_msg_",)),
    ("poll", ("zmq_poll",)),
    ("monitor", ("zmq_socket_monitor",)),
    ("proxy", ("zmq_proxy", "zmq_proxy_steerable")),
    ("curve/z85", ("zmq_curve_", "zmq_z85_")),
    ("misc", ()),
]
TRANSPORTS = ("tcp://", "ipc://", "inproc://", "pgm://", "epgm://", "ws://", "wss://",
              "udp://", "tipc://", "vmci://")
PROPERTIES = ("'Socket-Type'", "'Identity'", "'Routing-Id'", "'Resource'", "'Peer-Address'",
              "'User-Id'", "'Hello'")
ENUMS = [("socket options", constants.SocketOption), ("context options", constants.ContextOption),
         ("socket types", constants.SocketType), ("monitor events", constants.Event),
         ("message options", constants.MessageOption), ("security mechanisms",
                                                         constants.SecurityMechanism),
         ("send/recv flags", constants.Flag), ("poll events", constants.PollEvent),
         ("errno values", constants.Errno)]


def imported_functions():
    """{function: [extension modules importing it]}"""
    users = {}
    for module in sorted(BACKEND.glob("*.so")):
        listing = subprocess.run(["nm", "-D", "--undefined-only", str(module)],
                                 capture_output=True, text=True, check=True).stdout
        for line in listing.splitlines():
            symbol = line.split()[-1]
            if symbol.startswith("zmq_"):
                users.setdefault(symbol, []).append(module.name.split(".")[0])
    return users


def group_of(function):
    for group, names in GROUPS:
        if any(function == n or (n.endswith("_") and function.startswith(n)) for n in names):
            return group
    return "misc"


def aliases():
    """{module-level name: enum member name}, e.g. EVENT_CONNECTED: CONNECTED."""
    names = {}
    for name in constants.__all__:
        value = getattr(constants, name)
        if isinstance(value, enum.Enum):
            names[name] = value.name
    return names


def named_constants(paths):
    """Enum member names used as zmq.NAME or Enum.NAME (module-level aliases resolved),
    and option names read or set as lower-case attributes (sock.linger = 0). An unrelated
    attribute of an option's name counts too: an approximation."""
    alias = aliases()
    names = set()
    for path in paths:
        text = path.read_text(encoding="utf-8")
        upper = re.findall(r"\.([A-Z][A-Z0-9_]+)\b", text)
        names |= {alias.get(name, name) for name in upper}
        lower = re.findall(r"\.([a-z][a-z0-9_]+)\b", text)
        names |= {alias.get(name.upper(), name.upper()) for name in lower}
    return names


def strings_used(paths, candidates):
    """{candidate: number of files naming it}"""
    texts = [path.read_text(encoding="utf-8") for path in paths]
    return {c: sum(c in text for text in texts) for c in candidates}


def int_sweep_options():
    """The int/int64 options test_int_sockopts reads back, less its write-only prefixes."""
    source = (PACKAGE / "tests" / "test_socket.py").read_text(encoding="utf-8")
    prefixes = ()
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "startswith"
                and node.args and isinstance(node.args[0], ast.Tuple)):
            prefixes = tuple(e.value for e in node.args[0].elts)
    types = {constants._OptType.int, constants._OptType.int64}
    return {o.name for o in constants.SocketOption
            if o._opt_type in types and not o.name.startswith(prefixes)}


def main():
    users = imported_functions()
    print(f"### C functions pyzmq {zmq.pyzmq_version()} imports ({len(users)})\n")
    for group, _ in GROUPS:
        names = sorted(f for f in users if group_of(f) == group)
        if names:
            print(f"- **{group}**: " + ", ".join(
                f"`{f}` ({', '.join(users[f])})" for f in names))
    tests = sorted((PACKAGE / "tests").glob("test_*.py"))
    library = sorted(p for p in PACKAGE.rglob("*.py")  # constants.py only defines them
                     if not {"tests", "green"} & set(p.parts) and p.name != "constants.py")
    by_tests, by_pyzmq = named_constants(tests), named_constants(library)
    sweep = int_sweep_options()
    print("\n### Constants named (T: by the tests, P: by pyzmq's Python code the tests run, "
          "S: swept by test_int_sockopts)\n")
    for title, members in ENUMS:
        rows = []
        for member in members:
            marks = ("T" if member.name in by_tests else "") + \
                    ("P" if member.name in by_pyzmq else "") + \
                    ("S" if members is constants.SocketOption and member.name in sweep else "")
            if marks:
                rows.append(f"`{member.name}`({marks})")
        print(f"- **{title}** ({len(rows)} of {len(members)}): " + ", ".join(rows))
    for title, candidates in (("transports", TRANSPORTS), ("message properties", PROPERTIES)):
        used = strings_used(tests + library, candidates)
        print(f"- **{title}** (files naming it): " + ", ".join(
            f"`{c}` ({n})" for c, n in used.items() if n))


if __name__ == "__main__":
    main()
