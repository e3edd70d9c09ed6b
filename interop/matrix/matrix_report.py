#!/usr/bin/python3
"""Runs every test case of the interop matrix (zmtp_interop_matrix) one at a time and prints
the markdown tables of interop/MATRIX.md: for each cell the number of checks (doctest's
assertion count: the plumbing fails without counting, so it is the number of checks of
behaviour) and pass/fail.

    interop/matrix/matrix_report.py build/bin/zmtp_interop_matrix [--skip-node]

Needs interop/node/node_modules for the Node.js cells (ctest's node_npm_ci fixture
installs it)."""
import re
import subprocess
import sys

PAIRS = ["PUB-SUB", "SUB-PUB", "PUB-XSUB", "XSUB-PUB", "XPUB-SUB", "SUB-XPUB", "XPUB-XSUB",
         "XSUB-XPUB", "PUSH-PULL", "PULL-PUSH", "PAIR-PAIR"]
STACKS = ["libzmq", "pyzmq", "node"]
COLUMNS = [("tcp", "zmtp-binds"), ("tcp", "zmtp-connects"), ("ipc", "zmtp-binds"), ("ipc", "zmtp-connects")]


def run(binary, name):
    """(checks, passed, output) of one test case."""
    proc = subprocess.run([binary, "--test-case=" + name], capture_output=True, text=True, timeout=120)
    found = re.search(r"assertions:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed", proc.stdout)
    cases = re.search(r"test cases:\s*(\d+)\s*\|\s*(\d+) passed", proc.stdout)
    if not found or not cases or cases.group(1) != "1":
        return 0, False, proc.stdout + proc.stderr
    return int(found.group(1)), proc.returncode == 0 and found.group(3) == "0", proc.stdout


def main():
    binary = sys.argv[1]
    stacks = [s for s in STACKS if not ("--skip-node" in sys.argv and s == "node")]
    listed = subprocess.run([binary, "--list-test-cases"], capture_output=True, text=True, check=True).stdout
    names = [line for line in listed.splitlines() if line.startswith(("matrix ", "raw "))]
    results = {}
    failures = []
    for name in names:
        if name.startswith("matrix node ") and "node" not in stacks:
            continue
        checks, ok, output = run(binary, name)
        results[name] = (checks, ok)
        if not ok:
            failures.append((name, output))

    total_cells = sum(1 for _ in results)
    total_checks = sum(c for c, _ in results.values())
    passed = sum(1 for _, ok in results.values() if ok)

    print("| pair (zmtp-peer) | peer stack | " + " | ".join(f"{t}, {d}" for t, d in COLUMNS) + " |")
    print("|---|---|" + "---|" * len(COLUMNS))
    for pair in PAIRS:
        for stack in stacks:
            cells = []
            for t, d in COLUMNS:
                name = f"matrix {stack} {pair} {t} {d}"
                if name not in results:
                    cells.append("not run")
                    continue
                checks, ok = results[name]
                cells.append(f"{checks} checks, {'pass' if ok else '**FAIL**'}")
            print(f"| {pair} | {stack} | " + " | ".join(cells) + " |")
    print()
    print("| raw ZMTP peer (tcp) | checks | result |")
    print("|---|---|---|")
    for name in names:
        if name.startswith("raw ") and name in results:
            checks, ok = results[name]
            print(f"| {name[4:]} | {checks} | {'pass' if ok else '**FAIL**'} |")
    print()
    print(f"{passed} of {total_cells} test cases passed, {total_checks} checks in all.")
    for name, output in failures:
        print(f"\nFAILED: {name}\n{output}", file=sys.stderr)
    return 0 if not failures else 1


sys.exit(main())
