"""The grader's hands on a submission's files: never with its own privileges on a link.

The grader runs as root, and a submission's files (the folder handed in, and everything the
learner's code writes while it runs) are the learner's to shape: a symbolic link to a host
file, a hard link to a root-only one, a FIFO or a device that blocks a reader for ever, a
sparse file of gigabytes, a tree a thousand folders deep, names that are not UTF-8. So
every path below is walked one component at a time from a folder descriptor, each
component opened with O_NOFOLLOW; only regular files with a single link are read, and at
most so many bytes; FIFOs, devices and sockets are refused without being opened for
reading (O_NONBLOCK, then a check of what was opened); nothing recurses, so no depth can
exhaust the stack. What is refused is reported in words for the learner.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
# Caches a submission may hold: never graded, never copied.
SKIPPED_NAMES = frozenset({"__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache", ".git"})
MAX_DEPTH = 32
MAX_ENTRIES = 5000


class Refused(OSError):
    """A path the grader will not open: the message says why, for the learner."""


def shown(relative: str) -> str:
    """A path for a message: control characters and bytes that are not UTF-8 made visible."""
    text = relative.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def _open_folder(root: Path, parts: Iterable[str]) -> int:
    """A descriptor of ROOT/PARTS..., every component opened without following a link."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in parts:
            child = os.open(part, _DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
    except OSError:
        os.close(fd)
        raise
    return fd


def _split(relative: str) -> tuple[list[str], str]:
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        raise Refused(f"{shown(relative)}: not a path inside the project")
    return parts[:-1], parts[-1]


def _read_open(fd: int, relative: str, limit: int) -> bytes:
    """Read the regular file open on FD (at most LIMIT bytes, else Refused)."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise Refused(f"{shown(relative)} is {_kind(info.st_mode)}, not a regular file")
    if info.st_nlink > 1:
        raise Refused(f"{shown(relative)} is a hard link (a file with {info.st_nlink} names)")
    if info.st_size > limit:
        raise Refused(f"{shown(relative)} holds {info.st_size} bytes, more than {limit}")
    chunks: list[bytes] = []
    size = 0
    while size <= limit:  # the size can grow while we read: never past the limit
        chunk = os.read(fd, min(1 << 20, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise Refused(f"{shown(relative)} holds more than {limit} bytes")
    return b"".join(chunks)


def read_file(root: Path, relative: str, limit: int) -> bytes | None:
    """The bytes of ROOT/RELATIVE (None when there is no such entry), or Refused when it is
    not a regular file with one name, or larger than LIMIT bytes."""
    folders, name = _split(relative)
    try:
        parent = _open_folder(root, folders)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise Refused(f"{shown(relative)}: a folder on the way is not a plain folder") from error
    try:
        try:
            fd = os.open(name, _READ, dir_fd=parent)
        except FileNotFoundError:
            return None
        except OSError as error:
            info = os.stat(name, dir_fd=parent, follow_symlinks=False)
            raise Refused(f"{shown(relative)} is {_kind(info.st_mode)}") from error
        try:
            return _read_open(fd, relative, limit)
        finally:
            os.close(fd)
    finally:
        os.close(parent)


def write_file(root: Path, relative: str, data: bytes, owner: tuple[int, int] | None) -> None:
    """Replace ROOT/RELATIVE by a new regular file holding DATA, given to OWNER: whatever
    was there (a link included) is unlinked first, never written through."""
    folders, name = _split(relative)
    parent = _open_folder(root, folders)
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=parent)
        fd = os.open(name, _CREATE, 0o644, dir_fd=parent)
        try:
            if owner is not None:
                os.fchown(fd, *owner)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
    finally:
        os.close(parent)


def remove_file(root: Path, relative: str) -> None:
    """Remove the entry ROOT/RELATIVE if it is there and not a folder (a link: the link)."""
    folders, name = _split(relative)
    try:
        parent = _open_folder(root, folders)
    except FileNotFoundError:
        return
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=parent)
    finally:
        os.close(parent)


@dataclass
class Scan:
    """The regular files found under a folder (relative path, bytes) and what was refused."""

    files: list[tuple[str, bytes]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _entries(fd: int) -> list[tuple[str, os.stat_result]]:
    with os.scandir(fd) as listing:
        names = sorted(entry.name for entry in listing)
    found = []
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            found.append((name, os.stat(name, dir_fd=fd, follow_symlinks=False)))
    return found


def _walk(root: Path, max_depth: int) -> Iterator[tuple[int, str, str, os.stat_result | None]]:
    """(folder descriptor, relative path, name, lstat) of each entry under ROOT, depth
    first; an entry at MAX_DEPTH comes with None (not entered). Iterative: no recursion."""
    top = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    stack: list[tuple[int, str, Iterator[tuple[str, os.stat_result]]]] = [
        (top, "", iter(_entries(top)))
    ]
    try:
        while stack:
            fd, prefix, pending = stack[-1]
            entry = next(pending, None)
            if entry is None:
                os.close(fd)
                stack.pop()
                continue
            name, info = entry
            relative = f"{prefix}{name}"
            if stat.S_ISDIR(info.st_mode):
                if len(stack) > max_depth:
                    yield fd, relative, name, None
                    continue
                yield fd, relative, name, info
                try:
                    child = os.open(name, _DIRECTORY, dir_fd=fd)
                except OSError:
                    continue
                stack.append((child, f"{relative}/", iter(_entries(child))))
            else:
                yield fd, relative, name, info
    finally:
        for fd, _, _ in stack:
            os.close(fd)


def scan(
    root: Path,
    *,
    skip: frozenset[str] = frozenset(),
    file_limit: int,
    total_limit: int,
    max_depth: int = MAX_DEPTH,
) -> Scan:
    """Every regular file under ROOT with its bytes (at most FILE_LIMIT each, TOTAL_LIMIT in
    all); links, FIFOs, devices, hard links, oversize files and folders deeper than
    MAX_DEPTH are refused (named in `refused`), never opened for reading."""
    found = Scan()
    budget = total_limit
    for fd, relative, name, info in _walk(root, max_depth):
        if info is None:
            found.refused.append(f"{shown(relative)}: folders nested deeper than {max_depth}")
            continue
        if stat.S_ISDIR(info.st_mode) or name in skip:
            continue
        if len(found.files) + len(found.refused) >= MAX_ENTRIES:
            found.refused.append(f"more than {MAX_ENTRIES} files")
            break
        if not stat.S_ISREG(info.st_mode):
            found.refused.append(f"{shown(relative)} is {_kind(info.st_mode)}")
            continue
        try:
            descriptor = os.open(name, _READ, dir_fd=fd)
        except OSError:
            found.refused.append(f"{shown(relative)} could not be opened")
            continue
        try:
            data = _read_open(descriptor, relative, min(file_limit, budget))
        except Refused as refused:
            found.refused.append(str(refused))
            continue
        finally:
            os.close(descriptor)
        budget -= len(data)
        found.files.append((relative, data))
    return found


@dataclass
class CopyReport:
    """What copying a submission left out, in words for the learner."""

    notes: list[str] = field(default_factory=list)


@dataclass
class _Copy:
    target: Path
    owner: tuple[int, int] | None
    accept: Callable[[str], bool]
    file_limit: int
    total: int
    budget: int
    report: CopyReport
    entries: int = 0

    def folder(self, relative: str) -> None:
        folder = self.target / relative
        folder.mkdir(exist_ok=True)
        if self.owner is not None:
            os.chown(folder, *self.owner)

    def file(self, fd: int, relative: str) -> None:
        """Copy the file open on FD to TARGET/RELATIVE, or note why not."""
        try:
            data = _read_open(fd, relative, min(self.file_limit, self.budget))
        except Refused as refused:
            size = os.fstat(fd).st_size
            if "hard link" in str(refused):
                why = "hard links are not graded"
            elif self.file_limit < self.total and size > self.file_limit:
                why = f"larger than {_amount(self.file_limit)}"
            elif "more than" in str(refused):
                why = f"the submission is larger than {_amount(self.total)}"
            else:
                why = str(refused).removeprefix(shown(relative) + " ")
            self.report.notes.append(f"skipped {shown(relative)}: {why}")
            return
        self.budget -= len(data)
        out = os.open(self.target / relative, _CREATE, 0o644)
        try:
            if self.owner is not None:
                os.fchown(out, *self.owner)
            view = memoryview(data)
            while view:
                view = view[os.write(out, view) :]
        finally:
            os.close(out)

    def entry(self, parent: int | Path, name: str, relative: str, mode: int) -> None:
        """Copy one entry NAME of PARENT (a folder descriptor, or the submission's path)."""
        if stat.S_ISDIR(mode):
            self.folder(relative)
            return
        if not self.accept(relative):
            return
        if not stat.S_ISREG(mode):
            why = "symbolic links are not graded" if stat.S_ISLNK(mode) else f"it is {_kind(mode)}"
            self.report.notes.append(f"skipped {shown(relative)}: {why}")
            return
        try:
            if isinstance(parent, int):
                fd = os.open(name, _READ, dir_fd=parent)
            else:
                fd = os.open(parent / name, _READ)
        except OSError:  # replaced by a link or a FIFO since it was listed
            self.report.notes.append(f"skipped {shown(relative)}: not a regular file")
            return
        try:
            self.file(fd, relative)
        finally:
            os.close(fd)


def _amount(size: int) -> str:
    """SIZE bytes in words: '5 MB', '900 KB', '12 bytes'."""
    if size >= 2**20:
        return f"{size / 2**20:g} MB"
    return f"{size / 2**10:g} KB" if size >= 2**10 else f"{size} bytes"


def copy_in(
    source: Path,
    target: Path,
    entries: Iterable[str],
    *,
    owner: tuple[int, int] | None,
    budget: int,
    file_limit: int | None = None,
    accept: Callable[[str], bool] = lambda relative: True,
) -> CopyReport:
    """Copy the named top-level ENTRIES of the submission SOURCE (files or folders) into
    TARGET, a new folder of the grader, giving every copy to OWNER.

    Only regular files with one name are copied, and only those whose relative path
    ACCEPT takes; links, FIFOs, devices, hard links, caches, folders deeper than MAX_DEPTH,
    files over FILE_LIMIT bytes and whatever passes BUDGET bytes in all are left out with a
    note. Anything else in the submission (conftest.py, sitecustomize.py, *.pth...) is
    simply not there when its code runs."""
    report = CopyReport()
    copy = _Copy(target, owner, accept, file_limit or budget, budget, budget, report)
    target.mkdir(parents=True, exist_ok=True)
    if owner is not None:
        os.chown(target, *owner)
    for name in entries:
        try:
            info = os.stat(source / name, follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode):
            copy.entry(source, name, name, info.st_mode)
            continue
        copy.folder(name)
        for fd, relative, entry, found in _walk(source / name, MAX_DEPTH):
            path = f"{name}/{relative}"
            if set(relative.split("/")) & SKIPPED_NAMES:
                continue
            if found is None:
                report.notes.append(f"skipped {shown(path)}: folders nested too deep")
                continue
            copy.entries += 1
            if copy.entries > MAX_ENTRIES:
                report.notes.append(f"skipped the rest of {shown(name)}/: too many files")
                break
            copy.entry(fd, entry, path, found.st_mode)
    return report


def remove_tree(path: Path) -> bool:
    """Remove PATH and everything under it, however deep and whatever the names, without
    following a link and without recursion; True when nothing is left."""
    try:
        info = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return True
    if not stat.S_ISDIR(info.st_mode):
        with contextlib.suppress(OSError):
            os.unlink(path)
        return not os.path.lexists(path)
    try:
        fd = _open_folder(path.parent, [path.name])
    except OSError:
        return False
    names: list[str] = []  # the folders entered below PATH, to come back up
    stuck: set[tuple[int, int]] = set()  # folders that would not go: not entered again
    while True:
        child = -1
        try:
            listing = _entries(fd)
        except OSError:
            listing = []
        for name, entry in listing:
            if not stat.S_ISDIR(entry.st_mode):
                with contextlib.suppress(OSError):
                    os.unlink(name, dir_fd=fd)
                continue
            if (entry.st_dev, entry.st_ino) in stuck:
                continue
            try:
                child = _enter(fd, name)
            except OSError:
                stuck.add((entry.st_dev, entry.st_ino))
                continue
            names.append(name)
            break
        if child >= 0:
            os.close(fd)
            fd = child
            continue
        if not names:
            os.close(fd)
            break
        # ".." of a folder is its real parent: no link can stand in for it.
        here = os.fstat(fd)
        parent = os.open("..", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=fd)
        os.close(fd)
        fd = parent
        name = names.pop()
        try:
            os.rmdir(name, dir_fd=fd)
        except OSError:
            stuck.add((here.st_dev, here.st_ino))
    with contextlib.suppress(OSError):
        os.rmdir(path)
    return not os.path.lexists(path)


def _enter(fd: int, name: str) -> int:
    """Open the folder NAME of FD, making it listable first if it is closed to us."""
    try:
        return os.open(name, _DIRECTORY, dir_fd=fd)
    except PermissionError:
        os.chmod(name, 0o700, dir_fd=fd)  # a folder (just listed as one), ours to remove
        return os.open(name, _DIRECTORY, dir_fd=fd)


# Folders an archive tool adds that are never the learner's project.
_NOT_A_PROJECT = ("__MACOSX",)


def locate_project(submission: Path, marker: str) -> tuple[Path, str | None]:
    """The folder of SUBMISSION that holds MARKER (app/, or tests/ for unit exercises):
    SUBMISSION itself, or its one folder that does, one or two levels down (a zip of the
    project folder, `01_put/app/`); with a note saying where it was found. No link is
    followed."""

    def holds(folder: Path) -> bool:
        with contextlib.suppress(OSError):
            return stat.S_ISDIR(os.lstat(folder / marker).st_mode)
        return False

    def folders(parent: Path) -> list[Path]:
        with contextlib.suppress(OSError), os.scandir(parent) as entries:
            return sorted(
                Path(entry.path)
                for entry in entries
                if entry.is_dir(follow_symlinks=False)
                and not entry.name.startswith(".")
                and entry.name not in _NOT_A_PROJECT
            )
        return []

    if holds(submission):
        return submission, None
    level = [submission]
    for _ in range(2):
        level = [child for parent in level for child in folders(parent)]
        found = [folder for folder in level if holds(folder)]
        if len(found) == 1:
            where = found[0].relative_to(submission).as_posix()
            return found[0], f"Graded the project in {where}/ (its {marker}/ folder is there)."
        if found:
            return submission, None  # several: which one is meant is not ours to guess
    return submission, None
