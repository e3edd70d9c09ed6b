#!/usr/bin/python3
"""Runs pyzmq's own test suite twice, on the system libzmq and on a drop-in libzmq.so.5
(LD_LIBRARY_PATH=--lib-dir), and compares them test by test.

Exit status 0 only if every test that passes on libzmq passes on ours too, apart from those
explained in differences.txt, and no sanitizer reported anything in the "ours" column. A run whose interpreter dies (crash) or stops making progress
(hang) loses only the test that was running: the rest of its file is run again without it.
Standard library only; run it with /usr/bin/python3 (Debian's python3-zmq and python3-pytest).
See README.md beside this file."""
import argparse
import ast
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_TESTS = Path("/usr/lib/python3/dist-packages/zmq/tests")
DEFAULT_DIFFERENCES = HERE / "differences.txt"
PYTHON = "/usr/bin/python3"
ID_PREFIX = "zmq.tests."
PASSING = {"passed", "flaky"}
RETRIABLE = {"failed", "error", "crashed", "timeout"}
OUTCOME_ORDER = ["passed", "flaky", "failed", "error", "skipped", "xfailed",
                 "crashed", "timeout", "missing"]
# Beyond the suite's own per-test alarm (ZMQ_TEST_TIMEOUT) and pytest's faulthandler dump,
# how long a run may go without any progress before it is killed as hung.
STALL_GRACE_SECONDS = 30
# The runtimes' option variables that get log_path (ASan's also serves LSan), and how much
# of each report the output shows.
SANITIZER_OPTIONS = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")
SANITIZER_REPORT_LINES = 100

# Spawned under a column's environment: which libzmq.so.5 did the dynamic loader open
# (its link_map name, the path it found through LD_LIBRARY_PATH or the default search),
# which file is mapped (/proc/self/maps: the kernel shows symlinks resolved), and versions.
PROBE = r"""
import ctypes, json, os, sys
import zmq

class LinkMap(ctypes.Structure):
    _fields_ = [("l_addr", ctypes.c_void_p), ("l_name", ctypes.c_char_p),
                ("l_ld", ctypes.c_void_p), ("l_next", ctypes.c_void_p),
                ("l_prev", ctypes.c_void_p)]

RTLD_DI_LINKMAP = 2
handle = ctypes.CDLL("libzmq.so.5", mode=os.RTLD_NOLOAD | os.RTLD_LAZY)._handle
link_map = ctypes.POINTER(LinkMap)()
if ctypes.CDLL(None).dlinfo(ctypes.c_void_p(handle), RTLD_DI_LINKMAP, ctypes.byref(link_map)):
    raise SystemExit("dlinfo(libzmq.so.5) failed")
mapped = set()
with open("/proc/self/maps") as maps:
    for line in maps:
        fields = line.split(None, 5)
        if len(fields) == 6 and os.path.basename(fields[5].strip()).startswith("libzmq.so"):
            mapped.add(fields[5].strip())
print(json.dumps({"loaded_as": link_map.contents.l_name.decode(), "mapped": sorted(mapped),
                  "zmq_version": zmq.zmq_version(), "pyzmq_version": zmq.pyzmq_version(),
                  "pyzmq_file": zmq.__file__}))
"""


@dataclass
class Result:
    outcome: str
    message: str = ""


@dataclass
class Run:
    """One pytest process: what it reported, and how it ended."""
    results: dict
    collected: list
    running: str
    complete: bool
    death: str
    log: Path


def test_id(nodeid):
    """pytest's junit name for a node id (classname.name), less the "zmq.tests." prefix."""
    path, bracket, params = nodeid.partition("[")
    names = path.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    names[-1] += bracket + params
    return strip_prefix(".".join(names))


def strip_prefix(full_id):
    return full_id[len(ID_PREFIX):] if full_id.startswith(ID_PREFIX) else full_id


def first_line(text):
    lines = (text or "").strip().splitlines()
    return lines[0][:300] if lines else ""


def read_junit(path):
    """{test id: Result} from a junit file; None if it is missing or cut short."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    results = {}
    for case in root.iter("testcase"):
        classname, name = case.get("classname", ""), case.get("name", "")
        results[strip_prefix(f"{classname}.{name}" if classname else name)] = junit_outcome(case)
    return results


def junit_outcome(case):
    for tag, outcome in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
        element = case.find(tag)
        if element is not None:
            if tag == "skipped" and element.get("type") == "pytest.xfail":
                outcome = "xfailed"
            message = element.get("message", "")
            if message == "collection skipped":  # the reason is in the text, a tuple's repr
                message = collection_skip_reason(element.text) or message
            return Result(outcome, first_line(message))
    return Result("passed")


def collection_skip_reason(text):
    """The reason in junit's "(path, line, 'Skipped: reason')" text of a module skip."""
    try:
        reason = ast.literal_eval(text or "")[2]
    except (ValueError, SyntaxError, TypeError, IndexError):
        return ""
    return reason.removeprefix("Skipped: ")


def phase_outcome(reports):
    """A test's outcome from its setup/call/teardown reports, as junit would put it."""
    for report in reports:
        if report["outcome"] == "failed":
            return Result("failed" if report["when"] == "call" else "error", report["message"])
    for report in reports:
        if report["outcome"] == "skipped":
            return Result("xfailed" if report["xfail"] else "skipped", report["message"])
    return Result("passed")


def read_events(path):
    """(collected node ids, {test id: Result} of finished tests, node id still running,
    whether the session finished) from the file suite_events.py wrote."""
    collected, reports, results, running, finished = None, {}, {}, None, False
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue  # the last line of a process that died while writing it
        kind = event["ev"]
        if kind == "collected":
            collected = event["nodeids"]
        elif kind == "collectreport":
            results[test_id(event["nodeid"])] = Result(
                "skipped" if event["outcome"] == "skipped" else "error", event["message"])
        elif kind == "start":
            running, reports[event["nodeid"]] = event["nodeid"], []
        elif kind == "report":
            reports.setdefault(event["nodeid"], []).append(event)
        elif kind == "finish":
            results[test_id(event["nodeid"])] = phase_outcome(reports[event["nodeid"]])
            running = None
        elif kind == "sessionfinish":
            finished = True
    return collected, results, running, finished


def describe_death(returncode, stalled):
    if stalled:
        return "timeout"
    if returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    return f"exit {returncode}"


def death_result(run, where):
    """A test's Result when its process died (or was killed as hung) `where`."""
    return Result("timeout" if run.death == "timeout" else "crashed",
                  f"process ended by {run.death} {where} (log {run.log})")


def group_by_file(nodeids):
    groups = {}
    for nodeid in nodeids:
        groups.setdefault(nodeid.split("::")[0], []).append(nodeid)
    return groups


class Column:
    """One library under test: its environment, and every pytest process run for it."""

    def __init__(self, name, env, options, workdir, output_dir, collect_env):
        self.name = name
        self.env = env
        self.options = options
        self.workdir = workdir
        self.output_dir = output_dir
        self.collect_env = collect_env
        self.rootdir = options.tests_dir.parent.parent
        self.processes = 0
        self.node_of = {}  # test id: node id, of the tests the last run_suite collected
        self.notes = []
        self.observer = None  # called with each new event and the process (selftest.py)
        self.ini = workdir / "pytest.ini"
        self.ini.write_text("[pytest]\n"
                            f"faulthandler_timeout = {options.timeout + 10}\n"
                            "junit_family = xunit1\n")

    def say(self, text):
        print(f"[{self.name}] {text}", flush=True)

    def pytest(self, paths, label, only=None, env=None, extra=()):
        self.processes += 1
        stem = f"{self.name}-{self.processes:03d}-{label}"
        junit = self.output_dir / f"{stem}.xml"
        log = self.output_dir / f"{stem}.log"
        events = self.workdir / f"{stem}.events"
        junit.unlink(missing_ok=True)  # a --junit-dir's file from an earlier run is no result
        run_env = dict(env or self.env, SUITE_EVENTS=str(events))
        if only is not None:
            only_file = self.workdir / f"{stem}.only"
            only_file.write_text("".join(n + "\n" for n in only), encoding="utf-8")
            run_env["SUITE_ONLY"] = str(only_file)
        command = [*self.options.launcher, PYTHON, "-m", "pytest", "-c", str(self.ini),
                   "--rootdir", str(self.rootdir), "-p", "no:cacheprovider", "-p", "suite_events",
                   "--continue-on-collection-errors", "-q", "-rfEs",
                   f"--junitxml={junit}", f"--basetemp={self.workdir / stem}-tmp", *extra]
        if self.options.k:
            command += ["-k", self.options.k]
        command += [str(p) for p in paths]
        with open(log, "w", encoding="utf-8") as out:
            process = subprocess.Popen(command, cwd=self.workdir, env=run_env, stdout=out,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
            stalled = self.watch(process, events)
        collected, finished, running, session_finished = read_events(events)
        junit_results = read_junit(junit)
        death = describe_death(process.returncode, stalled)
        complete = junit_results is not None and session_finished
        if complete and (stalled or process.returncode < 0):
            self.notes.append(f"{stem}: every test reported, then the process ended by "
                              f"{death} (log {log})")
        if not complete and process.returncode in (3, 4) and collected is None:
            self.say(f"pytest failed to start ({death}); the end of {log}:\n"
                     + log.read_text(encoding="utf-8", errors="replace")[-3000:])
            raise SystemExit(1)
        return Run(junit_results if complete else finished, collected or [], running,
                   complete, death, log)

    def watch(self, process, events):
        """Wait for the process; kill its process group if the events file stops growing.
        Returns whether it was killed."""
        stall_limit = self.options.timeout + STALL_GRACE_SECONDS
        offset, last_progress = 0, time.monotonic()
        while process.poll() is None:
            time.sleep(0.2)
            try:
                with open(events, "rb") as f:
                    f.seek(offset)
                    fresh = f.read()
            except FileNotFoundError:
                fresh = b""
            complete_lines = fresh[:fresh.rfind(b"\n") + 1]
            if complete_lines:
                offset += len(complete_lines)
                last_progress = time.monotonic()
                if self.observer:
                    for line in complete_lines.splitlines():
                        self.observer(json.loads(line), process)
            elif time.monotonic() - last_progress > stall_limit:
                os.killpg(process.pid, signal.SIGKILL)  # the group start_new_session made
                process.wait()
                return True
        return False

    def attribute_death(self, run, results):
        """The test running when a process died gets the blame."""
        if run.running and not run.complete:
            results[test_id(run.running)] = death_result(run, "in this test")

    def run_suite(self, paths=None, only=None):
        """{test id: Result} for the whole suite (or -k's part), or for the node ids `only`
        of the files `paths`."""
        started = time.monotonic()
        self.say("running the suite" if only is None else f"running {len(only)} tests")
        first = self.pytest(paths or [self.options.tests_dir], "suite", only=only)
        results = dict(first.results)
        nodeids = first.collected
        if not first.complete:
            self.say(f"the run ended by {first.death} before it finished "
                     f"({len(results)} tests reported, running: {first.running}); "
                     "running the rest file by file")
            self.attribute_death(first, results)
            if not nodeids:
                nodeids = self.collect()
                if only is not None:
                    nodeids = [n for n in nodeids if n in only]
            pending = [n for n in nodeids if test_id(n) not in results]
            for path, in_file in group_by_file(pending).items():
                self.settle_file(path, in_file, results)
        node_of = {test_id(n): n for n in nodeids}
        self.node_of = node_of
        self.retry(results, node_of)
        self.say(f"done in {time.monotonic() - started:.0f} s, "
                 f"{self.processes} pytest processes")
        return results

    def recheck(self, other, node_of):
        """{test id: Result} of only the tests that did not pass in another column's
        results `other` (node ids from its `node_of`): what the full column would say
        about them, at a fraction of its cost."""
        wanted = [tid for tid, r in other.items() if r.outcome not in PASSING]
        only = [node_of[tid] for tid in wanted if tid in node_of]
        # tests without a node id were not collected (a module skipped or failing whole)
        paths = {self.rootdir / n.split("::")[0] for n in only}
        paths |= {p for tid in wanted if tid not in node_of
                  for p in [self.options.tests_dir / f"{tid}.py"] if p.exists()}
        if not paths:
            return {}
        return self.run_suite(sorted(paths), only)

    def collect(self):
        """Node ids from a collection-only run on the system libzmq, for when this
        column's first run died before it had collected."""
        run = self.pytest([self.options.tests_dir], "collect", env=self.collect_env,
                          extra=["--collect-only"])
        if not run.collected:
            self.notes.append(f"could not even collect the tests (log {run.log})")
        return run.collected

    def settle_file(self, path, nodeids, results):
        pending = nodeids
        label = Path(path).stem
        while pending:
            run = self.pytest([self.rootdir / path], label, only=pending)
            results.update(run.results)
            self.attribute_death(run, results)
            left = [n for n in pending if test_id(n) not in results]
            if run.complete:
                for nodeid in left:
                    results[test_id(nodeid)] = Result("missing", f"not reported (log {run.log})")
                return
            if not run.collected:  # the file cannot even be collected: no test can run
                for nodeid in left:
                    results[test_id(nodeid)] = death_result(
                        run, "before this file was collected")
                return
            if len(left) == len(pending):
                # died outside any test, before any progress: one process per test
                for nodeid in left:
                    self.isolate(path, nodeid, results)
                return
            pending = left

    def isolate(self, path, nodeid, results):
        run = self.pytest([self.rootdir / path], "alone", only=[nodeid])
        results.update(run.results)
        self.attribute_death(run, results)
        if test_id(nodeid) not in results:
            results[test_id(nodeid)] = death_result(run, "outside any test")

    def retry(self, results, node_of):
        """Tests that did not pass are run again, each alone; passing then makes them
        "flaky" (reported, and counted as passing)."""
        for tid in sorted(results):
            first = results[tid]
            if first.outcome not in RETRIABLE or tid not in node_of:
                continue
            nodeid = node_of[tid]
            for attempt in range(1, self.options.retries + 1):
                run = self.pytest([self.rootdir / nodeid.split("::")[0]], "retry",
                                  only=[nodeid])
                again = run.results.get(tid)
                if again is not None and again.outcome == "passed":
                    results[tid] = Result("flaky", f"{first.outcome} in the suite run "
                                          f"({first.message}); passed alone on retry {attempt}")
                    break


def probe_library(env):
    done = subprocess.run([PYTHON, "-c", PROBE], env=env, capture_output=True, text=True,
                          timeout=60)
    if done.returncode != 0:
        raise SystemExit(f"the libzmq probe failed:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout)


def describe_probe(name, probe):
    print(f"[{name}] libzmq.so.5 opened as {probe['loaded_as']}, mapped file "
          f"{', '.join(probe['mapped'])}; zmq_version() {probe['zmq_version']}, "
          f"pyzmq {probe['pyzmq_version']} from {probe['pyzmq_file']}", flush=True)


def check_swapped(probe, lib_dir, system_probe):
    """Refuses (SystemExit) unless the loader found libzmq.so.5 in lib_dir."""
    loaded_dir = os.path.dirname(probe["loaded_as"])
    if not loaded_dir or not os.path.samefile(loaded_dir, lib_dir):
        raise SystemExit(f"refusing to run 'ours': libzmq.so.5 was loaded from "
                         f"{probe['loaded_as']}, not from {lib_dir} (LD_LIBRARY_PATH did not "
                         "take effect, or the directory holds no libzmq.so.5)")
    if os.path.realpath(probe["loaded_as"]) not in probe["mapped"]:
        raise SystemExit(f"refusing to run 'ours': {probe['loaded_as']} is not the mapped "
                         f"file ({probe['mapped']})")
    if set(probe["mapped"]) & set(system_probe["mapped"]):
        print(f"[ours] note: {probe['loaded_as']} is the system libzmq file itself "
              "(a symlink or stand-in), so both columns test the same library", flush=True)


def read_differences(path):
    """{test id: reason} from `test_id  reason` lines; # starts a comment."""
    differences = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            tid, _, reason = line.partition(" ")
            differences[tid] = reason.strip() or "(no reason given)"
    return differences


def snapshot(directory):
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in directory.rglob("*")}


def totals(results):
    counts = Counter(r.outcome for r in results.values())
    return ", ".join(f"{counts[o]} {o}" for o in OUTCOME_ORDER if counts[o])


def print_reasons(name, results):
    """Every test that did not simply pass, grouped by outcome and message."""
    groups = {}
    for tid in sorted(results):
        result = results[tid]
        if result.outcome != "passed":
            groups.setdefault((result.outcome, result.message), []).append(tid)
    if groups:
        print(f"\n{name}, tests that did not simply pass, by reason:")
    for (outcome, message), tids in sorted(groups.items(),
                                           key=lambda g: (OUTCOME_ORDER.index(g[0][0]), g[0][1])):
        print(f"  {outcome} ({len(tids)}): {message or '(no message)'}")
        for tid in tids:
            print(f"      {tid}")


def report(columns, differences, recheck=False, sanitizer_reports=()):
    """Prints the table and the verdict; returns the exit status. recheck: the libzmq
    column ran only the tests that did not pass on ours (the others show as "-").
    sanitizer_reports: files of the "ours" column's sanitizer reports (each fails)."""
    names = [name for name, _ in columns]
    tables = [results for _, results in columns]
    ids = sorted(set().union(*tables))
    width = max([len(t) for t in ids] + [len("test id")])
    header = f"{'test id':<{width}}  " + "  ".join(f"{n:<8}" for n in names)
    print("\n" + header + "\n" + "-" * len(header))
    for tid in ids:
        cells = [table.get(tid, Result("absent")).outcome for table in tables]
        if recheck and tid not in tables[0]:
            cells[0] = "-"
        mark = "  <>" if len(set(cells)) > 1 and cells[0] != "-" else ""
        print(f"{tid:<{width}}  " + "  ".join(f"{c:<8}" for c in cells) + mark)
    print()
    for name, results in columns:
        scope = " only the tests that did not pass on ours:" if recheck and name == names[0] else ""
        print(f"{name}:{scope} {totals(results) or 'none'} ({len(results)} tests)")
    for name, results in columns:
        print_reasons(name, results)
    if not recheck and not any(r.outcome in PASSING for r in tables[0].values()):
        print(f"verdict: FAIL (no test passed on {names[0]}: nothing to compare with)")
        return 1
    if len(columns) == 1:
        return 0
    base, ours = tables
    lost = [t for t in ids if base.get(t, Result("absent")).outcome in PASSING
            and ours.get(t, Result("absent")).outcome not in PASSING]
    unexplained = [t for t in lost if t not in differences]
    print(f"\npass on libzmq but not on ours: {len(lost)} "
          f"({len(lost) - len(unexplained)} explained in differences.txt)")
    for tid in lost:
        result = ours.get(tid, Result("absent"))
        why = f"explained: {differences[tid]}" if tid in differences else "UNEXPLAINED"
        print(f"  {tid}: {result.outcome} {result.message}\n      {why}")
    stale = [t for t in differences if t not in lost]
    for tid in stale:
        print(f"  note: differences.txt lists {tid}, which does not differ now "
              f"({differences[tid]})")
    problems = [f"{len(unexplained)} unexplained"] if unexplained else []
    if sanitizer_reports:
        print_sanitizer_reports(sanitizer_reports)
        problems.append(f"{len(sanitizer_reports)} sanitizer reports")
    print("verdict: " + (f"FAIL ({', '.join(problems)})" if problems else "PASS"))
    return 1 if problems else 0


def parse_options(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lib-dir", type=Path, help="directory holding our libzmq.so.5")
    parser.add_argument("--baseline-only", action="store_true",
                        help="run only the system libzmq column")
    parser.add_argument("--ours-only", action="store_true",
                        help="run the whole suite only on ours; on libzmq only the tests "
                             "that did not pass on ours")
    parser.add_argument("--preload", type=Path,
                        help="LD_PRELOAD for the ours column (a sanitizer's runtime, which "
                             "an uninstrumented python3 must load first)")
    parser.add_argument("--timeout", type=int, default=60,
                        help="seconds per test (the suite's own alarm; a run without "
                             f"progress for this + {STALL_GRACE_SECONDS} s is killed)")
    parser.add_argument("--junit-dir", type=Path,
                        help="keep each pytest process's junit XML and log here")
    parser.add_argument("-k", help="pytest -k expression: run part of the suite")
    parser.add_argument("--jobs", type=int, choices=(1, 2), default=1,
                        help="2: run the two columns at once (timing-sensitive tests suffer)")
    parser.add_argument("--retries", type=int, default=2,
                        help="runs alone of a test that did not pass (0: none)")
    parser.add_argument("--netns", choices=("auto", "on", "off"), default="auto",
                        help="run pytest in a network namespace of its own with only "
                             "loopback (the suite binds fixed ports 5555, 6666, 6667); "
                             "auto: when root can (unshare and ip exist and work)")
    parser.add_argument("--tests-dir", type=Path, default=DEFAULT_TESTS)
    parser.add_argument("--differences", type=Path, default=DEFAULT_DIFFERENCES)
    options = parser.parse_args(argv)
    if not options.baseline_only and options.lib_dir is None:
        parser.error("--lib-dir is required unless --baseline-only")
    if options.baseline_only and (options.ours_only or options.preload):
        parser.error("--baseline-only runs no ours column for --ours-only or --preload")
    if options.preload is not None:
        options.preload = options.preload.absolute()
        if not options.preload.is_file():
            parser.error(f"--preload {options.preload}: no such file")
    if options.lib_dir is not None:
        options.lib_dir = options.lib_dir.resolve()
        if not (options.lib_dir / "libzmq.so.5").exists():
            parser.error(f"{options.lib_dir} holds no libzmq.so.5")
    options.tests_dir = options.tests_dir.resolve()
    options.launcher = netns_launcher(options.netns)
    if options.netns == "on" and not options.launcher:
        parser.error("--netns on needs root (with CAP_SYS_ADMIN), unshare and ip")
    return options


def netns_launcher(choice):
    """The command prefix that runs pytest in a new network namespace with loopback up."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip") or shutil.which("/usr/sbin/ip")
    if choice == "off" or os.geteuid() != 0 or not unshare or not ip:
        return []
    # root without CAP_SYS_ADMIN (an unprivileged container) cannot make one
    if subprocess.run([unshare, "--net", ip, "link", "set", "lo", "up"],
                      capture_output=True).returncode != 0:
        return []
    return [unshare, "--net", "sh", "-c", f'{ip} link set lo up && exec "$0" "$@"']


def column_env(tmp, options, lib_dir=None, sanitizer_log=None):
    """The caller's environment less what could pick another library or package. For the
    "ours" column (lib_dir): LD_PRELOAD=--preload, and the sanitizers' reports go to files
    sanitizer_log.PID (pytest's fd capture would swallow a report on stderr whose process
    then halts)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD", "PYTHONPATH", "PYTHONHOME")}
    env.update(PYTHONPATH=str(HERE), PYTHONDONTWRITEBYTECODE="1", PYTHONNOUSERSITE="1",
               ZMQ_TEST_TIMEOUT=str(options.timeout), TMPDIR=str(tmp))
    if lib_dir is not None:
        env["LD_LIBRARY_PATH"] = str(lib_dir)
        if options.preload:
            env["LD_PRELOAD"] = str(options.preload)
    if sanitizer_log is not None:
        for name in SANITIZER_OPTIONS:  # the last log_path given wins
            env[name] = ":".join(filter(None, [env.get(name), f"log_path={sanitizer_log}"]))
    return env


def sanitizer_reports(sanitizer_log):
    """The report files sanitizer runtimes wrote (log_path=sanitizer_log: one per pid)."""
    return sorted(sanitizer_log.parent.glob(sanitizer_log.name + ".*"))


def print_sanitizer_reports(paths):
    """The first report's beginning, and the headline and summary of every report."""
    print(f"\nsanitizer reports in the 'ours' column: {len(paths)}")
    for number, path in enumerate(paths):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        print(f"--- {path} ({len(lines)} lines)")
        if number == 0:
            shown = lines[:SANITIZER_REPORT_LINES]
        else:
            shown = [line for line in lines if re.search(r"ERROR: |runtime error: |SUMMARY: ", line)]
        for line in shown:
            print("  " + line)
        if len(shown) < len(lines):
            print(f"  ... ({len(lines) - len(shown)} more lines in the file)")


def make_columns(options, work):
    """The columns to run, each with its own working directory, after the library check.
    The "ours" column's sanitizer reports go to options.sanitizer_log.PID."""
    specs = [("libzmq", None)] + ([] if options.baseline_only else [("ours", options.lib_dir)])
    output = options.junit_dir.resolve() if options.junit_dir else work / "junit"
    output.mkdir(parents=True, exist_ok=True)
    options.sanitizer_log = output / "ours-sanitizer"
    for stale in sanitizer_reports(options.sanitizer_log):
        stale.unlink()
    system_env = None
    columns, probes = [], {}
    for name, lib_dir in specs:
        workdir = work / name
        (workdir / "tmp").mkdir(parents=True)
        env = column_env(workdir / "tmp", options, lib_dir,
                         options.sanitizer_log if lib_dir is not None else None)
        system_env = system_env or env
        probes[name] = probe_library(env)
        describe_probe(name, probes[name])
        if lib_dir is not None:
            check_swapped(probes[name], lib_dir, probes["libzmq"])
        columns.append(Column(name, env, options, workdir, output, system_env))
    return columns


def main(argv=None):
    options = parse_options(argv)
    before = snapshot(options.tests_dir.parent)
    print("pytest runs " + ("in a network namespace of its own (loopback only)"
                            if options.launcher else "in this network namespace"), flush=True)
    with tempfile.TemporaryDirectory(prefix="pyzmq-suite-") as work:
        columns = make_columns(options, Path(work))
        outcomes = {}
        if options.ours_only:
            base, ours = columns
            outcomes["ours"] = ours.run_suite()
            base.say("running only the tests that did not pass on ours")
            outcomes["libzmq"] = base.recheck(outcomes["ours"], ours.node_of)
        else:
            run_columns(columns, outcomes, options.jobs)
        for column in columns:
            for note in column.notes:
                print(f"[{column.name}] note: {note}")
        if snapshot(options.tests_dir.parent) != before:
            print(f"warning: files under {options.tests_dir.parent} changed during the run")
        return report([(c.name, outcomes[c.name]) for c in columns],
                      read_differences(options.differences), options.ours_only,
                      sanitizer_reports(options.sanitizer_log))


def run_columns(columns, outcomes, jobs):
    """Each column's whole suite into outcomes, one column at a time or both at once."""
    threads = [threading.Thread(target=lambda c=c: outcomes.update({c.name: c.run_suite()}))
               for c in columns]
    for batch in ([threads] if jobs == 2 else [[t] for t in threads]):
        for thread in batch:
            thread.start()
        for thread in batch:
            thread.join()
    if len(outcomes) != len(columns):
        raise SystemExit("a column did not finish (see the error above)")


if __name__ == "__main__":
    sys.exit(main())
