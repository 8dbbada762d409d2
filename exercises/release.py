"""Write the learner's copy of an exercise: `python -m exercises.release EXERCISE --out DIR`.

DIR gets the statement (README.md), the starter project, the public tests and a
requirements.txt, and nothing else: no hidden tests, no solution, no exercise.toml. With
`--github`, also the workflow that runs the public tests on every push of a learner's
repository (GitHub Classroom, or any repository made from DIR).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from exercises import projects
from exercises.spec import EXERCISES_DIR, Exercise, ExerciseError, load, locked_requirements

# The one source of every exercise's tests/public/conftest.py (it starts the learner's app).
PUBLIC_CONFTEST = EXERCISES_DIR / "public_conftest.py"

_IGNORED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "*.db", ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache"
)


def public_check(exercise: Exercise) -> str:
    """The command a learner checks their work with, from their copy's folder."""
    return (
        "python -m pytest tests/public"
        if exercise.public_tests.is_dir()
        else ("python -m pytest tests")
    )


def workflow(exercise: Exercise) -> str:
    """A GitHub Actions workflow that installs requirements.txt (hashes checked) and runs
    the public tests on every push, as the learner does at home."""
    return f"""# The public tests of {exercise.name}, on every push: what you run at home.
name: public tests
on: [push, pull_request, workflow_dispatch]
permissions:
  contents: read
jobs:
  public-tests:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: python -m pip install --require-hashes -r requirements.txt
      - run: {public_check(exercise)}
"""


def release(exercise: Exercise, out: Path, github: bool = False) -> list[Path]:
    """Write the learner's copy of EXERCISE into OUT (which must not exist), with GITHUB the
    workflow of `workflow` too; list its files."""
    if out.exists():
        raise FileExistsError(f"{out} exists already; give a new folder")
    projects.write(exercise.project_files("starter"), out)
    shutil.copyfile(exercise.root / "README.md", out / "README.md")
    if exercise.public_tests.is_dir():
        shutil.copytree(exercise.public_tests, out / "tests" / "public", ignore=_IGNORED)
        shutil.copyfile(PUBLIC_CONFTEST, out / "tests" / "public" / "conftest.py")
    # The versions (and hashes) the exercise is graded with, for `pip install -r
    # requirements.txt`: the course's lock file, as the Gradescope bundle installs it.
    (out / "requirements.txt").write_text(locked_requirements(), encoding="utf-8")
    if github:
        workflows = out / ".github" / "workflows"
        workflows.mkdir(parents=True)
        (workflows / "public-tests.yml").write_text(workflow(exercise), encoding="utf-8")
    return sorted(path for path in out.rglob("*") if path.is_file())


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m exercises.release", description="Write the learner's copy."
    )
    parser.add_argument("exercise", help="folder name under exercises/, e.g. 01_put")
    parser.add_argument("--out", type=Path, required=True, help="a new folder")
    parser.add_argument(
        "--github", action="store_true", help="add the workflow that runs the public tests"
    )
    args = parser.parse_args(argv)
    try:
        files = release(load(args.exercise), args.out, github=args.github)
    except (ExerciseError, FileExistsError) as error:
        parser.error(str(error))
    print(f"wrote {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
