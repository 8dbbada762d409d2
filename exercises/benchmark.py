"""Time the grader: `python -m exercises.benchmark EXERCISE [--count 50] [--jobs 2]`.

Grades COUNT synthetic submissions (copies of the solution and the starter, alternating)
and prints the seconds per submission: wall time, and the CPU time of every process the
grading started (on a shared, busy machine the wall time says more about the others' load;
the CPU time does not). Not a test: numbers go in exercises/README.md.

`python -m exercises.benchmark --sandboxes [--count 200]` times what confining one run
costs in each mode this machine offers (sandbox.MODES), side by side: the pre-warmed
runner's and the zygote's path (fork, confine.enter, end; teardown included), the modes
taking turns so that the machine's load falls on each alike. Medians, and ratios to the
namespace code.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from exercises import confine, sandbox
from exercises.batch import grade_batch
from exercises.spec import load


def confined_run(config: dict[str, Any]) -> float:
    """Seconds to fork a child, confine it as CONFIG says and see it end."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            confine.enter(config)
            os._exit(0)
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("a confined run failed")
    return elapsed


def sandbox_costs(count: int) -> dict[str, list[float]]:
    """COUNT timings (seconds) of one confined run in each mode that works here."""
    user = sandbox._nobody()
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(dir=sandbox.scratch_dir()) as tmp:
        folder = Path(tmp)
        folder.chmod(0o755)
        if user is not None:
            os.chown(folder, *user)
        configs = {}
        for mode in sandbox.MODES:
            if mode == "none" or sandbox._probe(mode) is None:
                configs[mode] = sandbox.confinement(folder, sandbox.PROBE_LIMITS, user, mode=mode)
                times[mode] = []
        modes = list(configs)
        for number in range(count):
            turn = modes[number % len(modes) :] + modes[: number % len(modes)]
            for mode in turn:
                times[mode].append(confined_run(configs[mode]))
    return times


def print_sandbox_costs(count: int) -> None:
    """Print the table of `sandbox_costs` (milliseconds)."""
    times = sandbox_costs(count)
    base = statistics.median(times["namespaces"]) if "namespaces" in times else None
    print(f"one confined run, {count} of each, taking turns (ms):")
    print("| mode | median | 10th percentile | 90th percentile | median / namespaces |")
    print("|---|---|---|---|---|")
    for mode, seconds in times.items():
        deciles = statistics.quantiles(seconds, n=10)
        median = statistics.median(seconds)
        ratio = f"{median / base:.2f}" if base else "-"
        print(
            f"| {mode} | {median * 1000:.1f} | {deciles[0] * 1000:.1f} | "
            f"{deciles[-1] * 1000:.1f} | {ratio} |"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its result; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m exercises.benchmark")
    parser.add_argument("exercise", nargs="?")
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sandboxes", action="store_true", help="time one run per mode")
    args = parser.parse_args(argv)
    if args.sandboxes:
        print_sandbox_costs(args.count)
        return 0
    if args.exercise is None:
        parser.error("name an exercise, or give --sandboxes")
    print(sandbox.isolation().describe())
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
