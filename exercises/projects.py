"""An exercise's starter and solution, built from the project it starts from and its overlays.

An exercise keeps only the files it changes (rustlings and Exercism keep only the file the
learner edits): `starter/` holds what the starter changes or adds to its base (a step
snapshot, or another exercise's project), `solution/` what the solution changes or adds to
the starter. The full projects are put together here, from those layers, whenever the
grader, `release`, `export` or a test needs one, so a fix to a step reaches every exercise
built on it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

# What a project is made of, in a step snapshot: its package, and its migrations if it has
# them. A snapshot's README and its own checks (tests/) are the lesson's, not the project's.
PROJECT_PARTS = ("app", "alembic", "alembic.ini")
# Never part of a project: what running it or its tests leaves behind.
_LEFT_BY_RUNS = ("__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache")
_LEFT_BY_RUNS_SUFFIXES = (".pyc", ".db", ".db-journal")

# Relative path (POSIX) of a file in the project -> the file it is copied from.
ProjectFiles = dict[str, Path]


def _kept(relative: Path) -> bool:
    return not any(part in _LEFT_BY_RUNS for part in relative.parts) and not relative.name.endswith(
        _LEFT_BY_RUNS_SUFFIXES
    )


def files_under(folder: Path, parts: Iterable[str] | None = None) -> ProjectFiles:
    """The files of FOLDER (only those under PARTS, when given), by their path inside it,
    leaving out what runs leave behind. A link is never followed: these are our own folders,
    and a link in one is a mistake to report, not to copy."""
    roots = [folder / part for part in parts] if parts is not None else [folder]
    found: ProjectFiles = {}
    for root in roots:
        if root.is_symlink():
            raise ValueError(f"{root} is a link; an exercise's files must be real files")
        candidates = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
        for path in candidates:
            relative = path.relative_to(folder)
            if path.is_symlink():
                raise ValueError(f"{path} is a link; an exercise's files must be real files")
            if path.is_file() and _kept(relative):
                found[relative.as_posix()] = path
    return found


def snapshot_files(snapshot: Path) -> ProjectFiles:
    """The project files of a step snapshot (or of any folder laid out like one)."""
    if not (snapshot / "app").is_dir():
        raise ValueError(f"{snapshot} has no app/ folder: it is not a project to build on")
    return files_under(snapshot, PROJECT_PARTS)


def layered(base: ProjectFiles, *overlays: ProjectFiles) -> ProjectFiles:
    """BASE with each overlay's files over it, in order (a later file replaces an earlier)."""
    files = dict(base)
    for overlay in overlays:
        files.update(overlay)
    return files


def write(files: Mapping[str, Path], target: Path) -> Path:
    """Copy FILES into TARGET (created; it must not hold anything yet) and return TARGET."""
    target.mkdir(parents=True, exist_ok=True)
    if any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty; give a new folder")
    for relative, source in sorted(files.items()):
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
    return target


class BuiltProjects:
    """Full projects put together on first use, once per process, in a private temporary
    folder that is deleted when the process ends. Keyed by what they are built from, so a
    project is rebuilt when one of its files changes place (another exercise root)."""

    def __init__(self) -> None:
        self._root: Path | None = None
        self._built: dict[tuple[tuple[str, str], ...], Path] = {}

    def get(self, files: Mapping[str, Path], label: str, name: str) -> Path:
        """The folder LABEL/NAME holding FILES (built now if this process has not built it
        yet). NAME is the folder's own name, which a grading reports results under."""
        key = tuple(sorted((relative, str(path)) for relative, path in files.items()))
        if key not in self._built:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="items-course-projects-"))
                # The projects are public material (starters and the course's own
                # solutions); a sandboxed run that is not root may be given one to copy.
                os.chmod(self._root, 0o755)
                atexit.register(self.clear)
            folder, copies = self._root / label / name, 1
            while folder.exists():  # the same exercise from another root (a test's copy)
                folder, copies = self._root / f"{label}-{copies}" / name, copies + 1
            self._built[key] = write(files, folder)
        return self._built[key]

    def clear(self) -> None:
        """Delete every project built so far."""
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None
            self._built.clear()


BUILT = BuiltProjects()
