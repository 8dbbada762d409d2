"""Write the learner's copy of an exercise: `python -m exercises.release EXERCISE --out DIR`.

DIR gets the statement (README.md), the starter project, the public tests and a
requirements.txt, and nothing else: no hidden tests, no solution, no exercise.toml.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from exercises.spec import Exercise, ExerciseError, load, locked_requirements

_IGNORED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "*.db", ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache"
)


def release(exercise: Exercise, out: Path) -> list[Path]:
    """Write the learner's copy of EXERCISE into OUT (which must not exist); list its files."""
    if out.exists():
        raise FileExistsError(f"{out} exists already; give a new folder")
    shutil.copytree(exercise.starter, out, ignore=_IGNORED)
    shutil.copyfile(exercise.root / "README.md", out / "README.md")
    if exercise.public_tests.is_dir():
        shutil.copytree(exercise.public_tests, out / "tests" / "public", ignore=_IGNORED)
    # The versions (and hashes) the exercise is graded with, for `pip install -r
    # requirements.txt`: the course's lock file, as the Gradescope bundle installs it.
    (out / "requirements.txt").write_text(locked_requirements(), encoding="utf-8")
    return sorted(path for path in out.rglob("*") if path.is_file())


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m exercises.release", description="Write the learner's copy."
    )
    parser.add_argument("exercise", help="folder name under exercises/, e.g. 01_put")
    parser.add_argument("--out", type=Path, required=True, help="a new folder")
    args = parser.parse_args(argv)
    try:
        files = release(load(args.exercise), args.out)
    except (ExerciseError, FileExistsError) as error:
        parser.error(str(error))
    print(f"wrote {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
