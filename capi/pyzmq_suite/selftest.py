#!/usr/bin/python3
"""Checks run.py's machinery on the system libzmq, with real pytest processes: a crash or a
hang costs one test, the library check accepts a stand-in in --lib-dir and refuses when
LD_LIBRARY_PATH is not in effect, a junit file cut short counts as no file, the exit
status follows differences.txt, --ours-only rechecks on libzmq only what did not pass on
ours, and a real ASan report in the "ours" column fails the run even when every test
passed. Run: /usr/bin/python3 capi/pyzmq_suite/selftest.py"""
import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest
import unittest.mock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402

SYSTEM_LIBZMQ = "/usr/lib/x86_64-linux-gnu/libzmq.so.5"
# 12 tests in two files; the victim takes about a second (time enough for the observer,
# which polls), with three tests of its file before it and four after.
SELECTION = "TestContext and (test_instance or test_term) or test_version"
VICTIM = "zmq/tests/test_context.py::TestContext::test_instance_threadsafe"
# A stand-in suite: its tests pass, and one reads past a heap block at interpreter exit
# (after pytest has reported them all); memmove and malloc are ASan's with its runtime
# preloaded.
OVERFLOW_AT_EXIT_SUITE = """
import atexit, ctypes
import zmq

def test_version():
    assert zmq.zmq_version_info()[0] == 4

def test_overflow_at_exit():
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.memmove.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
    atexit.register(lambda: libc.memmove(libc.malloc(64), libc.malloc(16), 32))
"""


def clang_asan_runtime():
    """clang 14's shared ASan runtime, or None."""
    clang = shutil.which("clang++-14")
    if clang is None:
        return None
    path = subprocess.run([clang, "-print-file-name=libclang_rt.asan-x86_64.so"],
                          capture_output=True, text=True).stdout.strip()
    return path if os.path.isabs(path) and os.path.isfile(path) else None


def suite_column(work, extra=()):
    options = run.parse_options(["--baseline-only", "-k", SELECTION, *extra])
    return run.make_columns(options, Path(work))[0]


def do_to_victim(action):
    """An observer that does `action` to the pytest process when VICTIM starts."""
    def observe(event, process):
        if event["ev"] == "start" and event["nodeid"] == VICTIM:
            action(process)
    return observe


class CrashAndHang(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.TemporaryDirectory(prefix="pyzmq-suite-selftest-")
        self.addCleanup(self.work.cleanup)

    def check_one_lost(self, results, outcome, death):
        victim = run.test_id(VICTIM)
        self.assertEqual(results[victim].outcome, outcome)
        self.assertIn(f"process ended by {death} in this test", results[victim].message)
        others = {tid: r.outcome for tid, r in results.items() if tid != victim}
        self.assertEqual(others.pop("test_mypy"), "skipped")  # skipped at collection
        self.assertEqual(len(others), 11)
        self.assertEqual(set(others.values()), {"passed"}, others)

    def test_crash_costs_one_test(self):
        column = suite_column(self.work.name, ["--retries", "1"])
        column.observer = do_to_victim(lambda p: os.kill(p.pid, signal.SIGSEGV))
        results = column.run_suite()
        self.check_one_lost(results, "crashed", "SIGSEGV")
        # the suite, the rest of test_context.py, test_version.py, the victim's retry alone
        self.assertEqual(column.processes, 4)

    def test_hang_costs_one_test(self):
        saved = run.STALL_GRACE_SECONDS
        run.STALL_GRACE_SECONDS = 2
        self.addCleanup(setattr, run, "STALL_GRACE_SECONDS", saved)
        column = suite_column(self.work.name, ["--timeout", "1", "--retries", "0"])
        column.observer = do_to_victim(lambda p: os.kill(p.pid, signal.SIGSTOP))
        results = column.run_suite()
        self.check_one_lost(results, "timeout", "timeout")
        self.assertEqual(column.processes, 3)

    def test_a_file_that_dies_before_collection_costs_one_process(self):
        column = suite_column(self.work.name)
        runs = []

        def dies_at_once(paths, label, only=None, env=None, extra=()):
            runs.append(only)
            return run.Run({}, [], None, False, "SIGSEGV", Path("x.log"))
        column.pytest = dies_at_once
        nodeids = [f"zmq/tests/test_version.py::TestVersion::test_{n}" for n in ("a", "b")]
        results = {}
        column.settle_file("zmq/tests/test_version.py", nodeids, results)
        self.assertEqual(runs, [nodeids])
        self.assertEqual({r.outcome for r in results.values()}, {"crashed"})
        self.assertEqual(len(results), 2)
        message = results[run.test_id(nodeids[0])].message
        self.assertIn("SIGSEGV before this file was collected", message)

    def test_a_failure_that_passes_alone_is_flaky(self):
        column = suite_column(self.work.name)
        first = column.pytest([column.options.tests_dir], "suite")
        results = dict(first.results)
        victim = run.test_id(VICTIM)
        results[victim] = run.Result("failed", "made up")
        column.retry(results, {run.test_id(n): n for n in first.collected})
        self.assertEqual(results[victim].outcome, "flaky")
        self.assertIn("failed in the suite run (made up)", results[victim].message)


class LibraryCheck(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.TemporaryDirectory(prefix="pyzmq-suite-selftest-")
        self.addCleanup(self.work.cleanup)
        self.lib_dir = Path(self.work.name) / "lib"
        self.lib_dir.mkdir()
        (self.lib_dir / "libzmq.so.5").symlink_to(SYSTEM_LIBZMQ)
        options = run.parse_options(["--lib-dir", str(self.lib_dir)])
        self.system = run.probe_library(run.column_env(self.work.name, options))
        self.swapped = run.probe_library(run.column_env(self.work.name, options, self.lib_dir))

    def test_a_stand_in_in_lib_dir_is_accepted(self):
        self.assertEqual(self.swapped["loaded_as"], str(self.lib_dir / "libzmq.so.5"))
        self.assertEqual(self.swapped["mapped"], self.system["mapped"])
        run.check_swapped(self.swapped, self.lib_dir, self.system)

    def test_the_system_library_is_refused(self):
        with self.assertRaisesRegex(SystemExit, "refusing to run 'ours'"):
            run.check_swapped(self.system, self.lib_dir, self.system)


class OursColumn(unittest.TestCase):
    def setUp(self):
        self.work = Path(self.enterContext(
            tempfile.TemporaryDirectory(prefix="pyzmq-suite-selftest-")))
        self.lib_dir = self.work / "lib"
        self.lib_dir.mkdir()
        (self.lib_dir / "libzmq.so.5").symlink_to(SYSTEM_LIBZMQ)

    def test_ours_only_rechecks_on_libzmq_only_what_did_not_pass(self):
        options = run.parse_options(["--lib-dir", str(self.lib_dir), "--ours-only",
                                     "-k", SELECTION])
        base, ours = run.make_columns(options, self.work)
        results = ours.run_suite()
        victim = run.test_id(VICTIM)
        results[victim] = run.Result("failed", "made up")
        rechecked = base.recheck(results, ours.node_of)
        self.assertEqual({tid: r.outcome for tid, r in rechecked.items()},
                         {victim: "passed", "test_mypy": "skipped"})
        self.assertEqual(base.processes, 1)

    def test_preload_and_report_files_are_for_ours_only(self):
        options = run.parse_options(["--lib-dir", str(self.lib_dir), "--preload", SYSTEM_LIBZMQ])
        with unittest.mock.patch.dict(os.environ, {"ASAN_OPTIONS": "detect_leaks=0"}):
            ours = run.column_env(self.work, options, self.lib_dir, self.work / "report")
            system = run.column_env(self.work, options)
        self.assertEqual(ours["LD_PRELOAD"], SYSTEM_LIBZMQ)
        self.assertEqual(ours["ASAN_OPTIONS"], f"detect_leaks=0:log_path={self.work}/report")
        self.assertEqual(ours["UBSAN_OPTIONS"], f"log_path={self.work}/report")
        self.assertNotIn("LD_PRELOAD", system)
        self.assertEqual(system["ASAN_OPTIONS"], "detect_leaks=0")

    def test_an_asan_report_at_exit_fails_the_run(self):
        runtime = clang_asan_runtime()
        if runtime is None:
            self.skipTest("no clang++-14 shared ASan runtime")
        tests = self.work / "suite" / "zmq" / "tests"
        tests.mkdir(parents=True)
        (tests / "test_overflow.py").write_text(OVERFLOW_AT_EXIT_SUITE)
        output = io.StringIO()
        with unittest.mock.patch.dict(os.environ, {"ASAN_OPTIONS": "detect_leaks=0"}), \
                contextlib.redirect_stdout(output):
            status = run.main(["--lib-dir", str(self.lib_dir), "--ours-only", "--preload",
                               runtime, "--tests-dir", str(tests), "--differences", os.devnull,
                               "--junit-dir", str(self.work / "junit")])
        text = output.getvalue()
        self.assertIn("ours: 2 passed (2 tests)", text)
        self.assertIn("ERROR: AddressSanitizer: heap-buffer-overflow", text)
        self.assertIn("verdict: FAIL (1 sanitizer reports)", text)
        self.assertEqual(status, 1)


class Reading(unittest.TestCase):
    def test_a_junit_file_cut_short_is_no_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".xml") as f:
            f.write('<?xml version="1.0"?><testsuites><testsuite><testcase classname="a" ')
            f.flush()
            self.assertIsNone(run.read_junit(f.name))

    def test_exit_status_follows_differences(self):
        self.enterContext(contextlib.redirect_stdout(io.StringIO()))
        passed, failed = run.Result("passed"), run.Result("failed", "boom")
        base = {"t.a": passed, "t.b": passed, "t.c": failed}
        ours = {"t.a": passed, "t.b": failed, "t.c": passed}
        columns = [("libzmq", base), ("ours", ours)]
        self.assertEqual(run.report(columns, {}), 1)
        self.assertEqual(run.report(columns, {"t.b": "known"}), 0)
        missing = [("libzmq", base), ("ours", {"t.a": passed})]  # t.b did not run on ours
        self.assertEqual(run.report(missing, {}), 1)
        self.assertEqual(run.report(missing, {"t.b": "known"}), 0)

    def test_a_recheck_compares_only_what_it_ran(self):
        self.enterContext(contextlib.redirect_stdout(io.StringIO()))
        passed, failed = run.Result("passed"), run.Result("failed", "boom")
        ours = {"t.a": passed, "t.b": failed, "t.c": failed}
        base = {"t.b": passed, "t.c": failed}  # t.a passed on ours: not run on libzmq
        self.assertEqual(run.report([("libzmq", base), ("ours", ours)], {}, recheck=True), 1)
        self.assertEqual(run.report([("libzmq", base), ("ours", ours)], {"t.b": "known"},
                                    recheck=True), 0)
        everything_passed = [("libzmq", {}), ("ours", {"t.a": passed})]
        self.assertEqual(run.report(everything_passed, {}, recheck=True), 0)

    def test_a_sanitizer_report_fails_a_run_that_otherwise_passes(self):
        output = self.enterContext(contextlib.redirect_stdout(io.StringIO()))
        passed = run.Result("passed")
        with tempfile.NamedTemporaryFile("w", suffix=".123") as f:
            f.write("==123==ERROR: AddressSanitizer: heap-use-after-free\n")
            f.flush()
            columns = [("libzmq", {"t.a": passed}), ("ours", {"t.a": passed})]
            self.assertEqual(run.report(columns, {}, sanitizer_reports=[Path(f.name)]), 1)
        self.assertIn("heap-use-after-free", output.getvalue())


if __name__ == "__main__":
    unittest.main(verbosity=2)
