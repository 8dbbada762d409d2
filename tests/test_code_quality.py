"""ruff and mypy are clean on everything we wrote.

mypy runs once per package: every snapshot has a package called `app` (and many folders a
`conftest.py`), which one mypy run would report as duplicate modules.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from mypy import api as mypy_api

from exercises.spec import exercise_names, load

REPO_ROOT = Path(__file__).resolve().parents[1]
SKIPPED_PARTS = {".venv", "node_modules", ".git"}
# The course's tools, which the repository's tests import: installed as a package of its own
# (pip install -e .), which mypy finds only on its path.
COURSE_TOOLS = REPO_ROOT / "steps"
# The grader's programs that run from their text, and the one source of the exercises'
# public conftest.py (release writes it into each learner's copy): nothing imports them.
TEXT_PROGRAMS = ("zygote.py", "grading_plugin.py", "runner_program.py", "public_conftest.py")
# An exercise's starter/ and solution/ hold only the files they change (an app/ without
# the modules it imports): mypy checks the projects built from them instead.
OVERLAYS = {"starter", "solution"}


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ruff_finds_nothing() -> None:
    run = _ruff("check", "--no-cache", ".")
    assert run.returncode == 0, f"ruff check reports problems:\n{run.stdout}"


def test_ruff_format_changes_nothing() -> None:
    run = _ruff("format", "--check", "--no-cache", ".")
    assert run.returncode == 0, f"ruff format would reformat:\n{run.stdout}"


def _mypy_targets() -> list[tuple[Path, Path]]:
    """(path to check, folder to put on MYPYPATH) for every package we wrote."""
    targets: list[tuple[Path, Path]] = [
        (REPO_ROOT / "conftest.py", REPO_ROOT),
        # The course's tools: a package of its own, found on MYPYPATH as it is when installed.
        (COURSE_TOOLS / "items_course", COURSE_TOOLS),
        # The grader's programs that run from their text, which nothing imports.
        *((REPO_ROOT / "exercises" / name, REPO_ROOT) for name in TEXT_PROGRAMS),
    ]
    # (Starters built from the same files are one folder, checked once.)
    projects = {p for name in exercise_names() for p in (load(name).starter, load(name).solution)}
    for project in sorted(projects):
        targets += [(folder, project) for folder in sorted(project.iterdir()) if folder.is_dir()]
    for folder in sorted(REPO_ROOT.rglob("*")):
        relative = folder.relative_to(REPO_ROOT)
        if not folder.is_dir() or SKIPPED_PARTS.intersection(relative.parts):
            continue
        if relative.parts[0] == "exercises" and OVERLAYS.intersection(relative.parts):
            continue
        if folder.name in ("app", "tests") or (folder / "env.py").is_file():
            # The project folder goes on MYPYPATH so `import app` means the package next to it.
            targets.append((folder, folder.parent))
        elif (folder / "conftest.py").is_file() and not (folder / "tests").is_dir():
            targets.append((folder / "conftest.py", folder))
    return targets


@contextmanager
def _mypy_path(folder: Path) -> Iterator[None]:
    previous = os.environ.get("MYPYPATH")
    os.environ["MYPYPATH"] = os.pathsep.join([str(folder), str(COURSE_TOOLS)])
    try:
        yield
    finally:
        if previous is None:
            del os.environ["MYPYPATH"]
        else:
            os.environ["MYPYPATH"] = previous


MYPY_TARGETS = _mypy_targets()


def _target_id(path: Path) -> str:
    if path.is_relative_to(REPO_ROOT):
        return str(path.relative_to(REPO_ROOT))
    return "/".join(path.parts[-3:])  # in a built project: 01_put/solution/app


@pytest.mark.parametrize(
    ("path", "search_path"),
    MYPY_TARGETS,
    ids=[_target_id(path) for path, _ in MYPY_TARGETS],
)
def test_mypy_is_clean(path: Path, search_path: Path) -> None:
    with _mypy_path(search_path):
        stdout, stderr, status = mypy_api.run(
            ["--config-file", str(REPO_ROOT / "pyproject.toml"), str(path)]
        )
    assert status == 0, f"mypy reports problems in {_target_id(path)}:\n{stdout}{stderr}"
