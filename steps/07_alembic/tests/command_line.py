"""`alembic` run as a learner types it, in a copy of their project, and its error explained."""

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .migrations import advice_for


def copy_of_the_project(alembic_project: Any, tmp_path: Path) -> Path:
    """A copy of app/, Alembic's folders, alembic.ini (and pyproject.toml), so that app.db
    lands in the check's folder and relative settings (prepend_sys_path = .,
    script_location) mean what they mean in your project."""
    root, project = Path(alembic_project.root), tmp_path / "project"
    leave_out = shutil.ignore_patterns("__pycache__", "*.db", "*.db-*")
    folders = {root / "app", alembic_project.scripts, *alembic_project.version_folders}
    for folder in sorted(path for path in folders if path is not None and path.is_dir()):
        if folder.is_relative_to(root) and not (project / folder.relative_to(root)).exists():
            shutil.copytree(folder, project / folder.relative_to(root), ignore=leave_out)
    for file in (alembic_project.ini, alembic_project.toml):
        if file is not None:
            shutil.copy2(file, project / file.name)
    return project


def run_alembic(project: Path, *arguments: str) -> str:
    """Run `alembic ARGUMENTS` in PROJECT as you would type it; its output, or a failure."""
    typed = " ".join(("alembic", *arguments))
    # -P: like the `alembic` command, do not put the current folder on sys.path, so that
    # `import app` relies on prepend_sys_path in alembic.ini, as it does for the learner.
    command = [sys.executable, "-P", "-m", "alembic", *arguments]
    try:
        finished = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`{typed}` was still running after 60 s.", pytrace=False)
    if finished.returncode != 0:
        problem = error_and_where(finished.stdout + finished.stderr, project)
        general = f"the file and line above; `{typed}` in your project folder shows it all."
        pytest.fail(
            f"`{typed}`, run in your project folder, failed:\n{problem}\n"
            f"What to check: {advice_for(problem, general)}",
            pytrace=False,
        )
    return finished.stdout


# `  File "/some/path.py", line 12, in name`: a frame of a Python traceback.
TRACEBACK_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)')


def error_and_where(output: str, project: Path) -> str:
    """A command's error (the last line it printed), and the last line of your files
    (copied into `project`) that the traceback went through."""
    lines = output.strip().splitlines()
    if not lines:
        return "(it printed nothing)"
    where = ""
    for number, line in enumerate(lines):
        frame = TRACEBACK_FRAME.match(line)
        if frame and Path(frame["path"]).is_relative_to(project):
            source = lines[number + 1].strip() if number + 1 < len(lines) else ""
            file = Path(frame["path"]).relative_to(project)
            where = f"\nIt happened in {file}, line {frame['line']}:\n    {source}"
    return lines[-1] + where
