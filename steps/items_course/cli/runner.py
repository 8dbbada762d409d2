"""Running one step's checks: pytest is the engine.

* ``run_in_terminal``: a cold run in this process, pytest's output on the terminal
  (`items-course check`).
* ``collect``: a run whose output is kept aside and whose verdict comes back as a
  ``CheckResult`` (`items-course hint`, watch mode).
* ``WarmRunner``: watch mode's runs, in a process that has imported pytest, the libraries and
  the course's checks once (see ``check_server``) and forks a fresh child for each run, so a
  run starts in a few hundredths of a second instead of a second. Where a process cannot fork
  (Windows), each run is a new process.

Every run goes through the same plugin as `pytest steps/0N --app-dir`, so its verdicts are
saved in the project's .items-course.json as any run's are. These runs leave out pytest's
auto-loaded plugins but Hypothesis's (and pytest-alembic's, for step 07): the checks use no
other, and loading them costs a quarter of a second per run.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from items_course.course import COURSE_ROOT, find_step
from items_course.saved_progress import FirstFailure

_OUTPUT_KEPT = 4000  # characters of pytest's output kept when no check could run


@dataclass(frozen=True)
class CheckRequest:
    """One run of some steps' checks against a project."""

    steps: tuple[str, ...]  # the steps' folders, ("04_crud",)
    app_dir: str
    course_command: str  # how the summary writes items-course's commands
    timeout: float

    def pytest_args(self) -> list[str]:
        """pytest's command line for this run."""
        steps = [find_step(folder) for folder in self.steps]
        plugins = ["-p", "hypothesispytest"]
        if any(step.folder == "07_alembic" for step in steps):
            plugins += ["-p", "pytest_alembic"]
        return [
            *(str(step.path) for step in steps),
            "--app-dir",
            self.app_dir,
            "--course-command",
            self.course_command,
            "--check-timeout",
            f"{self.timeout:g}",
            "--disable-plugin-autoload",
            *plugins,
        ]


@dataclass
class CheckResult:
    """What a run found."""

    exit_code: int
    passed: int
    failed: int
    first_failure: FirstFailure | None
    output: str  # the end of pytest's output, shown when no check could run
    seconds: float

    @property
    def passes(self) -> bool:
        return self.exit_code == 0 and self.failed == 0 and self.passed > 0

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> CheckResult:
        data = json.loads(text)
        failure = data.pop("first_failure")
        return cls(**data, first_failure=FirstFailure(**failure) if failure else None)


def run_in_terminal(request: CheckRequest) -> int:
    """Run the checks in this process, their output on the terminal; pytest's exit status."""
    import pytest

    with in_course_folder():
        return int(pytest.main(request.pytest_args()))


@contextlib.contextmanager
def in_course_folder() -> Iterator[None]:
    """Run pytest from the course's folder: it then names each check by its path in the
    course (steps/04_crud/tests/…), not by a path relative to the learner's folder
    (../../course/steps/…). The commands and paths the plugin prints are items-course's and
    absolute ones, so they still work where the learner typed the command."""
    previous = Path.cwd()
    os.chdir(COURSE_ROOT)
    try:
        yield
    finally:
        os.chdir(previous)


class _Verdicts:
    """A plugin for one run: reads the run's record of each check's verdict at its end."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0
        self.first_failure: FirstFailure | None = None

    def pytest_sessionfinish(self, session: Any) -> None:
        from items_course.shared_state import RUN_RECORD

        record = session.config.stash.get(RUN_RECORD, None)
        if record is None:
            return
        for tally in record.tallies().values():
            self.passed += tally.passed
            self.failed += tally.failed
            self.first_failure = self.first_failure or tally.first_failure


def collect(request: CheckRequest) -> CheckResult:
    """Run the checks in this process with their output kept aside; what they found."""
    import pytest

    started = time.perf_counter()
    verdicts = _Verdicts()
    with output_aside() as output, in_course_folder():
        try:
            exit_code = int(pytest.main(request.pytest_args(), plugins=[verdicts]))
        except SystemExit as stop:  # the plugin stops a run that lacks a package
            exit_code = stop.code if isinstance(stop.code, int) else 4
    text = output.text[-_OUTPUT_KEPT:]
    return CheckResult(
        exit_code,
        verdicts.passed,
        verdicts.failed,
        verdicts.first_failure,
        text if verdicts.passed + verdicts.failed == 0 else "",
        time.perf_counter() - started,
    )


@dataclass
class Output:
    """What a block wrote to stdout and stderr, once it has ended."""

    text: str = ""


@contextlib.contextmanager
def output_aside() -> Iterator[Output]:
    """Send this process's stdout and stderr (file descriptors 1 and 2, so the output of the
    checks' own subprocesses too) to a temporary file while the block runs."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    output = Output()
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as aside:
        os.dup2(aside.fileno(), 1)
        os.dup2(aside.fileno(), 2)
        try:
            yield output
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            aside.seek(0)
            output.text = aside.read()


class WarmRunner:
    """Runs checks in the warm check server (see check_server), one request at a time.

    ``start`` starts it; ``submit`` sends a request; the result arrives through
    ``on_result``, called from a thread of this object.
    """

    def __init__(self, on_result: Any) -> None:
        self._on_result = on_result
        environment = dict(os.environ, PYTHONUNBUFFERED="1")
        self._server = subprocess.Popen(
            [sys.executable, "-m", "items_course.cli.check_server"],
            cwd=COURSE_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=environment,
        )
        self._reader = threading.Thread(target=self._read, name="check-results", daemon=True)
        self._reader.start()

    def submit(self, request: CheckRequest) -> None:
        """Ask for a run; its CheckResult comes to on_result."""
        assert self._server.stdin is not None
        self._server.stdin.write(json.dumps(asdict(request)) + "\n")
        self._server.stdin.flush()

    def _read(self) -> None:
        assert self._server.stdout is not None
        for line in self._server.stdout:
            if line.strip():
                self._on_result(CheckResult.from_json(line))
        self._on_result(None)  # the server stopped

    def stop(self) -> None:
        """Stop the server (and a run in progress)."""
        with contextlib.suppress(OSError):
            if self._server.stdin is not None:
                self._server.stdin.close()
        try:
            self._server.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self._server.kill()
            self._server.wait()
