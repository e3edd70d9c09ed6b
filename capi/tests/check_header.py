#!/usr/bin/python3
"""Checks capi/include/zmq.h against the system's libzmq zmq.h (the ABI it must match):
every integer macro of the stable API, and the sizes and layouts of zmq_msg_t and
zmq_pollitem_t, are the same.

    check_header.py OUR_INCLUDE_DIR [SYSTEM_ZMQ_H]
"""
import os
import re
import subprocess
import sys
import tempfile

ours = sys.argv[1]
system = sys.argv[2] if len(sys.argv) > 2 else "/usr/include/zmq.h"
# Not integer constants, or ours by design (the export attribute, the include guard).
SKIP = {"ZMQ_EXPORT", "ZMQ_H_INCLUDED", "ZMQ_DEFINED_STDINT", "ZMQ_VERSION"}


def macro_names(header):
    out = subprocess.run(["gcc", "-dM", "-E", "-x", "c", header], check=True, capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        m = re.match(r"#define ((?:ZMQ_|E)[A-Z0-9_]+) (.+)", line)
        if m and m.group(1) not in SKIP:
            names.add(m.group(1))
    return names


def values(include_flag, names, workdir, tag):
    """Each macro's value as the C compiler evaluates it, with the given zmq.h."""
    src = os.path.join(workdir, tag + ".c")
    exe = os.path.join(workdir, tag)
    with open(src, "w") as f:
        f.write("#include <stdio.h>\n#include <stddef.h>\n#include <zmq.h>\nint main(void) {\n")
        for n in sorted(names):
            f.write('    printf("%s %%lld\\n", (long long)(%s));\n' % (n, n))
        for expr in ["sizeof(zmq_msg_t)", "_Alignof(zmq_msg_t)", "sizeof(zmq_pollitem_t)",
                     "offsetof(zmq_pollitem_t, socket)", "offsetof(zmq_pollitem_t, fd)",
                     "offsetof(zmq_pollitem_t, events)", "offsetof(zmq_pollitem_t, revents)"]:
            f.write('    printf("%s %%lld\\n", (long long)(%s));\n' % (expr.replace(" ", ""), expr))
        f.write("    return 0;\n}\n")
    subprocess.run(["gcc", "-std=c11", include_flag, "-o", exe, src], check=True)
    result = {}
    for line in subprocess.run([exe], check=True, capture_output=True, text=True).stdout.splitlines():
        name, value = line.split(" ")
        result[name] = int(value)
    return result


def main():
    theirs_names = {n for n in macro_names(system) if re.match(r"ZMQ_|E", n)}
    # Function-like or string macros cannot be printed as integers.
    probe = subprocess.run(["gcc", "-dM", "-E", "-x", "c", system], check=True, capture_output=True, text=True).stdout
    theirs_names = {n for n in theirs_names
                    if re.search(r"#define %s (?!\")" % n, probe) and not re.search(r"#define %s\(" % n, probe)}
    theirs_names = {n for n in theirs_names if n.startswith("ZMQ_") or n in ("EFSM", "ENOCOMPATPROTO", "ETERM", "EMTHREAD")}
    with tempfile.TemporaryDirectory() as tmp:
        theirs = values("-I" + os.path.dirname(system), theirs_names, tmp, "theirs")
        missing = sorted(n for n in theirs_names if n not in macro_names(os.path.join(ours, "zmq.h")))
        mine = values("-I" + ours, set(theirs_names) - set(missing), tmp, "ours")
    wrong = sorted(k for k in mine if mine[k] != theirs[k])
    for n in missing:
        print("missing: %s (libzmq: %d)" % (n, theirs[n]))
    for n in wrong:
        print("differs: %s ours %d, libzmq %d" % (n, mine[n], theirs[n]))
    print("%d macros and 7 layout facts compared: %d missing, %d different" % (len(theirs_names), len(missing), len(wrong)))
    return 1 if missing or wrong else 0


sys.exit(main())
