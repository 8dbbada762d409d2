"""A pool of grading workers that no submission can break for the others.

The batch's submissions are graded by JOBS worker processes (started with `spawn`, so they
share nothing with the caller), one submission at a time each. The parent hands out the
submissions in order and watches every worker:

* a worker that dies (killed by the system for its memory, by a signal, or by code that
  escaped the sandbox), or that runs far past the submission's time limit, is killed with
  everything it started and replaced by a fresh one; the submission it held is graded
  again there. A submission that fails twice, or on which the grader itself failed twice,
  gets a result that says "grader error" (never a silent zero), and the others are not
  affected: they were never in that worker;
* a worker sweeps, after each submission, every process the submission's runs left (see
  sandbox.end_of_submission); the processes of the uid it ran them as are killed again
  after the batch, unless another grader holds that uid by then.

This is the grading half of the batch: worker.py says what a worker does with one
submission, batch.py hands the pool its submissions and writes the outputs.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from exercises import files, reports, sandbox
from exercises.outcome import GRADER_ERROR
from exercises.spec import Exercise
from exercises.worker import worker_main

# Seconds a worker may take beyond a submission's time limit before it is deemed stuck
# (the sandbox and the checks' own bounds end a grading long before that).
GRACE = 30.0
STARTUP = 120.0  # seconds a new worker may take to get ready (imports, zygote, probe)
ATTEMPTS = 2  # a submission is graded at most this many times
MAX_FAILED_STARTS = 3  # workers that die before they are ready, in a row, stop the batch


@dataclass
class Job:
    """One submission to grade: KEY says where its result goes."""

    key: tuple[int, str]
    exercise: Exercise
    submission: str
    attempts: int = 0


Finished = Callable[[Job, dict[str, Any], "str | None"], None]


class _Worker:
    """The parent's view of one worker process."""

    def __init__(self, root: Path, units: Sequence[Exercise], api: bool) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, theirs = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=worker_main, args=(theirs, str(root), list(units), api), daemon=True
        )
        self.process.start()
        theirs.close()
        self.ready = False
        self.uid: int | None = None
        self.job: Job | None = None
        self.deadline = time.monotonic() + STARTUP

    def give(self, job: Job) -> None:
        job.attempts += 1
        self.job = job
        self.deadline = time.monotonic() + job.exercise.time_limit + GRACE
        self.conn.send(job)

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        self.process.join(10)
        if self.process.is_alive():
            self.kill()
        else:
            self.conn.close()


class Pool:
    """JOBS workers for the exercises of a batch (UNITS: the unit exercises, whose zygote
    and variants each worker prepares once; API: whether there are API exercises, whose
    commands each worker's runner forks), their areas under ROOT."""

    def __init__(self, jobs: int, root: Path, units: Sequence[Exercise], api: bool) -> None:
        self.jobs = jobs
        self.root = root
        self.units = list(units)
        self.api = api
        self.uids: set[int] = set()
        self.failed_starts = 0

    def run(self, work: Sequence[Job], finished: Finished) -> None:
        """Grade every job; call FINISHED once for each, in the order they end."""
        pending = collections.deque(work)
        workers: list[_Worker] = []
        try:
            while pending or any(worker.job for worker in workers):
                while len(workers) < min(self.jobs, len(pending) + _busy(workers)):
                    workers.append(_Worker(self.root, self.units, self.api))
                for worker in workers:
                    if worker.ready and worker.job is None and pending:
                        worker.give(pending.popleft())
                watched = [w.deadline for w in workers if w.job is not None or not w.ready]
                timeout = max(0.0, min(watched) - time.monotonic()) if watched else None
                ready = set(wait([w.conn for w in workers] + _sentinels(workers), timeout))
                for worker in list(workers):
                    lost = self._check(worker, ready, finished)
                    if lost is None:
                        continue
                    workers.remove(worker)
                    self._bury(worker)
                    if not worker.ready:
                        self.failed_starts += 1
                        if self.failed_starts >= MAX_FAILED_STARTS:
                            self._give_up(pending, finished, lost)
                    job = worker.job
                    if job is None:
                        continue
                    if job.attempts < ATTEMPTS:
                        pending.appendleft(job)  # graded again, next, by a fresh worker
                    else:
                        why = f"{lost} (graded {job.attempts} times, lost each time)"
                        finished(job, _grader_error(job, why), why)
        finally:
            for worker in workers:
                worker.stop()
            for uid in self.uids:
                sandbox.release_user(uid)

    def _check(self, worker: _Worker, ready: set[Any], finished: Finished) -> str | None:
        """Handle what WORKER said or did; the reason it is lost, or None if it is fine."""
        if worker.conn in ready:
            try:
                message = worker.conn.recv()
            except (EOFError, OSError):
                return _why_ended(worker)
            if message[0] == "ready":
                self.failed_starts = 0
                worker.ready = True
                worker.uid = message[1]
                if worker.uid is not None:
                    self.uids.add(worker.uid)
                worker.deadline = time.monotonic() + STARTUP
            elif message[0] == "done":
                job, worker.job = worker.job, None
                assert job is not None
                result, problem = message[1], message[2]
                if problem is not None and job.attempts < ATTEMPTS:
                    worker.job = job  # lost with this worker: graded again by a fresh one
                    return f"the grader failed on this submission:\n{problem}"
                finished(job, result, problem)
            return None
        if worker.process.sentinel in ready:
            return _why_ended(worker)
        if worker.job is not None and time.monotonic() > worker.deadline:
            return "the worker ran far past the submission's time limit and was stopped"
        if not worker.ready and time.monotonic() > worker.deadline:
            return "the worker did not get ready in time"
        return None

    def _bury(self, worker: _Worker) -> None:
        """Kill a lost worker and what it left running (its runs' uid's processes) and
        lying about (its folder, with the area of the submission it was grading)."""
        worker.kill()
        if worker.uid is not None:
            sandbox.release_user(worker.uid)
        if worker.process.pid is not None:  # its folder and the area of its submission
            files.remove_tree(self.root / f"worker-{worker.process.pid}")

    def _give_up(self, pending: collections.deque[Job], finished: Finished, why: str) -> None:
        while pending:
            job = pending.popleft()
            finished(job, _grader_error(job, why), f"the workers could not start: {why}")


def _busy(workers: list[_Worker]) -> int:
    return sum(1 for worker in workers if worker.job is not None)


def _sentinels(workers: list[_Worker]) -> list[Any]:
    return [worker.process.sentinel for worker in workers]


def _why_ended(worker: _Worker) -> str:
    worker.process.join(1)
    code = worker.process.exitcode
    if code is not None and code < 0:
        return f"the worker was killed by signal {-code} (out of memory, or killed)"
    return f"the worker ended unexpectedly (exit status {code})"


def _grader_error(job: Job, why: str) -> dict[str, Any]:
    """The result of a submission the grader could not grade, twice."""
    result = reports.results_json(job.exercise, [], GRADER_ERROR, 0.0)
    result["extra_data"] = {"grader_error": True}
    return result
