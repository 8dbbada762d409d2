"""Build an autograder bundle: `python -m exercises.export gradescope EXERCISE --out FILE.zip`.

The zip holds setup.sh, run_autograder, requirements.txt (the course's lock file, for the
grader's own packages and what they require) and the grader with this one exercise, less its
solution. On Gradescope, setup.sh builds the grader's environment from requirements.txt;
run_autograder grades /autograder/submission with the same grader as `python -m
exercises.grade` and copies its results.json where Gradescope reads it, or, when the grader
fails, writes one that says so (score 0).
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

from exercises.spec import EXERCISES_DIR, Exercise, ExerciseError, load, locked_requirements

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
cd "$(dirname "$0")"
# The grader needs Python 3.11 or newer (tomllib), with venv; Ubuntu 22.04 images have 3.10.
# bubblewrap isolates each run of learner code where the container allows it.
has_python() {
  "$1" -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}
python=python3
if ! has_python python3 || ! command -v bwrap >/dev/null; then
  apt-get update -q
  apt-get install -y -q python3 python3-venv bubblewrap
  if ! has_python python3; then
    apt-get install -y -q python3.11 python3.11-venv
    python=python3.11
  fi
fi
# The grader's environment: the course's lock file (the versions and hashes CI tested).
"$python" -m venv /opt/grader-venv
/opt/grader-venv/bin/pip install -q --require-hashes -r requirements.txt
# The sandbox users (a uid of its own per grading worker) must be able to run this Python.
chmod -R a+rX /opt/grader-venv
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission, as root, in a fresh container. Whatever happens,
# it leaves a results.json: without one Gradescope says "The autograder failed to execute".
set -uo pipefail
cd /autograder/source
mkdir -p /autograder/results
results=/autograder/results/results.json
# Only root may read the grader and the hidden tests; submissions run as other users.
chmod -R go-rwx /autograder/source
rm -rf /autograder/grading
# The grader's log (how runs are isolated, any traceback) goes to the autograder output,
# which only the course staff see.
/opt/grader-venv/bin/python -m exercises.grade {exercise} /autograder/submission \\
    --out /autograder/grading --jobs 1
status=$?
if [ "$status" -eq 0 ] && cp /autograder/grading/submission/results.json "$results"; then
  exit 0
fi
echo "run_autograder: the grader failed (exit status $status); results.json says so" >&2
message="The autograder failed on this submission (exit status $status): this is not your \\
fault. Your instructor has been told (the autograder output shows them what went wrong) \\
and will grade it again; you need not submit again."
cat > "$results" <<EOF
{{
  "score": 0,
  "output": "$message",
  "output_format": "text",
  "visibility": "visible",
  "stdout_visibility": "hidden",
  "extra_data": {{"grader_error": true, "exit_status": $status}},
  "tests": []
}}
EOF
"""

# The grader's modules a grading never imports (the instructor's tools).
_NOT_FOR_GRADING = {"benchmark.py", "export.py", "public_conftest.py", "release.py"}
# What grading never reads of an exercise: its reference solution.
_NOT_GRADED = ("solution",)


def bundle_files(exercise: Exercise) -> dict[str, bytes]:
    """Every file of the bundle, by its path inside the zip: the two scripts, the locked
    requirements, the grader and this exercise's statement, starter and tests (never its
    solution). The bundle holds no steps/ and no other exercise, so the project the starter
    is built on goes in, built, as the exercise's base/ (see Exercise.base_files)."""
    files: dict[str, bytes] = {
        "setup.sh": SETUP_SH.encode(),
        "run_autograder": RUN_AUTOGRADER.format(exercise=exercise.name).encode(),
        "requirements.txt": locked_requirements().encode(),
    }
    for path in sorted(EXERCISES_DIR.glob("*.py")):
        if path.name not in _NOT_FOR_GRADING:
            files[f"exercises/{path.name}"] = path.read_bytes()
    for path in sorted(exercise.root.rglob("*")):
        relative = path.relative_to(exercise.root)
        if relative.parts[0] in _NOT_GRADED or "__pycache__" in relative.parts:
            continue
        if path.is_file() and path.suffix != ".db":
            files[f"exercises/{exercise.name}/{relative.as_posix()}"] = path.read_bytes()
    for relative_path, source in exercise.base_files().items():
        files[f"exercises/{exercise.name}/base/{relative_path}"] = source.read_bytes()
    return files


def export_gradescope(exercise: Exercise, out: Path) -> list[str]:
    """Write the Gradescope bundle of EXERCISE to OUT (a .zip); list the names inside."""
    files = bundle_files(exercise)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            executable = name in ("setup.sh", "run_autograder")
            info.external_attr = (0o755 if executable else 0o644) << 16
            bundle.writestr(info, data, zipfile.ZIP_DEFLATED)
    return list(files)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m exercises.export", description="Build an autograder bundle."
    )
    parser.add_argument("platform", choices=["gradescope"])
    parser.add_argument("exercise", help="folder name under exercises/, e.g. 01_put")
    parser.add_argument("--out", type=Path, required=True, help="the .zip to write")
    args = parser.parse_args(argv)
    try:
        names = export_gradescope(load(args.exercise), args.out)
    except ExerciseError as error:
        parser.error(str(error))
    print(f"wrote {args.out} ({len(names)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
