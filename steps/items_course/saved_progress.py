"""The learner's saved progress: ``.items-course.json`` in the learner's project folder.

Every run of the checks against a learner's project (``items-course``, or plain
``pytest steps/… --app-dir``) records each step it ran: passed or failed, when, the first
failure's message, and a fingerprint of the project's files at the start of the run (so
``items-course hint`` knows whether that message is still about the code as it is).
``items-course list`` and watch mode read it.

A step is saved as passed only when all its checks ran; a run that left some out (-m, -k)
and found no failure changes nothing. Runs against the course's own snapshots save nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from items_course.course import COURSE_ROOT, PROGRESS_FILE, all_steps

FORMAT = 1
# The course's own folders: their snapshots are no learner's project.
_COURSE_FOLDERS = ("steps", "final", "exercises")
# What the fingerprint of a project covers: the files the steps ask the learner to write.
_LEARNER_PATHS = ("app", "alembic", "alembic.ini")


@dataclass
class FirstFailure:
    """The first check of a step that failed, and its message as the learner saw it."""

    check: str
    message: str
    headline: str


@dataclass
class StepResult:
    """One step's verdict in the last run that checked it."""

    status: str  # "passed" or "failed"
    passed: int
    failed: int
    when: str  # ISO 8601, UTC
    fingerprint: str  # of the project's files when that run started
    first_failure: FirstFailure | None = None


@dataclass
class RunTally:
    """What one run saw of a step, before it is saved."""

    passed: int = 0
    failed: int = 0
    left_out: int = 0
    first_failure: FirstFailure | None = None


@dataclass
class Progress:
    """The saved verdicts of a project, by step folder."""

    steps: dict[str, StepResult] = field(default_factory=dict)

    def status(self, step_folder: str) -> str:
        """'passed', 'failed' or 'not tried'."""
        result = self.steps.get(step_folder)
        return result.status if result is not None else "not tried"

    def current_step(self) -> str:
        """The first step not passed yet (the last step once every one has passed)."""
        folders = [step.folder for step in all_steps()]
        for folder in folders:
            if self.status(folder) != "passed":
                return folder
        return folders[-1]

    def passed_count(self) -> int:
        return sum(1 for step in all_steps() if self.status(step.folder) == "passed")


def progress_file(project: Path) -> Path:
    return project / PROGRESS_FILE


def is_learner_project(project: Path) -> bool:
    """False for the course's own snapshots (steps/0N_name, final/, exercises/…)."""
    resolved = project.resolve()
    return not any(resolved.is_relative_to(COURSE_ROOT / folder) for folder in _COURSE_FOLDERS)


def load(project: Path) -> Progress:
    """The saved progress of PROJECT (empty if none was saved, or the file is unreadable)."""
    try:
        data = json.loads(progress_file(project).read_text(encoding="utf-8"))
        saved = data["steps"]
        steps = {}
        for folder, result in saved.items():
            failure = result.pop("first_failure", None)
            steps[folder] = StepResult(
                **result, first_failure=FirstFailure(**failure) if failure else None
            )
        return Progress(steps)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        # A missing file is a project never checked; a damaged one is rewritten whole by the
        # next run (it holds nothing the next runs cannot find again).
        return Progress()


def record(project: Path, tallies: dict[str, RunTally], fingerprint: str) -> None:
    """Save the verdicts of one run's TALLIES into PROJECT's progress file."""
    if not tallies or not is_learner_project(project):
        return
    progress = load(project)
    when = datetime.now(UTC).isoformat(timespec="seconds")
    for folder, tally in tallies.items():
        if tally.failed:
            status = "failed"
        elif tally.passed and not tally.left_out:
            status = "passed"
        else:
            continue  # part of the step ran and passed: that says nothing about the rest
        progress.steps[folder] = StepResult(
            status, tally.passed, tally.failed, when, fingerprint, tally.first_failure
        )
    _write(project, progress)


def _write(project: Path, progress: Progress) -> None:
    data = {
        "format": FORMAT,
        "about": "Saved by the Items API course's checks (items-course); safe to delete.",
        "steps": {folder: asdict(result) for folder, result in sorted(progress.steps.items())},
    }
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    # Written whole, then renamed: a run stopped half-way never leaves half a file.
    handle, temporary = tempfile.mkstemp(dir=project, prefix=".items-course-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, progress_file(project))
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        # A project folder that cannot be written to still gets its checks; only the saved
        # progress is lost.


def fingerprint(project: Path) -> str:
    """A digest of the names, sizes and times of the learner's files in PROJECT."""
    digest = hashlib.sha256()
    for path in sorted(_learner_files(project)):
        try:
            stat = path.stat()
        except OSError:
            continue
        relative = path.relative_to(project).as_posix()
        digest.update(f"{relative}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _learner_files(project: Path) -> Iterable[Path]:
    for name in _LEARNER_PATHS:
        path = project / name
        if path.is_file():
            yield path
        elif path.is_dir():
            for file in path.rglob("*"):
                if file.is_file() and "__pycache__" not in file.parts:
                    yield file


@dataclass
class RunRecord:
    """What one run saw of the steps' checks, gathered report by report."""

    outcomes: dict[str, str] = field(default_factory=dict)  # nodeid -> "passed" or "failed"
    steps: dict[str, str] = field(default_factory=dict)  # nodeid -> its step
    first_failures: dict[str, FirstFailure] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)

    def add(self, step: str, nodeid: str, when: str, outcome: str, message: str, why: str) -> None:
        """One phase's report (setup, call or teardown) of a check of STEP.

        A check counts once: failed if any of its phases failed, passed if its call passed.
        """
        self.steps[nodeid] = step
        if outcome == "failed":
            self.outcomes[nodeid] = "failed"
            if step not in self.first_failures:
                check = nodeid.rpartition("::")[2]
                self.first_failures[step] = FirstFailure(check, message, why)
        elif when == "call" and outcome == "passed" and nodeid not in self.outcomes:
            self.outcomes[nodeid] = "passed"

    def leave_out(self, step: str) -> None:
        """A check of STEP that -m or -k left out."""
        self.left_out[step] = self.left_out.get(step, 0) + 1

    def tallies(self) -> dict[str, RunTally]:
        """The run's count of each step."""
        tallies: dict[str, RunTally] = {}
        for nodeid, outcome in self.outcomes.items():
            step_tally = tallies.setdefault(self.steps[nodeid], RunTally())
            if outcome == "failed":
                step_tally.failed += 1
            else:
                step_tally.passed += 1
        for step, count in self.left_out.items():
            tallies.setdefault(step, RunTally()).left_out = count
        for step, failure in self.first_failures.items():
            tallies[step].first_failure = failure
        return tallies
