"""Grading an API exercise: the app served in the sandbox, the hidden checks speaking HTTP to it.

The submission's project is copied into the grader's private area (files.copy_in) and
served by uvicorn on 127.0.0.1 with a fresh database (sandbox.Server); the exercise's hidden
checks (tests/hidden/checks.py, loaded here from the batch's private copy) run in the
worker, never with the submission's folder on sys.path, each within its own time bound,
and reach the app only through the `Context` they are given (GradingContext).
"""

from __future__ import annotations

import contextlib
import importlib.util
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType, ModuleType

from exercises import files, sandbox
from exercises.harness import Api, CheckFunction, Failure, checks_of
from exercises.outcome import Outcome, last_lines, learner_output, outcome_of
from exercises.spec import Exercise, ExerciseError

# Files and folders of a submission that are copied for grading (everything else is ignored).
API_ENTRIES = ("app", "alembic", "alembic.ini")
MAX_SUBMISSION_BYTES = 5 * 1024 * 1024
REQUEST_TIMEOUT = 5.0
STARTUP_TIMEOUT = 15.0
MAX_SERVER_STARTS = 3
# What a check may read of the project: each file, and all of them together.
MAX_READ_BYTES = 4 * 1024 * 1024
MAX_SCAN_BYTES = 32 * 1024 * 1024


# --- loading the hidden checks (trusted code, in the worker) ------------------------------
_LOADED: dict[str, ModuleType] = {}


def hidden_module(exercise: Exercise) -> ModuleType:
    """Import the exercise's tests/hidden/checks.py (the batch's private copy) under a
    private module name."""
    path = exercise.hidden_tests / "checks.py"
    if str(path) not in _LOADED:
        name = f"_hidden_checks_{exercise.name}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ExerciseError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        _LOADED[str(path)] = module
    return _LOADED[str(path)]


def hidden_checks(exercise: Exercise) -> dict[str, CheckFunction]:
    """The hidden check of every test in exercise.toml, or ExerciseError naming the gaps."""
    found = checks_of(vars(hidden_module(exercise)))
    missing = [test.id for test in exercise.tests if test.id not in found]
    if missing:
        raise ExerciseError(f"{exercise.name}: no hidden check for {missing}")
    return found


class GradingContext:
    """The `Context` a hidden check gets: the app over HTTP and the project folder."""

    def __init__(
        self, exercise: Exercise, project: Path, deadline: float, private: Path | None = None
    ) -> None:
        self.exercise = exercise
        self._project = project
        self.deadline = deadline
        self.user = sandbox.sandbox_user()
        self.limits = sandbox.Limits.of(exercise)
        # Where the grader copies what it reads of the project (root only): not in sight of
        # the app, which could swap the file for a link between a check and sqlite3.
        self._private = private or Path(tempfile.mkdtemp(prefix="grader-private-"))
        self._private.chmod(0o700)
        self.server: sandbox.Server | None = None
        self._api: Api | None = None
        self.startup_problem: str | None = None
        self._watchdog = threading.Timer(max(deadline - time.monotonic(), 0), self._time_up)
        self._watchdog.daemon = True
        self._watchdog.start()
        self.timed_out = False

    @property
    def project(self) -> Path:
        """The grader's private copy of the submission."""
        return self._project

    def remaining(self) -> float:
        """Seconds left before this submission's time limit."""
        return self.deadline - time.monotonic()

    def _time_up(self) -> None:
        self.timed_out = True
        if self.server is not None:
            self.server.stop()

    @property
    def api(self) -> Api:
        """A client for the running app; starts (or restarts) the app when needed."""
        if self.server is not None and self.server.alive and self._api is not None:
            return self._api
        if self.timed_out:
            raise Failure(self.time_limit_message())
        if self.startup_problem is not None:
            raise Failure(self.startup_problem)
        if self.server is not None and self.server.starts >= MAX_SERVER_STARTS:
            raise Failure(
                f"The app stopped {self.server.starts} times; it was not started again. "
                + self.why_gone()
            )
        if self.server is None:
            self.server = sandbox.Server(
                self.project,
                limits=self.limits,
                output_limit=self.exercise.output_limit,
                user=self.user,
            )
        self.server.start()
        problem = self.server.wait_ready(min(STARTUP_TIMEOUT, max(self.remaining(), 0)), "/")
        if problem is not None:
            output = last_lines(learner_output(self.server.output(), self.project))
            self.startup_problem = problem + (f"\nIts output:\n{output}" if output else "")
            self.server.stop()
            raise Failure(self.startup_problem)
        if self._api is not None:
            self._api.close()
        self._api = Api(self.server.base_url, REQUEST_TIMEOUT, self)
        return self._api

    def why_gone(self) -> str:
        """Why the server no longer answers, for a failure message."""
        if self.server is None:
            return ""
        if self.timed_out:
            return self.time_limit_message()
        # The connection can drop a moment before the dying process is reaped: on a busy
        # machine, give it up to two seconds before concluding it still runs.
        deadline = time.monotonic() + 2.0
        while self.server.alive and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.server.alive:
            return ""
        ended = self.server.finished()
        output = last_lines(learner_output(ended.output, self.project))
        text = f"The app process {ended.describe()}"
        if ended.returncode is not None and ended.returncode >= 0:
            text += " (did the code call sys.exit() or os._exit()?)"
        return text + "." + (f"\nIts last output:\n{output}" if output else "")

    def time_limit_message(self) -> str:
        """The message of a test that could not run because time ran out."""
        return (
            f"Not graded: this submission used up its time limit of "
            f"{self.exercise.time_limit:.0f} s (some request hung, the app is very slow, or "
            "it left more data than the checks could go through)."
        )

    def check_time_message(self, limit: float) -> str:
        """The message of a check stopped by its own time bound."""
        return (
            f"Not graded: this check did not finish within {limit:.0f} s, the most one check "
            "may take. The app answered too slowly, or it stored or printed more than the "
            "check could go through in that time."
        )

    def run_python(self, *args: str, timeout: float = 30) -> tuple[int | None, str]:
        """Run `python -I ARGS` in the project folder, in the sandbox: (exit code, output)."""
        budget = min(timeout, self.remaining())
        if budget <= 0:
            raise Failure(self.time_limit_message())
        ended = sandbox.run_limited(
            [sys.executable, "-I", *args],
            cwd=self.project,
            limits=self.limits,
            timeout=budget,
            output_limit=self.exercise.output_limit,
            user=self.user,
        )
        if ended.timed_out:
            return None, ended.output
        return ended.returncode, ended.output

    def stop_server(self) -> None:
        """Stop the app; the next use of `api` starts it again on the same files."""
        if self.server is not None:
            self.server.stop()
            self.server.starts -= 1  # a planned stop does not count as a crash

    def database_copy(self, name: str = "app.db") -> Path | None:
        """A private copy of the project's SQLite file NAME, with its journal (see Context)."""
        folder = Path(tempfile.mkdtemp(dir=self._private))
        for suffix in ("", "-wal", "-journal"):
            try:
                data = files.read_file(self.project, name + suffix, MAX_READ_BYTES)
            except files.Refused as refused:
                if not suffix:
                    raise Failure(
                        f"The grader could not read the app's database: {refused}. Keep "
                        f"{name} a plain file in the project folder (no link), as SQLite "
                        "writes it."
                    ) from None
                continue
            if data is None:
                if not suffix:
                    return None
                continue
            (folder / (name + suffix)).write_bytes(data)
        return folder / name

    def put_file(self, name: str, data: bytes) -> None:
        """Replace the project's file NAME by DATA, for the app's user (see Context)."""
        files.write_file(self.project, name, data, self.user)

    def remove_file(self, name: str) -> None:
        """Remove the project's file NAME if it is there (see Context)."""
        files.remove_file(self.project, name)

    def project_files(self) -> files.Scan:
        """The project's regular files and what was refused (see Context)."""
        return files.scan(
            self.project,
            skip=files.SKIPPED_NAMES,
            file_limit=MAX_READ_BYTES,
            total_limit=MAX_SCAN_BYTES,
        )

    def close(self) -> None:
        """Stop everything this context started."""
        self._watchdog.cancel()
        if self._api is not None:
            self._api.close()
        if self.server is not None:
            self.server.stop()
        files.remove_tree(self._private)


class CheckTimeout(BaseException):
    """Raised inside a check that ran past its time bound (a BaseException, so that no
    `except Exception` of the check can swallow it)."""


@contextlib.contextmanager
def time_bound(seconds: float) -> Iterator[None]:
    """Raise CheckTimeout in the block when it runs longer than SECONDS (wall clock).

    A signal interrupts any Python code and any blocking call (a request, a wait), so a
    check that loops in the grader is stopped too, not only the app. In the main thread
    only (signals are delivered there): elsewhere the submission's deadline still holds.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def ring(signum: int, frame: FrameType | None) -> None:
        raise CheckTimeout

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_checks(
    exercise: Exercise,
    checks: dict[str, CheckFunction],
    context: GradingContext,
) -> list[Outcome]:
    """Run every test's check in exercise.toml order, each within its time bound; one
    check's failure never stops the rest."""
    outcomes = []
    for test in exercise.tests:
        passed, message = False, ""
        # A second past the submission's deadline: at the deadline the watchdog stops the
        # app, and a check waiting on it fails with a message that says what hung.
        bound = min(exercise.check_time_limit, context.remaining() + 1.0)
        if context.remaining() <= 0 or context.timed_out:
            message = context.time_limit_message()
        else:
            try:
                with time_bound(bound):
                    checks[test.id](context)
                passed = True
            except CheckTimeout:
                timed_out = context.timed_out or context.remaining() <= 0
                message = (
                    context.time_limit_message() if timed_out else context.check_time_message(bound)
                )
            except Failure as failure:
                message = str(failure)
                if context.timed_out:
                    message = context.time_limit_message()
            except sqlite3.DatabaseError as error:  # what the app left is not a database
                message = (
                    "The app's database could not be read: SQLite says "
                    f"{str(error)!r}. Keep app.db the SQLite file the app writes."
                )
            except Exception as error:  # a check's own bug or an unexpected answer shape
                message = f"Could not be graded: {type(error).__name__}: {error}"
                if context.timed_out:
                    message = context.time_limit_message()
        outcomes.append(outcome_of(test, passed, message))
    return outcomes


def grade_api(exercise: Exercise, submission: Path, workdir: Path) -> tuple[list[Outcome], str]:
    """Grade an API exercise: (outcomes, a note for the whole submission)."""
    project = workdir / "project"
    private = workdir / "grader"
    private.mkdir(mode=0o700)
    user = sandbox.sandbox_user()
    submission, found = files.locate_project(submission, "app")
    copied = files.copy_in(
        submission, project, API_ENTRIES, owner=user, budget=MAX_SUBMISSION_BYTES
    )
    notes = ([found] if found else []) + list(copied.notes)
    if not (project / "app").is_dir():
        notes.append("The submission has no app/ folder: nothing could be graded.")
    checks = hidden_checks(exercise)
    deadline = time.monotonic() + exercise.time_limit
    context = GradingContext(exercise, project, deadline, private)
    try:
        outcomes = run_checks(exercise, checks, context)
    finally:
        context.close()
    tap = context.server.tap if context.server is not None else None
    if tap is not None and tap.overflowed:
        notes.append(
            f"The app printed {tap.total} bytes; only the first {exercise.output_limit} were kept."
        )
    if context.startup_problem:
        notes.append(context.startup_problem)
    elif context.timed_out:
        notes.append(context.time_limit_message())
    return outcomes, "\n".join(notes)
