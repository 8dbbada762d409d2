"""How fast the checks answer: ``python -m items_course.benchmark [--before DIR] [--repeat N]``.

A benchmark, not a test: this machine is shared and noisy, so each figure is the median of N
runs, and two variants are measured side by side in one run (their runs alternate).

For each step, against a copy of that step's snapshot in a temporary folder (a learner's
project that passes the step):

* cold ``pytest steps/0N --app-dir P``: a new process for each run, in this checkout, and in
  the checkout DIR given with ``--before`` (an older version of the course, to compare);
* cold ``items-course check N``, typed in the project folder (earlier steps already passed);
* watch mode, save → verdict: ``items-course watch N`` runs without a terminal; once it has
  shown the step failing (the step's file is missing), the file is written, and the time is
  taken until the verdict "PASS" is printed. The watcher's own delay is part of it.

Prints a Markdown table (medians, in seconds).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from items_course.course import COURSE_ROOT, all_steps

# The file each step adds: removed, then written back, for watch mode's save -> verdict.
_ADDED = {
    "01_database": "app/database.py",
    "02_models": "app/models.py",
    "03_schemas": "app/schemas.py",
    "04_crud": "app/crud.py",
    "05_router": "app/router.py",
    "06_main": "app/main.py",
    "07_alembic": "alembic.ini",
}


def _environment() -> dict[str, str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("HYPOTHESIS_", "COVERAGE_"))
    }
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    scripts = str(Path(sys.executable).parent)
    environment["PATH"] = os.pathsep.join([scripts, environment.get("PATH", "")])
    return environment


def _project(folder: Path, step: str) -> Path:
    project = folder / step
    snapshot = COURSE_ROOT / "steps" / step
    for name in ("app", "alembic", "alembic.ini"):
        source = snapshot / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__py*"))
        elif source.is_file():
            project.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, project / name)
    return project


def _timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        command, cwd=cwd, env=_environment(), capture_output=True, check=False, timeout=600
    )
    return time.perf_counter() - started


def _watch_once(project: Path, step: str) -> float:
    """One save -> verdict in watch mode for STEP, in seconds."""
    added = project / _ADDED[step]
    content = added.read_bytes()
    added.unlink()
    process = subprocess.Popen(
        ["items-course", "watch", step.split("_")[0]],
        cwd=project,
        env=_environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen: list[str] = []
    lock = threading.Condition()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with lock:
                seen.append(line)
                lock.notify_all()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def wait_for(word: str, start: int) -> int:
        with lock:
            while not any(word in line for line in seen[start:]):
                if not lock.wait(timeout=120):
                    raise RuntimeError(f"watch mode never printed {word!r}:\n{''.join(seen)}")
            return len(seen)

    try:
        shown = wait_for("FAIL  ", 0)
        added.write_bytes(content)
        saved = time.perf_counter()
        wait_for("PASS  ", shown)
        return time.perf_counter() - saved
    finally:
        process.terminate()
        process.wait(timeout=30)
        reader.join(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
        added.write_bytes(content)


def main() -> None:
    """Measure, then print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="another checkout of the course, to compare")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement")
    options = parser.parse_args()
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="items-course-benchmark-") as temporary:
        for step in all_steps():
            project = _project(Path(temporary), step.folder)
            items_course = ["items-course", "check", step.number]
            subprocess.run(items_course, cwd=project, env=_environment(), capture_output=True)
            times: dict[str, list[float]] = {"before": [], "now": [], "check": [], "watch": []}
            checks = [str(step.path.relative_to(COURSE_ROOT)), "--app-dir", str(project)]
            for _ in range(options.repeat):
                if options.before is not None:
                    times["before"].append(_timed([*pytest, *checks], options.before))
                times["now"].append(_timed([*pytest, *checks], COURSE_ROOT))
                times["check"].append(_timed(items_course, project))
                times["watch"].append(_watch_once(project, step.folder))
            rows.append((step.label, {k: statistics.median(v) for k, v in times.items() if v}))
            print(f"measured step {step.label}", file=sys.stderr)
    before = options.before is not None
    head = "| step | cold `pytest steps/0N`" + (" before | now | now/before" if before else "")
    print(head + " | cold `items-course check N` | watch: save → verdict |")
    print("|---" * (6 if before else 4) + "|")
    for label, median in rows:
        cells = [label]
        if before:
            cells += [f"{median['before']:.2f}", f"{median['now']:.2f}"]
            cells.append(f"{median['now'] / median['before']:.2f}")
        else:
            cells.append(f"{median['now']:.2f}")
        cells += [f"{median['check']:.2f}", f"{median['watch']:.2f}"]
        print("| " + " | ".join(cells) + " |")
    print(f"\nMedians of {options.repeat} runs, in seconds, on {os.cpu_count()} cores.")


if __name__ == "__main__":
    main()
