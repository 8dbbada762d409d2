"""The project's migrations run for the checks, and Alembic's errors turned into advice.

`Migrations` (the `migrations` fixture of conftest.py) runs them through pytest-alembic; when
Alembic raises, the check fails with Alembic's message, the line of the learner's files it
came from, and what to change there.
"""

import ast
import difflib
import io
import logging
import re
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from items_course.wording import describe_value
from pytest_alembic import MigrationContext
from pytest_alembic.plugin.error import AlembicTestFailure
from sqlalchemy import MetaData

MIGRATION_ADVICE = (
    "the upgrade() and downgrade() functions in alembic/versions/, and alembic/env.py "
    "(it must import app.models and set `target_metadata = Base.metadata`)."
)
# Advice for errors Alembic and SQLite raise often, by a piece of their message.
ADVICE_FOR_ERROR = {
    "No module named": (
        "the imports of alembic/env.py. Alembic runs from your project folder, where your "
        "modules live in the `app` package: `from app.database import Base` and "
        "`from app import models`, not `from database import Base`."
    ),
    "Multiple head revisions": (
        "two migrations name the same down_revision (see "
        "test_the_history_has_exactly_one_latest_migration): `alembic merge heads`, or make "
        "the newer one's down_revision the older one's revision."
    ),
    "already exists": (
        "each downgrade() in alembic/versions/ must remove what its upgrade() created "
        '(op.drop_index(...), op.drop_table("items")). Here a downgrade left a table or '
        "index behind, so the next upgrade could not create it again."
    ),
    "NOT NULL column with default value NULL": (
        "a NOT NULL column added to a table that already holds rows needs a value for those "
        'rows: sa.Column("quantity", sa.Integer(), nullable=False, server_default="0") in '
        "the migration's op.add_column (batch_op.add_column on SQLite)."
    ),
    "sqlalchemy.dialects:driver": (
        "alembic.ini still has the placeholder `sqlalchemy.url = driver://user:pass@localhost"
        "/dbname` that `alembic init` wrote, and env.py does not replace it. Either set "
        '`config.set_main_option("sqlalchemy.url", SQLALCHEMY_DATABASE_URL)` in env.py (with '
        "`from app.database import SQLALCHEMY_DATABASE_URL`), or write `sqlalchemy.url = "
        "sqlite:///./app.db` in alembic.ini."
    ),
    # autogenerate wants to drop the table: env.py's Base.metadata has no models on it.
    "drop_table('items')": (
        "alembic/env.py must `from app import models` so that Item is on Base.metadata. Do NOT "
        "run autogenerate now: its draft would drop the items table."
    ),
    "'remove_table'": (
        "alembic/env.py must `from app import models` so that Item is on Base.metadata; "
        "without it `alembic check`/autogenerate see no tables and want to drop items."
    ),
    'near "ALTER": syntax error': (
        'SQLite cannot ALTER a column in place. Write it as `with op.batch_alter_table("items") '
        "as batch_op: batch_op.alter_column(...)`, and keep render_as_batch=True in env.py."
    ),
    "Connection, url, or dialect_name is required": (
        "context.configure(...) in run_migrations_offline() of alembic/env.py must be given the "
        "database URL, which offline mode writes SQL for: `url=config.get_main_option("
        '"sqlalchemy.url")` (or the app\'s SQLALCHEMY_DATABASE_URL).'
    ),
    "provide a MetaData object": (
        "alembic/env.py must set `target_metadata = Base.metadata` (after `from app import "
        "models`); `alembic init` leaves it as None."
    ),
}


@dataclass
class Migrations:
    """The project's migrations on the check's database, through pytest-alembic's runner.

    When Alembic raises, the check fails with Alembic's own message and the line of your
    files it came from, instead of a long traceback through Alembic's code.
    """

    runner: MigrationContext
    project: Any  # the AlembicProject of tests/alembic_project.py: where each Alembic file is
    configure_calls: list[Any]  # what env.py gave context.configure, call by call

    @property
    def root(self) -> Path:
        return Path(self.project.root)

    def upgrade(self, revision: str = "heads", *, start: str | None = None) -> None:
        self.run(
            f"`alembic upgrade {'head' if revision == 'heads' else revision}` failed",
            lambda: self.runner.migrate_up_to(revision, current=start, return_current=False),
        )

    def downgrade(self, revision: str = "base") -> None:
        self.run(
            f"`alembic downgrade {revision}` failed",
            lambda: self.runner.migrate_down_to(revision, return_current=False),
        )

    def run(
        self,
        what: str,
        action: Callable[[], object],
        advice: str = MIGRATION_ADVICE,
        *,
        locate: bool = True,
        env_first: bool = False,
    ) -> None:
        """Run ACTION; if it raises, fail with Alembic's message, where it happened, and advice.

        The advice comes from what env.py declared when `env_first` (a comparison with the
        models depends on target_metadata), then from the error's text, then from the file
        and function the error came from, else it is ADVICE.
        """
        problem = ""
        try:
            # env.py logs every step to stderr ("INFO  [alembic.runtime.migration] ..."),
            # which pytest would print under every failure; the message below says what
            # matters.
            with logging_kept(), redirect_stderr(io.StringIO()):
                action()
        except Exception as error:  # whatever the migrations raise, reported below
            problem = describe(error, self.root if locate else None)
            specific = (self.metadata_problem() if env_first else "") or advice_for(problem, "")
            located = advice_from_where(error, self.project) if locate else ""
            advice = specific or located or advice
        if problem:  # failing outside `except` keeps Alembic's traceback out of the report
            pytest.fail(f"{what}:\n{problem}\nWhat to check: {advice}", pytrace=False)

    def metadata_problem(self) -> str:
        """What is wrong with the target_metadata env.py gave Alembic ("" if nothing)."""
        online = [call for call in self.configure_calls if "connection" in call.options]
        if not online:
            return ""
        call = online[-1]
        value = call.options.get("target_metadata")
        if isinstance(value, MetaData) or (
            isinstance(value, (list, tuple))
            and value
            and all(isinstance(each, MetaData) for each in value)
        ):
            return ""
        env = Path(call.file)
        shown = self.project.shown(env.resolve()) if env.is_file() else "alembic/env.py"
        declared = assignment_in(env, "target_metadata")
        if value is None:
            if "target_metadata" in call.options or declared is None or declared[1] == "None":
                return ""  # left None on purpose: the advice for that error says what to do
            return (
                f"{shown} sets `target_metadata = {declared[1]}` (line {declared[0]}), but its "
                f"context.configure(...) at line {call.line} is not given it, so Alembic "
                "compares the database with no models at all. What to do: "
                "`context.configure(connection=connection, target_metadata=target_metadata, ...)`."
            )
        where = f" (line {declared[0]}: `target_metadata = {declared[1]}`)" if declared else ""
        return (
            f"{shown} gives Alembic target_metadata = {describe_value(value)}{where}. Alembic "
            "needs the MetaData object the models' tables are collected on, not the class or "
            "module around it: `target_metadata = Base.metadata`."
        )


def advice_for(problem: str, general: str) -> str:
    """The advice for an error Alembic or SQLite raises often, else the general one."""
    for piece, advice in ADVICE_FOR_ERROR.items():
        if piece in problem:
            return advice
    return general


@contextmanager
def logging_kept() -> Iterator[None]:
    """Put logging back as it was: env.py reconfigures it from alembic.ini (fileConfig)."""
    loggers = [logging.getLogger(), *named_loggers()]
    saved = {id(logger): state_of(logger) for logger in loggers}
    try:
        yield
    finally:
        for logger in [logging.getLogger(), *named_loggers()]:
            level, handlers, propagate, disabled = saved.get(
                id(logger), (logging.NOTSET, [], True, False)
            )
            logger.setLevel(level)
            logger.handlers[:] = handlers
            logger.propagate, logger.disabled = propagate, disabled


def named_loggers() -> list[logging.Logger]:
    return [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]


def state_of(logger: logging.Logger) -> tuple[int, list[logging.Handler], bool, bool]:
    return logger.level, list(logger.handlers), logger.propagate, logger.disabled


def assignment_in(file: Path, name: str) -> tuple[int, str] | None:
    """(line, the source of the value) of the last top-level `NAME = ...` in FILE, if any."""
    try:
        source = file.read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (OSError, SyntaxError):
        return None
    found = None
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if value is not None and any(isinstance(t, ast.Name) and t.id == name for t in targets):
            found = (node.lineno, ast.get_source_segment(source, value) or "")
    return found


def advice_from_where(error: BaseException, project: Any) -> str:
    """Advice for an error by where it came from: a migration's upgrade() or downgrade(), or
    env.py; with the name probably meant when the error is a misspelt one ("" if no file)."""
    frame = last_frame_in(error, Path(project.root))
    if frame is None:
        return ""
    file = Path(frame.filename).resolve()
    shown = project.shown(file)
    near = meant_name(error)
    if any(file.is_relative_to(folder) for folder in project.version_folders):
        if frame.name == "downgrade":
            return (
                f"downgrade() of {shown} undoes its upgrade() in reverse order: what upgrade() "
                "made last goes first, and each step names something that still exists at that "
                "point (the indexes before the table they belong to)."
            ) + near
        return (
            f"the line above in {frame.name}() of {shown}; each op.* call there changes the "
            "schema one step (op.create_table, op.add_column, batch_op.alter_column...)."
        ) + near
    if project.env is not None and file == project.env:
        return (
            f"the line above in {shown}. It imports the models (`from app import models`), "
            "sets `target_metadata = Base.metadata`, and calls context.configure(...) and "
            "context.run_migrations()."
        ) + near
    return near.strip()


def last_frame_in(error: BaseException, root: Path) -> traceback.FrameSummary | None:
    """The last frame of the project's files an error (or the one it re-raised) went through."""
    last = None
    seen: BaseException | None = error
    while seen is not None:
        for frame in traceback.extract_tb(seen.__traceback__):
            file = Path(frame.filename).resolve()
            if file.is_relative_to(root) and "site-packages" not in file.parts:
                last = frame
        seen = seen.__cause__ or seen.__context__
    return last


def meant_name(error: BaseException) -> str:
    """' Did you mean `create_table` (not `create_tabel`)?' for a misspelt name, else ""."""
    wanted, candidates = None, []
    if isinstance(error, AttributeError) and error.name and error.obj is not None:
        wanted, candidates = error.name, dir(error.obj)
    elif isinstance(error, ImportError) and error.name:
        found = re.match(r"cannot import name '(\w+)'", str(error))
        module = sys.modules.get(error.name)
        if found and module is not None:
            wanted, candidates = found[1], list(vars(module))
            files = getattr(module, "__path__", None)
            if files:  # a package: its modules can be imported from it too
                candidates += [path.stem for folder in files for path in Path(folder).glob("*.py")]
    if wanted is None:
        return ""
    near = difflib.get_close_matches(wanted, sorted(set(candidates) - {wanted}), n=1, cutoff=0.75)
    return f" Did you mean `{near[0]}` (not `{wanted}`)?" if near else ""


def describe(error: BaseException, root: Path | None) -> str:
    """The error's message, and the last line of the project's files (in `root`) it went through."""
    if isinstance(error, AlembicTestFailure):
        message = str(error)
        # pytest-alembic's explanation speaks of "DDL" and "manual changes"; the draft it
        # shows after that says it all.
        header = "The upgrade which would have been generated would look like:"
        if header in message:
            draft = message.partition(header)[2].strip("\n")
            message = (
                "app/models.py and the tables the migrations build differ. To make them agree, "
                f"`alembic revision --autogenerate` would write:\n{draft}"
            )
    else:
        message = f"{type(error).__name__}: {error}"
    if root is None:
        return message
    last = last_frame_in(error, root)  # from the error Alembic re-raised down to the original
    if last is None:
        return message
    where = Path(last.filename).resolve().relative_to(root)
    return f"{message}\nIt happened in {where}, line {last.lineno}:\n    {last.line}"
