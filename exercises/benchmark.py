"""Time the grader: `python -m exercises.benchmark EXERCISE [--count 50] [--jobs 2]`.

Grades COUNT synthetic submissions (copies of the solution and the starter, alternating)
and prints the seconds per submission: wall time, and the CPU time of every process the
grading started (on a shared, busy machine the wall time says more about the others' load;
the CPU time does not). Not a test: numbers go in exercises/README.md.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from exercises.grade import grade_batch
from exercises.spec import load


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its result; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m exercises.benchmark")
    parser.add_argument("exercise")
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    exercise = load(args.exercise)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        subs = []
        for number in range(args.count):
            base = exercise.solution if number % 2 == 0 else exercise.starter
            target = root / f"sub{number:03d}"
            shutil.copytree(base, target, ignore=shutil.ignore_patterns("__pycache__"))
            subs.append(target)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        grade_batch(exercise, subs, root / "out", args.jobs)
        elapsed = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    print(
        f"{exercise.name} ({exercise.kind}): {args.count} submissions, --jobs {args.jobs}: "
        f"{elapsed:.1f} s, {elapsed / args.count:.2f} s per submission "
        f"(CPU {cpu / args.count:.2f} s per submission)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
