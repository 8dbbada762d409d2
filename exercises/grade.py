"""Grade submissions of one exercise: `python -m exercises.grade EXERCISE SUB [SUB ...] --out DIR`.

The command line of the grader. Each submission is graded in a worker process of the
grader (trusted code only, see pool.py and worker.py: a worker that dies is replaced and
its submission graded again) that copies the submission to a private, size-capped
temporary area and runs the submission's code there in sandboxed child processes (see
sandbox.py):

* kind "api": the app is served by uvicorn on 127.0.0.1 with a fresh database, and the
  exercise's hidden checks (tests/hidden/checks.py) speak HTTP to it; they run in the worker,
  never with the submission's folder on sys.path, each within its own time bound (api.py).
* kind "unit": the learner's tests run with pytest against the reference app and against
  mutants of it (see unitrun.py); only the exit status of each isolated run counts.

Outputs (batch.py): DIR/<submission>/results.json (Gradescope's format) for each
submission, and for the batch DIR/gradebook.csv, DIR/junit.xml and DIR/report.html (and
DIR/grader-errors.log when the grader itself failed somewhere: the learner's feedback never
shows its traceback). What one graded test gives is outcome.py's Outcome.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from exercises import sandbox
from exercises.batch import Batch, grade_batches
from exercises.spec import ExerciseError, load


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
    parser.add_argument(
        "submissions", nargs="+", type=Path, help="project folders, each shaped like the starter"
    )
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
