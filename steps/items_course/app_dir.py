"""``--app-dir``: the folder that contains the learner's `app` package, or advice."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from items_course.advice import PACKAGE, close_to
from items_course.course import EXPECTED_NAMES


def resolve_app_dir(raw: Path, invocation_dir: Path) -> Path:
    """Turn the --app-dir value into the folder that contains app/, or stop with advice."""
    path = (invocation_dir / raw.expanduser()).resolve()
    if not path.exists():
        raise pytest.UsageError(
            f"--app-dir {raw}: {path} does not exist.\n" + _why_not_found(raw, path, invocation_dir)
        )
    if path.is_file():
        holder = next((folder for folder in path.parents if (folder / PACKAGE).is_dir()), None)
        raise pytest.UsageError(
            f"--app-dir {raw}: {path} is a file.\n"
            f"Give the folder that contains your {PACKAGE}/ package (your project folder)"
            + (f": here, --app-dir {holder}" if holder is not None else "")
            + "."
        )
    if path.name == PACKAGE and not (path / PACKAGE).is_dir():
        path = path.parent  # the learner pointed at app/ itself; they meant its parent
    if not (path / PACKAGE).is_dir():
        raise pytest.UsageError(
            f"--app-dir {raw}: there is no {PACKAGE}/ folder in {path}.\n"
            f"Give the folder that contains your {PACKAGE}/ package (your project folder).\n"
            + _why_no_app_folder(path)
        )
    return path


def _why_not_found(raw: Path, path: Path, invocation_dir: Path) -> str:
    """Advice for an --app-dir that does not exist: backslashes, a typo, the starting folder."""
    backslash = "\\"
    if backslash in str(raw) and os.sep == "/":
        return (
            f"Folders are separated by / here ({backslash} is Windows' separator): try "
            f"--app-dir {str(raw).replace(backslash, '/')}"
        )
    existing = next(folder for folder in path.parents if folder.is_dir())
    wanted = path.relative_to(existing).parts[0]
    folders = [child.name for child in existing.iterdir() if child.is_dir()]
    near = close_to(wanted, folders)
    if near is not None:
        return f"Did you mean {existing / near}?"
    if raw.expanduser().is_absolute():
        return "What to check: the spelling of each folder in the path."
    return (
        f"A relative path starts from the folder you run pytest in, {invocation_dir}; "
        "an absolute path (or one starting with ~) works from anywhere."
    )


def _why_no_app_folder(path: Path) -> str:
    """What the folder given as --app-dir holds instead of app/, and what to do about it."""
    loose = sorted(f"{module}.py" for module in EXPECTED_NAMES if (path / f"{module}.py").is_file())
    if loose:
        return (
            f"{path} holds {', '.join(loose)} directly; the lesson keeps them in a package: "
            f"move them into {path / PACKAGE}/, next to an empty {PACKAGE}/__init__.py."
        )
    inside = sorted(child for child in path.iterdir() if (child / PACKAGE).is_dir())
    if inside:
        return f"Did you mean {inside[0]}? It contains {PACKAGE}/."
    return (
        f"Starting from scratch? Create {path / PACKAGE}/ with an empty __init__.py and "
        "database.py in it (step 01), then run the checks again."
    )
