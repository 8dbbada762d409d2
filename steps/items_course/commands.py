"""Commands and paths written so that they work where the learner types them.

A run started in the learner's project folder (`pytest ~/course/steps/03_schemas --app-dir .`,
or `items-course`) must not print `pytest steps/04_crud`, which works only in the course's
folder.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from items_course.course import STEPS_DIR, find_step

if TYPE_CHECKING:
    import pytest


def check_command(config: pytest.Config, step_folder: str) -> str:
    """The command that checks STEP_FOLDER again, as this run was started."""
    from items_course.shared_state import APP_DIR, COURSE_COMMAND  # imports pytest

    course_command = config.stash.get(COURSE_COMMAND, None)
    if course_command is not None:
        return f"{course_command} check {find_step(step_folder).number}"
    here = config.invocation_params.dir
    step = shown_path(STEPS_DIR / step_folder, here)
    app_dir = config.stash.get(APP_DIR, None)
    app_option = f" --app-dir {quoted(str(app_dir))}" if app_dir is not None else ""
    return f"{pytest_command(config)} {step}{app_option}"


def lesson_path(config: pytest.Config, step_folder: str) -> str:
    """The step's README, as a path that works from where the run was started."""
    from items_course.shared_state import COURSE_COMMAND

    if config.stash.get(COURSE_COMMAND, None) is not None:
        return str(STEPS_DIR / step_folder / "README.md")  # items-course runs in the course
    return shown_path(STEPS_DIR / step_folder / "README.md", config.invocation_params.dir)


def pytest_command(config: pytest.Config) -> str:
    """How this run started pytest, to say it again: `.venv/bin/pytest`, `python -m pytest`..."""
    here = config.invocation_params.dir
    program = Path(sys.argv[0])
    if program.name in ("pytest", "py.test", "pytest.exe"):
        return typed_program(program, here)
    if program.name == "__main__.py":  # python -m pytest
        return f"{quoted(shown_path(Path(sys.executable), here))} -m pytest"
    return "pytest"


def typed_program(program: Path, here: Path) -> str:
    """PROGRAM (a console script) as the learner can type it again in HERE."""
    typed = shutil.which(program.name)
    if program.is_absolute() and typed is not None and Path(typed) == program:
        return program.name  # found on PATH: the learner typed just its name
    return quoted(shown_path(program, here))


def shown_path(path: Path, here: Path) -> str:
    """PATH relative to HERE when it lies inside (`.venv/bin/pytest`), else absolute.

    Not resolved: a virtual environment's python is a link, and the link is what was typed.
    """
    absolute = Path(os.path.abspath(here / path))
    if absolute.is_relative_to(here):
        return absolute.relative_to(here).as_posix()
    return str(absolute)


def quoted(text: str) -> str:
    """TEXT as one word of a shell command (quoted only when it has to be)."""
    return shlex.quote(text)
