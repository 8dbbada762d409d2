"""Reading the learner's code around an error: its frames, the names they bind, its lines.

The advice (``advice``, ``code_advice``) names what the learner wrote, not what a library
saw: the line of app/router.py that passed a module, the name that module has there, the
keyword a literal was given with. These functions find those in an error's traceback and in
the learner's files; each returns nothing (None, "", []) when it cannot tell.
"""

from __future__ import annotations

import ast
import traceback
from pathlib import Path
from types import FrameType


def where_in(error: BaseException, root: Path) -> str:
    """The last line of the learner's own code in the traceback, if any."""
    last = None
    for frame in traceback.extract_tb(error.__traceback__):
        if Path(frame.filename).resolve().is_relative_to(root):
            last = frame
    if last is None:
        return ""
    where = Path(last.filename).resolve().relative_to(root)
    return f"It happened in {where}, line {last.lineno}:\n    {last.line}\n"


def learner_frames(error: BaseException, root: Path | None) -> list[FrameType]:
    """The frames of the learner's files (under ROOT) the error went through, outermost first."""
    frames = []
    tb = error.__traceback__
    while tb is not None:
        file = Path(tb.tb_frame.f_code.co_filename).resolve()
        if root is not None and file.is_relative_to(root):
            frames.append(tb.tb_frame)
        tb = tb.tb_next
    return frames


def last_frame_in(error: BaseException, root: Path) -> FrameType | None:
    """The frame of the last line of the learner's own code that the error went through."""
    frames = learner_frames(error, root)
    return frames[-1] if frames else None


def names_for(value: object, frames: list[FrameType]) -> list[str]:
    """The names the learner's frames give VALUE, innermost first: `items_router`, `engine`."""
    found: list[str] = []
    for frame in reversed(frames):
        for name, bound in [*frame.f_locals.items(), *frame.f_globals.items()]:
            if bound is value and not name.startswith("__") and name not in found:
                found.append(name)
    return found


def source_line(frame: FrameType) -> str:
    """The line of source a frame is at ("" when the file cannot be read)."""
    try:
        lines = Path(frame.f_code.co_filename).read_text(encoding="utf-8").splitlines()
        return lines[frame.f_lineno - 1]
    except (OSError, IndexError, TypeError):
        return ""


def names_in_line(frame: FrameType) -> list[str]:
    """The names a frame's current line of source uses, in order of appearance."""
    line = source_line(frame).strip()
    if line.endswith(":"):
        line += " pass"  # `class Item(database):` parses once it has a body
    try:
        tree = ast.parse(line)
    except SyntaxError:
        return []
    names = [node for node in ast.walk(tree) if isinstance(node, ast.Name)]
    return [node.id for node in sorted(names, key=lambda node: node.col_offset)]


def line_with(filename: str, piece: str) -> int | None:
    """The number of the first line of FILENAME holding PIECE (spaces ignored), if any."""
    try:
        lines = Path(filename).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    wanted = piece.replace(" ", "")
    return next((n for n, line in enumerate(lines, 1) if wanted in line.replace(" ", "")), None)


def keyword_given(filename: str, value: object) -> tuple[str, int] | None:
    """(keyword, line) where FILENAME passes the literal VALUE as a keyword argument, if any."""
    try:
        tree = ast.parse(Path(filename).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.keyword)
            and node.arg is not None
            and isinstance(node.value, ast.Constant)
            and type(node.value.value) is type(value)
            and node.value.value == value
        ):
            return node.arg, node.value.lineno
    return None


def function_in(filename: str, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The definition of the function NAME in FILENAME, if the file can be read and has one."""
    try:
        tree = ast.parse(Path(filename).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    return next(
        (
            node
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name
        ),
        None,
    )


def shown_path(filename: str, root: Path | None) -> str:
    """FILENAME as the learner names it: app/router.py under ROOT, else its own name."""
    path = Path(filename).resolve()
    if root is not None and path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return path.name
