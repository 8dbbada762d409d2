"""The packages the checks need, and one message when some are missing.

They are the course's dependencies in pyproject.toml (`pip install -e .` installs them all).
A learner who runs the checks with another Python (their project's own virtual environment,
say) used to get `ModuleNotFoundError: No module named 'factory'` from deep inside pytest's
loading of steps/conftest.py; now they get the list and the command that installs it.

Only the standard library here: this runs before anything the checks import.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import sys
import tomllib
from importlib import metadata

from items_course.course import COURSE_ROOT

# Needed by `items-course watch` only, not by the checks.
_COMMAND_LINE_ONLY = {"watchfiles"}
# The module each distribution installs: finding a module is quicker than reading the
# installed distributions' metadata, which is read only when a module is missing (a check
# that runs before every pytest run must cost next to nothing).
IMPORT_NAMES = {
    "fastapi": "fastapi",
    "sqlalchemy": "sqlalchemy",
    "pydantic": "pydantic",
    "alembic": "alembic",
    "uvicorn": "uvicorn",
    "pytest": "pytest",
    "hypothesis": "hypothesis",
    "factory-boy": "factory",
    "pytest-alembic": "pytest_alembic",
    "httpx2": "httpx2",
    "httpx": "httpx",
    "watchfiles": "watchfiles",
}
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$")


def course_requirements() -> list[str]:
    """The course's dependencies, as pyproject.toml writes them ("hypothesis>=6.100")."""
    project = tomllib.loads((COURSE_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirements: list[str] = project["project"]["dependencies"]
    return requirements


def missing(for_command_line: bool = False) -> list[tuple[str, str]]:
    """(requirement, what is wrong) for each dependency this Python lacks or has too old.

    A dependency whose module is found counts as there; the others are looked up by name,
    with their versions.
    """
    problems = []
    for requirement in course_requirements():
        match = _NAME.match(requirement)
        if match is None:
            continue
        name, specifier = match[1], match[3].strip()
        if name.lower() in _COMMAND_LINE_ONLY and not for_command_line:
            continue
        module = IMPORT_NAMES.get(name.lower())
        if module is not None and importlib.util.find_spec(module) is not None:
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append((requirement, "not installed"))
            continue
        if specifier and not _satisfies(installed, specifier):
            problems.append((requirement, f"{installed} is installed"))
    return problems


def _satisfies(version: str, specifier: str) -> bool:
    try:  # packaging comes with pytest and pip; without it, a version is not checked
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
        from packaging.version import InvalidVersion
    except ImportError:
        return True
    try:
        return SpecifierSet(specifier).contains(version, prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return True


def message(problems: list[tuple[str, str]]) -> str:
    """What is missing, and the commands that install it."""
    python = sys.executable or "python3"
    lines = [
        f"The course's checks need Python packages that the Python running them ({python}) "
        "does not have:",
        *(f"  - {requirement} ({why})" for requirement, why in problems),
        "Install them into that Python:",
        f"  {shlex.quote(python)} -m pip install "
        + " ".join(shlex.quote(requirement) for requirement, _ in problems),
        "or use the course's own virtual environment, which has them all (in the course's "
        f"folder, {COURSE_ROOT}):",
        "  python3 -m venv .venv && .venv/bin/pip install -e .",
    ]
    return "\n".join(lines)


def stop_if_missing(for_command_line: bool = False) -> None:
    """Print the message and stop (exit status 4, pytest's usage error) if anything lacks."""
    problems = missing(for_command_line)
    if problems:
        sys.stderr.write(message(problems) + "\n")
        sys.stderr.flush()
        # SystemExit, not an error: pytest would wrap an error raised while it loads
        # conftest.py in a traceback of its own; this one message is all there is to say.
        raise SystemExit(4)
