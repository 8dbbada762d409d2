"""A block's copy of the repository, and the stand-ins for what only a reader has (the table
"Stand-ins for what only a reader has" in tests/test_readme_commands.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from exercises.spec import load
from tests.helpers.readme_commands.environment import reader_environment
from tests.helpers.readme_commands.parser import Block, Command
from tests.helpers.readme_commands.postgres import (
    PostgresServer,
    create_empty_database,
    drop_database,
)
from tests.helpers.readme_commands.processes import ProcessGroups
from tests.helpers.readme_commands.venv import BorrowedPackages
from tests.helpers.repository import REPO_ROOT, files_a_commit_would_hold

PROJECT_FOLDER = re.compile(r"\byour (own )?project folder\b", re.IGNORECASE)


class Unavailable(Exception):
    """A stand-in cannot be provided on this machine; the command is skipped."""


@dataclass
class Shared:
    """What the test session prepares once for every copy."""

    base: Path  # a folder of the test session
    packages: BorrowedPackages = field(init=False)
    processes: ProcessGroups = field(default_factory=ProcessGroups)
    wheelhouse: Path | None = None  # see venv.make_wheelhouse
    postgres: PostgresServer = field(default_factory=PostgresServer)

    def __post_init__(self) -> None:
        self.packages = BorrowedPackages.made_in(self.base)


@dataclass
class Workspace:
    """One block's copy of the repository, its home folder and its environment."""

    root: Path
    home: Path
    logs: Path
    env: dict[str, str]
    cleanups: list[tuple[str, str]] = field(default_factory=list)  # PostgreSQL databases


def make_workspace(block: Block, shared: Shared) -> Workspace:
    """A fresh copy of the repository for `block`, with its `.venv`, a home and a log folder."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", block.id).strip("-")
    base = shared.base / slug
    root, home, logs = base / "repo", base / "home", base / "logs"
    for folder in (root, home, logs):
        folder.mkdir(parents=True)
    for name in files_a_commit_would_hold():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, root / name)
    shared.packages.make_venv(root / ".venv")
    env = reader_environment(home, root, shared.base / "pycache", shared.wheelhouse)
    return Workspace(root, home, logs, env)


def in_project_folder(block: Block, command: Command) -> bool:
    """Whether the command's comment, or the sentence that leads into its block, says it
    runs in "your project folder"."""
    return bool(PROJECT_FOLDER.search(command.comment) or PROJECT_FOLDER.search(block.lead_in))


def project_snapshot(block: Block) -> str:
    """The step whose snapshot stands in for ~/fastapi-crud in this block: the lesson's own
    step, the one before it while the lesson's "Write it" is being followed, step 07
    outside the lessons ("" for the empty project before step 01)."""
    step = re.fullmatch(r"steps/(\d\d_\w+)/README\.md", block.readme)
    if step is None:
        return "07_alembic"
    if block.section == "Write it":
        steps = sorted(p.name for p in (REPO_ROOT / "steps").glob("[0-9][0-9]_*"))
        index = steps.index(step[1])
        return steps[index - 1] if index else ""
    return step[1]


def project_description(block: Block) -> str:
    """~/fastapi-crud, as a failure message names it."""
    snapshot = project_snapshot(block)
    return f"~/fastapi-crud (a copy of steps/{snapshot})" if snapshot else "~/fastapi-crud (empty)"


def fastapi_crud(ws: Workspace, block: Block) -> Path:
    """~/fastapi-crud: the project of a learner at this block (see `project_snapshot`)."""
    project = ws.home / "fastapi-crud"
    step = project_snapshot(block)
    if not project.exists():
        project.mkdir()
        if not step:
            return project  # before step 01: an empty folder
        snapshot = ws.root / "steps" / step
        for name in ("app", "alembic"):
            if (snapshot / name).is_dir():
                shutil.copytree(snapshot / name, project / name)
        if (snapshot / "alembic.ini").is_file():
            shutil.copy2(snapshot / "alembic.ini", project / "alembic.ini")
    return project


def exercise_project(ws: Workspace, exercise: str) -> Path:
    """~/NN_name: the learner's copy of the exercise, finished (the solution over it)."""
    project = ws.home / exercise
    if not project.exists():
        release = subprocess.run(
            ["python", "-m", "exercises.release", exercise, "--out", str(project)],
            cwd=ws.root,
            env=ws.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if release.returncode != 0:
            raise RuntimeError(f"releasing {exercise} failed:\n{release.stdout}{release.stderr}")
        # The solution's own files over the learner's copy (of its starter): the finished work.
        shutil.copytree(ws.root / "exercises" / exercise / "solution", project, dirs_exist_ok=True)
    return project


def submissions(ws: Workspace, text: str) -> None:
    """submissions/: the starter and the solution of the exercise the command grades."""
    graded = re.search(r"exercises\.grade\s+(\S+)", text)
    exercise = load(graded[1] if graded else "01_put")
    folder = ws.root / "submissions"
    if not folder.exists():
        shutil.copytree(exercise.starter, folder / "starter")
        shutil.copytree(exercise.solution, folder / "solution")


def on_postgres(ws: Workspace, text: str, shared: Shared) -> str:
    """Replace `user@host` by the throwaway server, with a new empty database."""
    if shared.postgres.address is None:
        raise Unavailable(shared.postgres.problem)
    database = re.search(r"user@host/(\w+)", text)
    if database is None:
        raise RuntimeError("`user@host` should be followed by /DATABASE in the command")
    url = create_empty_database(shared.postgres.address, database[1])
    ws.cleanups.append((url, database[1]))
    return text.replace("user@host", shared.postgres.address)


def drop_databases(ws: Workspace) -> None:
    """Drop the databases the block's commands were given."""
    for url, database in ws.cleanups:
        drop_database(url, database)
