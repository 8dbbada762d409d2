"""A grading worker: the process of the pool (pool.py) that grades one submission at a time.

It sets itself up once (warm_up: the imports, the runner of the API exercises' commands,
the zygote of the unit exercises), then grades each submission it is sent in a private
area of its own (grade_one): api.py for API exercises, unitrun.py for unit exercises. It
runs trusted code only; the submission's code runs in sandboxed children (sandbox.py).
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Sequence
from dataclasses import asdict
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from exercises import files, reports, runner, sandbox, unitrun
from exercises.api import grade_api
from exercises.outcome import GRADER_ERROR, Outcome
from exercises.spec import Exercise


def worker_main(conn: Connection, root: str, units: Sequence[Exercise], api: bool) -> None:
    """A worker: set itself up, say it is ready, then grade what it is sent until told to
    stop. Its first message is ("ready", uid or None); then one ("done", result, problem)
    per submission."""
    sandbox.enter_worker()
    area = Path(root) / f"worker-{os.getpid()}"
    area.mkdir(mode=0o711)
    sandbox.set_worker_area(area)
    try:
        warm_up(units, api)
        user = sandbox.sandbox_user()
        conn.send(("ready", user[0] if user else None))
        while True:
            try:
                job = conn.recv()
            except EOFError:
                break
            if job is None:
                break
            result, problem = grade_one(job.exercise, job.submission)
            sandbox.end_of_submission(infrastructure())
            conn.send(("done", result, problem))
    finally:
        unitrun.close_worker()
        runner.stop()
        sandbox.end_of_submission()
        files.remove_tree(area)


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


def warm_up(unit_exercises: Sequence[Exercise], api: bool = False) -> None:
    """Prepare a worker once, not once per submission: imports, for API exercises (API) the
    runner that forks their commands, and for unit exercises the zygote and the app
    variants it serves."""
    import httpx  # noqa: F401
    import hypothesis  # noqa: F401

    sandbox.isolation()  # its probe starts a Python: once per worker, before any grading
    if api:
        runner.start(sandbox.CONFINE_SOURCE, sandbox.child_environment(Path("/tmp")))

    for exercise in unit_exercises:
        unitrun.warm_up(exercise)


def infrastructure() -> frozenset[int]:
    """The processes of this worker that outlive a submission (the runner, the zygote)."""
    return unitrun.infrastructure() | runner.pids()
