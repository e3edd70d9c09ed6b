"""pytest plugin loaded by run.py (`-p suite_events`, this folder on PYTHONPATH).

It writes one JSON line per step to the file named by $SUITE_EVENTS as the step happens
(flushed at once), so a run whose interpreter dies still tells which tests finished, how,
and which one was running. If $SUITE_ONLY names a file of node ids (one a line), only
those tests run (exact match, unlike --deselect, which matches prefixes)."""
import json
import os
import time

import pytest

_events = None


def _emit(**fields):
    if _events is not None:
        _events.write(json.dumps(fields) + "\n")
        _events.flush()


def _short_message(report):
    """The one line a person wants: a skip's reason or a failure's exception."""
    longrepr = report.longrepr
    if longrepr is None:
        return ""
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")  # as junit words it
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None and getattr(crash, "message", None):
        return crash.message.splitlines()[0][:300]
    lines = str(longrepr).strip().splitlines()
    return lines[-1][:300] if lines else ""


def pytest_configure(config):
    global _events
    path = os.environ.get("SUITE_EVENTS")
    if path:
        _events = open(path, "a", encoding="utf-8")
    _emit(ev="configure", pid=os.getpid(), t=time.time())


def pytest_collection_modifyitems(config, items):
    path = os.environ.get("SUITE_ONLY")
    if not path:
        return
    with open(path, encoding="utf-8") as f:
        wanted = set(f.read().splitlines())
    dropped = [item for item in items if item.nodeid not in wanted]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item.nodeid in wanted]


def pytest_collection_finish(session):
    _emit(ev="collected", nodeids=[item.nodeid for item in session.items])


def pytest_collectreport(report):
    if report.outcome != "passed":
        _emit(ev="collectreport", nodeid=report.nodeid, outcome=report.outcome,
              message=_short_message(report))


def pytest_runtest_logstart(nodeid, location):
    _emit(ev="start", nodeid=nodeid, t=time.time())


def pytest_runtest_logreport(report):
    _emit(ev="report", nodeid=report.nodeid, when=report.when, outcome=report.outcome,
          xfail=hasattr(report, "wasxfail"), message=_short_message(report))


def pytest_runtest_logfinish(nodeid, location):
    _emit(ev="finish", nodeid=nodeid)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    _emit(ev="sessionfinish", exitstatus=int(exitstatus))
