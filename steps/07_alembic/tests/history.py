"""The history of migrations, read before any check runs it: when Alembic cannot put the
migration files in order, the file and line to change instead of Alembic's traceback.

Used by the alembic_config fixture (conftest.py): history_problem() says what every check
would fail on before any of them runs a migration.
"""

import ast
import difflib
import re
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import alembic.config
from alembic.script import ScriptDirectory

from .alembic_project import AlembicProject


@dataclass(frozen=True)
class Assignment:
    name: str
    value: Any  # the literal assigned, or None when it is not a literal
    line: int


def top_level_assignments(source: str) -> dict[str, Assignment]:
    """`name = literal` (annotated or not) at the top of a migration file, by name."""
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            try:
                literal = ast.literal_eval(value)
            except ValueError:
                literal = None
            found[target.id] = Assignment(target.id, literal, node.lineno)
    return found


def history_problem(project: AlembicProject, settings: alembic.config.Config) -> str:
    """Why Alembic cannot read the chain of migrations, with the file and line to change."""
    # A file Python cannot read stops every command; say so before Alembic does.
    declared = {}
    for path in project.migration_files():
        raw = path.read_bytes()
        try:
            # Python reads a source file as UTF-8, after the byte-order mark some Windows
            # editors write first (which ast.parse would take for a stray character).
            source = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            return not_utf8_problem(project.shown(path), raw, error)
        try:
            declared[path] = top_level_assignments(source)
        except SyntaxError as error:
            return (
                f"{project.shown(path)} has a syntax error at line {error.lineno}: {error.msg}\n"
                f"    {(error.text or '').strip()}\n"
                "Alembic reads every file in the versions folder before it runs any command, so "
                "this one file stops them all. Fix that line first."
            )
    try:
        list(ScriptDirectory.from_config(settings).walk_revisions())
    except Exception as error:  # whatever Alembic raises while reading the files
        return explained_history_error(error, project, declared)
    return ""


def not_utf8_problem(shown: str, raw: bytes, error: UnicodeDecodeError) -> str:
    """Why a migration file Python cannot decode stops Alembic, and how to save it."""
    line = raw.count(b"\n", 0, error.start) + 1
    return (
        f"{shown} is not saved as UTF-8: line {line} holds the byte 0x{raw[error.start]:02x}, "
        "which UTF-8 cannot read (an accented letter saved by an editor set to another "
        "encoding, most likely), and Python reads a source file as UTF-8. Alembic reads every "
        "file in the versions folder before it runs any command, so this one file stops them "
        "all. What to check: save the file as UTF-8 in your editor (in VS Code: click the "
        "encoding in the status bar, then 'Save with Encoding' and 'UTF-8')."
    )


# The names Alembic reads at the top of a migration file.
MIGRATION_NAMES = ("revision", "down_revision", "branch_labels", "depends_on")
ORDER_RULE = (
    "Alembic orders the migrations by these two lines: the first migration has "
    "`down_revision = None`, and each later one names the `revision` of the one before it."
)


def explained_history_error(
    error: Exception, project: AlembicProject, declared: dict[Path, dict[str, Assignment]]
) -> str:
    """Alembic's error about the chain of revisions, turned into the file and line to change."""
    text = str(error)

    def file_with(name: str, value: object) -> tuple[Path, Assignment] | None:
        for path, names in declared.items():
            if name in names and names[name].value == value:
                return path, names[name]
        return None

    def revision_of(path: Path) -> str:
        found = declared[path].get("revision")
        return f"migration {found.value}" if found else "migration"

    name = getattr(error, "name", None)
    if isinstance(error, AttributeError) and name in ("revision", "down_revision"):
        lacking = [path for path, names in declared.items() if name not in names]
        if lacking:
            path = lacking[0]
            others = [other for other in declared[path] if other not in MIGRATION_NAMES]
            near = difflib.get_close_matches(name, others, n=1, cutoff=0.75)
            typo = (
                f" Line {declared[path][near[0]].line} assigns `{near[0]}`: a typo of {name}?"
                if near
                else ""
            )
            beside = declared[path].get("revision" if name == "down_revision" else "")
            place = (
                f" Write it under `revision = {beside.value!r}` (line {beside.line})."
                if beside and not typo
                else ""
            )
            return (
                f"{project.shown(path)} has no `{name} = ...` line, so Alembic cannot place it "
                f"among the migrations.{typo}{place}\nWhat to do: {ORDER_RULE}"
            )
    if "Could not determine revision id from filename" in text:
        lacking = [path for path, names in declared.items() if "revision" not in names]
        for path in lacking:
            others = [other for other in declared[path] if other not in MIGRATION_NAMES]
            near = difflib.get_close_matches("revision", others, n=1, cutoff=0.75)
            typo = (
                f" Line {declared[path][near[0]].line} assigns `{near[0]}`: a typo of revision?"
                if near
                else ' Alembic reads it from the line `revision = "..."` at the top.'
            )
            return (
                f"{project.shown(path)} declares no `revision`, so Alembic does not know this "
                f"migration's id.{typo}\nWhat to do: {ORDER_RULE}"
            )
    revisions = next(
        (cause.revisions for cause in causes_of(error) if hasattr(cause, "revisions")), None
    )
    if revisions is not None:  # Alembic's LoopDetected and CycleDetected
        lines = []
        for revision in revisions:
            found = file_with("revision", revision)
            if found is None:
                continue
            path = found[0]
            down = declared[path].get("down_revision")
            if down is not None:
                lines.append(
                    f"  {project.shown(path)}, line {down.line}: revision {revision!r} has "
                    f"down_revision = {down.value!r}"
                )
        if len(revisions) == 1:
            headline = (
                f"The migration {revisions[0]} names itself as the migration before it, so "
                "Alembic cannot put the migrations in order:"
            )
        else:
            headline = (
                f"The migrations {', '.join(revisions)} name each other as the one before, in a "
                "circle, so Alembic cannot put them in order:"
            )
        return f"{headline}\n" + "\n".join(lines) + f"\nWhat to do: {ORDER_RULE}"
    missing = re_missing_revision(text)
    if missing is not None:
        absent, after = missing
        found = file_with("revision", after)
        where = ""
        if found is not None:
            down = declared[found[0]].get("down_revision")
            line = f", line {down.line}" if down else ""
            where = f" in {project.shown(found[0])}{line}"
        return (
            f"The migration {after}{where} has down_revision = "
            f"'{absent}', and no migration has that revision id, so Alembic cannot put the "
            "migrations in order. What to check: the first migration's down_revision is "
            "None; each later one names the revision of the migration before it (the "
            "`revision = ...` line of that file)."
        )
    frames = [
        frame
        for frame in traceback_frames(error)
        if Path(frame[0]).resolve().is_relative_to(project.root)
    ]
    where = ""
    if frames:
        file, number, source = frames[-1]
        shown = project.shown(Path(file).resolve())
        where = f"\nIt happened in {shown}, line {number}:\n    {source}"
    return (
        f"Alembic could not read the migrations: {type(error).__name__}: {error}{where}\n"
        "Alembic reads every file of the versions folder before any command; a file it "
        "cannot load stops them all."
    )


def causes_of(error: BaseException) -> Iterator[BaseException]:
    """ERROR, then the error it was raised from, and so on."""
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def re_missing_revision(text: str) -> tuple[str, str] | None:
    """(the revision named, the migration naming it) of Alembic's 'is not present' warning."""
    found = re.search(r"Revision (\S+) referenced from .*-> (\S+) .*is not present", text)
    return (found[1], found[2]) if found else None


def traceback_frames(error: BaseException) -> list[tuple[str, int, str]]:
    return [
        (frame.filename, frame.lineno or 0, (frame.line or "").strip())
        for frame in traceback.extract_tb(error.__traceback__)
    ]
