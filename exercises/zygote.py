"""The zygote of a grading worker: it forks one sandboxed pytest run per request (unitrun.py).

Never imported: unitrun.py starts it with `python -I -c`, the text of confine.py followed
by this file's, so that it knows nothing of the repository (confine's names, `enter`,
`die_with` and the rest, are defined by the text before this one; the import below under
TYPE_CHECKING only tells ruff and mypy where they come from). Hence no
`from __future__ import annotations` here: it may only open a file, and this text follows
confine.py's.

It imports pytest, Hypothesis, FastAPI and SQLAlchemy once and freezes its heap, then
reads one JSON job a line on stdin. Each job names the app variant to run the learner's
tests against: the zygote forks one "target" per variant, which imports that variant's app
(grader code, never the learner's); a run forks from its target, confines itself
(confine.enter) and runs pytest. The answer, one JSON line on stdout, is the run's exit
code, whether it timed out, and the CPU time it used.

argv: [1] the folder of Hypothesis's Unicode tables, [2] the pid of the worker that
started the zygote (it dies with that worker).
"""

import contextlib
import gc
import importlib
import json
import os
import select
import signal
import sys
import time
from typing import IO, TYPE_CHECKING, Any

# What every run needs, imported once: each run forks with these in memory.
import _hypothesis_pytestplugin  # type: ignore[import-untyped]  # noqa: F401
import _pytest.capture
import _pytest.fixtures
import _pytest.junitxml
import _pytest.logging
import _pytest.main
import _pytest.python
import _pytest.runner
import _pytest.skipping
import _pytest.terminal
import _pytest.threadexception
import _pytest.tmpdir
import _pytest.unittest
import _pytest.unraisableexception
import _pytest.warnings  # noqa: F401
import anyio._backends._asyncio  # noqa: F401
import fastapi
import fastapi.testclient  # noqa: F401
import httpx  # noqa: F401
import hypothesis  # noqa: F401
import pydantic  # noqa: F401
import pytest
import sqlalchemy
import sqlalchemy.orm
import sqlalchemy.pool  # noqa: F401
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.internal.charmap import charmap, intervals_from_codec

if TYPE_CHECKING:
    from exercises.confine import (
        SANDBOX_FAILED,
        become_subreaper,
        close_fds_except,
        die_with,
        enter,
        kill_user,
        sweep_children,
    )


def run(job: dict[str, Any]) -> None:
    """In the forked run: confine this process, then run pytest as the job says; never
    returns."""
    os.setsid()
    out = os.open(job["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.closerange(3, 65536)
    try:
        # Limits, seccomp, its own user and (as root) namespaces: see confine.py.
        enter(dict(job["sandbox"], deadline=job["deadline"]))
    except Exception as error:
        os.write(2, f"The grader could not confine this run: {error}\n".encode())
        os._exit(SANDBOX_FAILED)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # as a fresh interpreter does (EFBIG)
    os.chdir(job["cwd"])
    # Hypothesis keeps its files in the run's own folder, not in a place runs share.
    set_hypothesis_home_dir(os.path.join(job["cwd"], ".hypothesis"))
    os.environ.clear()
    os.environ.update(job["env"])
    sys.stdin = open(os.devnull)  # noqa: SIM115 (the run's stdin until it ends)
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    sys.path[:0] = job["path"]
    sys.argv = ["pytest"]
    code = pytest.main(job["args"])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(code))


def fork_run(job: dict[str, Any]) -> dict[str, Any]:
    """Fork one run of JOB and wait for it (killing it at its deadline): its answer."""
    job["deadline"] = deadline = time.monotonic() + job["timeout"]
    pid = os.fork()
    if pid == 0:
        try:
            run(job)
        finally:
            os._exit(70)
    # In namespaces the run's supervisor kills it at the deadline: this is the fallback.
    grace = 2.0 if job["sandbox"]["isolate"] or job["sandbox"]["bwrap"] else 0.0
    fd = os.pidfd_open(pid)
    while True:
        left = deadline + grace - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            break
    timed_out = time.monotonic() >= deadline
    os.close(fd)
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    _, status, usage = os.wait4(pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    # What the run left: orphans come back here (a subreaper), and without namespaces the
    # processes of its user may live elsewhere too. None may see the next run.
    sweep_children()
    isolated = job["sandbox"]["isolate"] or job["sandbox"]["bwrap"]
    if not isolated and job["sandbox"]["uid"] is not None:
        kill_user(job["sandbox"]["uid"])
    return {"code": os.waitstatus_to_exitcode(status), "timed_out": timed_out, "cpu": cpu}


def target(app_dir: str, commands: int, answers: int) -> None:
    """One app variant (grader code), imported once; every run of it forks from here."""
    become_subreaper()
    sys.path.insert(0, app_dir)
    try:
        for name in sorted(os.listdir(os.path.join(app_dir, "app"))):
            if name.endswith(".py"):
                importlib.import_module("app" if name == "__init__.py" else "app." + name[:-3])
    except BaseException:
        for name in [n for n in sys.modules if n == "app" or n.startswith("app.")]:
            del sys.modules[name]
    sys.path.remove(app_dir)
    scan_constants()
    gc.collect()
    gc.freeze()
    reader = os.fdopen(commands, "r")
    writer = os.fdopen(answers, "w")
    for line in reader:
        writer.write(json.dumps(fork_run(json.loads(line))) + "\n")
        writer.flush()
    os._exit(0)


def start_target(app_dir: str) -> tuple[int, IO[str], IO[str]]:
    """Fork the target of APP_DIR: (its pid, the pipe to send it jobs, the one it answers on)."""
    commands, to_target = os.pipe()
    from_target, answers = os.pipe()
    zygote = os.getpid()
    pid = os.fork()
    if pid == 0:
        try:
            die_with(zygote)
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, 0)
            os.dup2(null, 1)
            close_fds_except(commands, answers)
            target(app_dir, commands, answers)
        finally:
            os._exit(70)
    os.close(commands)
    os.close(answers)
    return pid, os.fdopen(to_target, "w"), os.fdopen(from_target, "r")


def scan_constants() -> None:
    """Hypothesis collects constants from the source of every "local" module it has not seen
    yet, checking each loaded module once (tens of ms): mark the loaded ones as seen now."""
    try:
        from hypothesis.internal.conjecture.providers import _get_local_constants

        _get_local_constants()
    except Exception:
        pass


def main() -> None:
    """Warm up, then answer each job of stdin on stdout, in order."""
    # Hypothesis builds its Unicode tables on first use: the categories (tens of ms) and, for
    # st.text(), the characters UTF-8 can encode (seconds). Once, here, not per run: kept in
    # memory for the runs, and on disk in the grader's own cache folder (sys.argv[1]) for the
    # next zygote. A run could neither write them (its own user) nor keep them (a fresh folder).
    die_with(int(sys.argv[2]))  # the worker that started this zygote
    set_hypothesis_home_dir(sys.argv[1])
    charmap()
    intervals_from_codec("utf-8")
    set_hypothesis_home_dir(None)
    scan_constants()
    gc.collect()
    gc.freeze()
    targets: dict[str, tuple[int, IO[str], IO[str]]] = {}
    for line in sys.stdin:
        job = json.loads(line)
        key = job["target"]
        if key not in targets:
            targets[key] = start_target(job["app_dir"])
        pid, to_target, from_target = targets[key]
        answer = ""
        try:
            to_target.write(line)
            to_target.flush()
            answer = from_target.readline()
        except OSError:
            pass
        if not answer:  # the target died: forget it (the next job starts it again)
            del targets[key]
            for close in (to_target.close, from_target.close):
                with contextlib.suppress(OSError):
                    close()
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            answer = json.dumps({"code": None, "timed_out": False}) + "\n"
        sys.stdout.write(answer)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
