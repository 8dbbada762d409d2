"""A batch: the submissions of one or more exercises graded by one pool, and their outputs.

grade_batches hands every submission to the pool of workers (pool.py; what a worker does
with one is worker.py) and writes, per exercise, DIR/<submission>/results.json
(Gradescope's format), DIR/gradebook.csv, DIR/junit.xml and DIR/report.html, and
DIR/grader-errors.log when the grader itself failed somewhere (the learner's feedback
never shows its traceback).

The hidden tests are read from a private copy made for the batch, in a folder only root
may enter, under the scratch folder that no run can see (`private_material`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exercises import confine, pool, reports, sandbox
from exercises.spec import Exercise


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
