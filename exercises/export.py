"""Build an autograder bundle: `python -m exercises.export gradescope EXERCISE --out FILE.zip`.

The zip holds setup.sh, run_autograder and the grader with this one exercise. On
Gradescope, run_autograder grades /autograder/submission with the same grader as
`python -m exercises.grade`, and copies its results.json where Gradescope reads it.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

from exercises.spec import EXERCISES_DIR, Exercise, ExerciseError, load, pinned_requirements

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
apt-get update -q && apt-get install -y -q python3 python3-venv python3-pip
# The grader needs Python 3.11 or newer (tomllib); Ubuntu 22.04 images have 3.10.
python=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  apt-get install -y -q python3.11 python3.11-venv
  python=python3.11
fi
"$python" -m venv /opt/grader-venv
/opt/grader-venv/bin/pip install -q {requirements}
# The sandbox users (a uid of its own per grading worker) must be able to run this Python.
chmod -R a+rX /opt/grader-venv
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission, as root, in a fresh container.
set -uo pipefail
cd /autograder/source
# Only root may read the grader, the hidden tests and the solution; submissions run as other users.
chmod -R go-rwx /autograder/source
/opt/grader-venv/bin/python -m exercises.grade {exercise} /autograder/submission \\
    --out /autograder/grading --jobs 1
mkdir -p /autograder/results
cp /autograder/grading/submission/results.json /autograder/results/results.json
"""


def bundle_files(exercise: Exercise) -> dict[str, bytes]:
    """Every file of the bundle, by its path inside the zip."""
    files: dict[str, bytes] = {
        "setup.sh": SETUP_SH.format(
            requirements=" ".join(f"'{r}'" for r in pinned_requirements())
        ).encode(),
        "run_autograder": RUN_AUTOGRADER.format(exercise=exercise.name).encode(),
    }
    for path in sorted(EXERCISES_DIR.glob("*.py")):
        files[f"exercises/{path.name}"] = path.read_bytes()
    for path in sorted(exercise.root.rglob("*")):
        relative = path.relative_to(exercise.root)
        if path.is_file() and "__pycache__" not in relative.parts and path.suffix != ".db":
            files[f"exercises/{exercise.name}/{relative.as_posix()}"] = path.read_bytes()
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
