"""Grade submissions of one exercise: `python -m exercises.grade EXERCISE SUB [SUB ...] --out DIR`.

Each submission is graded in a worker process of the grader (trusted code only, see
pool.py: a worker that dies is replaced and its submission graded again) that copies the
submission to a private, size-capped temporary area and runs the submission's code there
in sandboxed child processes (see sandbox.py):

* kind "api": the app is served by uvicorn on 127.0.0.1 with a fresh database, and the
  exercise's hidden checks (tests/hidden/checks.py) speak HTTP to it; they run in the worker,
  never with the submission's folder on sys.path, each within its own time bound.
* kind "unit": the learner's tests run with pytest against the reference app and against
  mutants of it (see unitrun.py); only the exit status of each isolated run counts.

Outputs: DIR/<submission>/results.json (Gradescope's format) for each submission, and for
the batch DIR/gradebook.csv, DIR/junit.xml and DIR/report.html (and DIR/grader-errors.log
when the grader itself failed somewhere: the learner's feedback never shows its traceback).

The hidden tests are read from a private copy made for the batch, in a folder only root
may enter, under the scratch folder that no run can see (`private_material`).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import importlib.util
import os
import re
import shutil
import signal
import sqlite3
import stat
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

from exercises import confine, files, pool, reports, runner, sandbox
from exercises.harness import Api, CheckFunction, Failure, checks_of
from exercises.spec import Exercise, ExerciseError, load

# Files and folders of a submission that are copied for grading (everything else is ignored).
API_ENTRIES = ("app", "alembic", "alembic.ini")
MAX_SUBMISSION_BYTES = 5 * 1024 * 1024
REQUEST_TIMEOUT = 5.0
STARTUP_TIMEOUT = 15.0
MAX_SERVER_STARTS = 3
# What a check may read of the project: each file, and all of them together.
MAX_READ_BYTES = 4 * 1024 * 1024
MAX_SCAN_BYTES = 32 * 1024 * 1024
GRADER_ERROR = (
    "Not graded: the grader itself failed on this submission (its fault, not yours). It "
    "tried twice; your instructor has the details and will grade it again."
)


@dataclass
class Outcome:
    """The result of one graded test for one submission."""

    id: str
    title: str
    score: float
    max_score: float
    passed: bool
    output: str
    visibility: str


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


def private_material(exercise: Exercise, folder: Path) -> Exercise:
    """EXERCISE reading its hidden tests from a copy in FOLDER (root only when the grader
    runs as root): no path a run can see (its interpreter's, its sys.path) leads to the
    copy, and in namespaces the exercise's own folder is covered too. One copy per folder
    of hidden tests."""
    digest = hashlib.sha256(str(exercise.hidden_tests.resolve()).encode()).hexdigest()[:12]
    copy = folder / f"{exercise.name}-{digest}"
    if not copy.exists():
        shutil.copytree(exercise.hidden_tests, copy, ignore=shutil.ignore_patterns("__pycache__"))
        copy.chmod(0o700)
    return dataclasses.replace(exercise, material=copy)


def hidden_checks(exercise: Exercise) -> dict[str, CheckFunction]:
    """The hidden check of every test in exercise.toml, or ExerciseError naming the gaps."""
    found = checks_of(vars(hidden_module(exercise)))
    missing = [test.id for test in exercise.tests if test.id not in found]
    if missing:
        raise ExerciseError(f"{exercise.name}: no hidden check for {missing}")
    return found


# --- API exercises ------------------------------------------------------------------------
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


def last_lines(text: str, count: int = 15) -> str:
    """The last COUNT lines of TEXT, indented."""
    lines = text.strip().splitlines()[-count:]
    return "\n".join("    " + line for line in lines)


# `  File "/some/path.py", line 12, in name`: a frame of a Python traceback.
_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line \d+')


def learner_output(text: str, project: Path) -> str:
    """The app's output as the learner should read it: in each traceback, only the frames of
    the submission's own files (named relative to it, `app/crud.py`), and the error itself.

    uvicorn's and importlib's frames come before the learner's and would fill the lines kept
    of a long output, leaving out where the error is.
    """
    root = f"{project}/"
    kept: list[str] = []
    inside_other_code = False
    for line in text.splitlines():
        frame = _FRAME.match(line)
        if frame is not None:
            inside_other_code = not frame["path"].startswith(root)
            if not inside_other_code:
                kept.append(line.replace(root, ""))
            continue
        # A frame's source and caret lines are indented deeper than the frame itself; the
        # next unindented line (the error, or other output) ends the frame.
        if inside_other_code and line.startswith("    "):
            continue
        inside_other_code = False
        kept.append(line.replace(root, ""))
    return "\n".join(kept)


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
        outcomes.append(
            Outcome(
                id=test.id,
                title=test.title,
                score=test.points if passed else 0.0,
                max_score=test.points,
                passed=passed,
                output=message,
                visibility=test.visibility,
            )
        )
    return outcomes


# Folders an archive tool adds that are never the learner's project.
_NOT_A_PROJECT = ("__MACOSX",)


def locate_project(submission: Path, marker: str) -> tuple[Path, str | None]:
    """The folder of SUBMISSION that holds MARKER (app/, or tests/ for unit exercises):
    SUBMISSION itself, or its one folder that does, one or two levels down (a zip of the
    project folder, `01_put/app/`); with a note saying where it was found. No link is
    followed."""

    def holds(folder: Path) -> bool:
        with contextlib.suppress(OSError):
            return stat.S_ISDIR(os.lstat(folder / marker).st_mode)
        return False

    def folders(parent: Path) -> list[Path]:
        with contextlib.suppress(OSError), os.scandir(parent) as entries:
            return sorted(
                Path(entry.path)
                for entry in entries
                if entry.is_dir(follow_symlinks=False)
                and not entry.name.startswith(".")
                and entry.name not in _NOT_A_PROJECT
            )
        return []

    if holds(submission):
        return submission, None
    level = [submission]
    for _ in range(2):
        level = [child for parent in level for child in folders(parent)]
        found = [folder for folder in level if holds(folder)]
        if len(found) == 1:
            where = found[0].relative_to(submission).as_posix()
            return found[0], f"Graded the project in {where}/ (its {marker}/ folder is there)."
        if found:
            return submission, None  # several: which one is meant is not ours to guess
    return submission, None


def grade_api(exercise: Exercise, submission: Path, workdir: Path) -> tuple[list[Outcome], str]:
    """Grade an API exercise: (outcomes, a note for the whole submission)."""
    project = workdir / "project"
    private = workdir / "grader"
    private.mkdir(mode=0o700)
    user = sandbox.sandbox_user()
    submission, found = locate_project(submission, "app")
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


# --- one submission, in a worker ------------------------------------------------------------
def grade_one(exercise: Exercise, submission: str) -> tuple[dict[str, Any], str | None]:
    """Grade one submission folder in a new private area (see sandbox.submission_area);
    return (its results in Gradescope's format, the grader's own traceback or None).

    Never raises: a problem of the grader itself gives a result with score 0 and a note
    that says so, and the traceback is returned apart (for the instructor's log, never for
    the learner's feedback).
    """
    started = time.monotonic()
    path = Path(submission)
    problem: str | None = None
    try:
        with sandbox.submission_area(exercise.scratch_mb) as workdir:
            if exercise.kind == "api":
                outcomes, note = grade_api(exercise, path, workdir)
            else:
                from exercises import unitrun

                outcomes, note = unitrun.grade_unit(exercise, path, workdir)
    except Exception:
        problem = traceback.format_exc()
        outcomes = [
            Outcome(t.id, t.title, 0.0, t.points, False, "Not graded (grader error).", "visible")
            for t in exercise.tests
        ]
        note = GRADER_ERROR
    elapsed = time.monotonic() - started
    result = reports.results_json(exercise, [asdict(o) for o in outcomes], note, elapsed)
    if problem is not None:
        result["extra_data"] = {"grader_error": True}
    return result, problem


# --- the batch --------------------------------------------------------------------------------
def warm_up(unit_exercises: Sequence[Exercise], api: bool = False) -> None:
    """Prepare a worker once, not once per submission: imports, for API exercises (API) the
    runner that forks their commands, and for unit exercises the zygote and the app
    variants it serves."""
    import httpx  # noqa: F401
    import hypothesis  # noqa: F401

    sandbox.isolation()  # its probe starts a Python: once per worker, before any grading
    if api:
        runner.start(sandbox.CONFINE_SOURCE, sandbox.child_environment(Path("/tmp")))

    if unit_exercises:
        from exercises import unitrun

        for exercise in unit_exercises:
            unitrun.warm_up(exercise)


def infrastructure() -> frozenset[int]:
    """The processes of this worker that outlive a submission (the runner, the zygote)."""
    from exercises import unitrun

    return unitrun.infrastructure() | runner.pids()


def submission_names(submissions: Sequence[Path]) -> list[str]:
    """A distinct output folder name for each submission (its folder name, made unique)."""
    names: list[str] = []
    for path in submissions:
        base = path.resolve().name or "submission"
        name, counter = base, 2
        while name in names:
            name, counter = f"{base}-{counter}", counter + 1
        names.append(name)
    return names


@dataclass(frozen=True)
class Batch:
    """Submissions of one exercise, and the folder for their outputs."""

    exercise: Exercise
    submissions: Sequence[Path]
    out: Path


def grade_batches(
    batches: Sequence[Batch],
    jobs: int,
    progress: Callable[[int, int], None] | None = None,
    time_limit: float | None = None,
    *,
    sweep_orphans: bool = False,
) -> list[dict[str, dict[str, Any]]]:
    """Grade every batch with one pool of JOBS worker processes; write each batch's outputs.

    All submissions share the pool, in the order given, so a slow one (a hang cut off by the
    time limit) overlaps with the others. A worker that dies (or runs far past the time
    limit) is replaced, and the submission it held is graded again; one that fails twice
    is marked as a grader error, never silently zeroed. Returns, per batch, the results by
    output name (the submission's folder name, made unique). When runs could not be
    isolated from each other, each report.html says so first (see sandbox.isolation_note).

    SWEEP_ORPHANS (the command line, where the grader is the only thing this process runs):
    this process adopts the orphans of its workers and kills any left after the batch.
    """
    names = [submission_names(batch.submissions) for batch in batches]
    results: list[dict[str, dict[str, Any]]] = [{} for _ in batches]
    problems: list[list[tuple[str, str]]] = [[] for _ in batches]
    if sweep_orphans:
        with contextlib.suppress(OSError):
            confine.become_subreaper()
    with contextlib.ExitStack() as stack:
        root = stack.enter_context(sandbox.batch_root())
        if sweep_orphans:
            stack.callback(confine.sweep_children)
        material = root / "hidden"
        material.mkdir(mode=0o700)
        exercises: list[Exercise] = []
        for batch in batches:
            exercise = batch.exercise
            if time_limit is not None:
                exercise = dataclasses.replace(exercise, time_limit=time_limit)
            exercises.append(private_material(exercise, material))
        units = {e.hidden_tests: e for e in exercises if e.kind == "unit"}
        work = [
            pool.Job((number, name), exercises[number], str(path))
            for number, batch in enumerate(batches)
            for name, path in zip(names[number], batch.submissions, strict=True)
        ]
        # Probed here as in the workers (same user, same machine), while they start.
        warning = sandbox.isolation_note() or ""
        isolation = sandbox.isolation().describe()
        total = len(work)
        done = [0]

        def finished(job: pool.Job, result: dict[str, Any], problem: str | None) -> None:
            number, name = job.key
            results[number][name] = result
            if problem is not None:
                problems[number].append((name, problem))
            done[0] += 1
            if progress is not None:
                progress(done[0], total)

        api = any(exercise.kind == "api" for exercise in exercises)
        pool.Pool(max(1, jobs), root, list(units.values()), api).run(work, finished)
    ordered_batches = []
    for number, batch in enumerate(batches):
        ordered = {name: results[number][name] for name in names[number]}
        batch.out.mkdir(parents=True, exist_ok=True)
        for name, result in ordered.items():
            reports.write_results(batch.out / name / "results.json", result)
        reports.write_gradebook(batch.out / "gradebook.csv", batch.exercise, ordered)
        reports.write_junit(batch.out / "junit.xml", batch.exercise, ordered)
        reports.write_report(batch.out / "report.html", batch.exercise, ordered, warning, isolation)
        reports.write_problems(batch.out / "grader-errors.log", problems[number])
        ordered_batches.append(ordered)
    return ordered_batches


def grade_batch(
    exercise: Exercise,
    submissions: Sequence[Path],
    out: Path,
    jobs: int,
    progress: Callable[[int, int], None] | None = None,
    time_limit: float | None = None,
) -> dict[str, dict[str, Any]]:
    """Grade SUBMISSIONS with JOBS worker processes and write every output file under OUT.

    Returns the results by output name (the submission's folder name, made unique).
    """
    return grade_batches([Batch(exercise, submissions, out)], jobs, progress, time_limit)[0]


class ProgressBar:
    """A one-line progress bar on stderr (drawn only when stderr is a terminal)."""

    def __init__(self, label: str, width: int = 30) -> None:
        self.label = label
        self.width = width
        self.started = time.monotonic()
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        """Redraw the bar for DONE of TOTAL."""
        if not self.enabled:
            return
        filled = round(self.width * done / max(total, 1))
        elapsed = time.monotonic() - self.started
        bar = "#" * filled + "-" * (self.width - filled)
        sys.stderr.write(f"\r{self.label} [{bar}] {done}/{total} {elapsed:5.1f}s")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit status (0 when every submission was graded)."""
    parser = argparse.ArgumentParser(
        prog="python -m exercises.grade", description="Grade submissions of one exercise."
    )
    parser.add_argument("exercise", help="folder name under exercises/, e.g. 01_put")
    parser.add_argument("submissions", nargs="+", type=Path, help="folders shaped like starter/")
    parser.add_argument("--out", type=Path, required=True, help="folder for the results")
    parser.add_argument("--jobs", type=int, default=1, help="submissions graded at once")
    parser.add_argument(
        "--time-limit", type=float, default=None, help="seconds per submission (overrides toml)"
    )
    args = parser.parse_args(argv)
    try:
        exercise = load(args.exercise)
    except ExerciseError as error:
        parser.error(str(error))
    missing = [str(path) for path in args.submissions if not path.is_dir()]
    if missing:
        parser.error(f"not a folder: {', '.join(missing)}")
    print(sandbox.isolation().describe(), file=sys.stderr)
    warning = sandbox.isolation_note()
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    # Stopped (by a kill or a CI timeout), still stop the workers and remove the batch's
    # folder: SIGTERM ends the command the way Ctrl+C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    (results,) = grade_batches(
        [Batch(exercise, args.submissions, args.out)],
        max(1, args.jobs),
        ProgressBar(f"grading {exercise.name}"),
        args.time_limit,
        sweep_orphans=True,
    )
    errors = [name for name, result in results.items() if result.get("extra_data")]
    if errors:
        print(
            f"warning: the grader failed on {len(errors)} submission(s), twice each: "
            f"{', '.join(errors)}; see {args.out / 'grader-errors.log'}",
            file=sys.stderr,
        )
    scores = [result["score"] for result in results.values()]
    print(
        f"graded {len(scores)} submission(s) of {exercise.name}: "
        f"mean {sum(scores) / len(scores):.1f} / {exercise.max_score:g}; "
        f"results in {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
