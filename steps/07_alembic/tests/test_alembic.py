"""Checks for step 07: Alembic migrations — alembic.ini, alembic/env.py and alembic/versions/.

Each check runs the project's own migrations on an empty SQLite file of its own (see
tests/conftest.py), through pytest-alembic's `alembic_runner`, then looks at the database
the migrations produced. The last check runs `alembic upgrade head` as you would type it.
"""

import ast
import difflib
import io
import logging
import re
import shutil
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import Any

import alembic.command
import alembic.config
import pytest
from items_course.wording import describe_value
from pytest_alembic import MigrationContext
from pytest_alembic.plugin.error import AlembicTestFailure
from pytest_alembic.tests import default
from sqlalchemy import Engine, MetaData, create_engine, inspect, select, text

ITEMS_COLUMNS = {"id", "title", "description", "price", "is_available"}
NO_ITEMS_TABLE = (
    "After `alembic upgrade head` on an empty database there is no `items` table.\n"
    "What to check: a file in alembic/versions/ whose upgrade() calls "
    'op.create_table("items", ...), made by `alembic revision --autogenerate` once env.py '
    "sets `target_metadata = Base.metadata` and imports app.models."
)
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
# `op.create_table("items", ...)` or `op.create_table('items', ...)` in a migration file.
CREATES_ITEMS = re.compile(r"""create_table\(\s*["']items["']""")
# `from app import models`, `import app.models` or `from app.models import Item` in env.py.
IMPORTS_MODELS = re.compile(
    r"^\s*(from app import .*\bmodels\b|import app\.models|from app\.models import)", re.M
)
METADATA_LEFT_NONE = re.compile(r"^target_metadata\s*=\s*None\b", re.M)


@dataclass
class Migrations:
    """The project's migrations on the check's database, through pytest-alembic's runner.

    When Alembic raises, the check fails with Alembic's own message and the line of your
    files it came from, instead of a long traceback through Alembic's code.
    """

    runner: MigrationContext
    project: Any  # the AlembicProject of tests/conftest.py: where each Alembic file is
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


def why_no_items_table(project: Any) -> str:
    """NO_ITEMS_TABLE, or what the project's Alembic files show to be the reason."""
    env_file = project.env
    env = env_file.read_text(encoding="utf-8") if env_file and env_file.is_file() else ""
    migrations = project.migration_files()
    if not migrations:
        if METADATA_LEFT_NONE.search(env):
            return (
                "alembic/versions/ holds no migration, and alembic/env.py still says "
                "`target_metadata = None`, as `alembic init` wrote it: with that, `alembic "
                "revision --autogenerate` stops with \"Can't proceed with --autogenerate "
                'option" and writes nothing.\nWhat to do: in env.py, `from app.database '
                "import Base`, `from app import models` and `target_metadata = Base.metadata`; "
                'then `alembic revision --autogenerate -m "add items table"`.'
            )
        return (
            "alembic/versions/ holds no migration yet, so `alembic upgrade head` has nothing "
            'to run.\nWhat to do: `alembic revision --autogenerate -m "add items table"` in '
            "your project folder, then read the file it wrote."
        )
    if migrations_create_items(project):
        return NO_ITEMS_TABLE
    names = ", ".join(project.shown(file) for file in migrations)
    causes = [
        "your app.db already had an items table (the app's create_all made it in step 06), "
        "so Alembic saw nothing to add;"
    ]
    first = "delete the empty migration"
    if not IMPORTS_MODELS.search(env):
        causes.insert(
            0,
            "alembic/env.py does not import app.models, so Base.metadata holds no table "
            "(add `from app import models`);",
        )
        first = "add `from app import models` to alembic/env.py, " + first
    return (
        f'No migration creates the items table: no op.create_table("items", ...) in '
        f"{names}.\n`alembic revision --autogenerate` writes what differs between the models "
        "env.py sees and the database it connects to, so an empty draft means it saw no "
        "difference:\n"
        + "\n".join(f"  - {cause}" for cause in causes)
        + f"\nWhat to do: {first}, move app.db aside, then run `alembic revision "
        '--autogenerate -m "add items table"` again and check that its upgrade() calls '
        'op.create_table("items", ...).'
    )


def migrations_create_items(project: Any) -> bool:
    """Whether a migration file calls op.create_table("items", ...)."""
    return any(
        CREATES_ITEMS.search(file.read_text(encoding="utf-8")) for file in project.migration_files()
    )


def require_items_table(engine: Engine, project: Any) -> None:
    """Fail, saying why, unless the migrations made the items table."""
    if "items" not in tables_in(engine):
        pytest.fail(why_no_items_table(project), pytrace=False)


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


@pytest.fixture
def migrations(
    alembic_runner: MigrationContext, alembic_project: Any, configure_calls: list[Any]
) -> Migrations:
    return Migrations(alembic_runner, alembic_project, configure_calls)


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


def tables_in(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def schema_of(engine: Engine) -> dict[str, Any]:
    """Every table but alembic_version, with its columns, keys and indexes as reflected."""
    inspector = inspect(engine)
    return {
        table: {
            "columns": [
                (column["name"], str(column["type"]), column["nullable"], column.get("default"))
                for column in inspector.get_columns(table)
            ],
            "primary key": inspector.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted(
                (index["name"], tuple(index["column_names"]), bool(index["unique"]))
                for index in inspector.get_indexes(table)
            ),
        }
        for table in sorted(tables_in(engine) - {"alembic_version"})
    }


def wipe(engine: Engine) -> None:
    """Drop every table, alembic_version included: the database is back at `base`."""
    everything = MetaData()
    everything.reflect(engine)
    everything.drop_all(engine)


# --- The files and the history -----------------------------------------------------------
def test_alembic_files_are_in_the_project(alembic_files_problem: str) -> None:
    if alembic_files_problem:
        pytest.fail(alembic_files_problem, pytrace=False)


def test_the_history_has_exactly_one_latest_migration(migrations: Migrations) -> None:
    heads = migrations.runner.heads
    if not heads:
        pytest.fail(why_no_items_table(migrations.project), pytrace=False)
    if len(heads) > 1:
        pytest.fail(
            f"Expected one latest migration (one 'head'), found {len(heads)}: {heads}. Two "
            "migrations claim the same parent (down_revision). What to do: "
            "`alembic merge heads`.",
            pytrace=False,
        )


# --- Upgrade -------------------------------------------------------------------------------
def test_upgrade_head_creates_the_items_table(
    migrations: Migrations, alembic_engine: Engine, models: ModuleType
) -> None:
    assert tables_in(alembic_engine) == set(), "The check's database should start empty."

    migrations.upgrade()

    require_items_table(alembic_engine, migrations.project)
    columns = {column["name"] for column in inspect(alembic_engine).get_columns("items")}
    # The article's five columns, and any your models added since (with their migrations).
    expected = ITEMS_COLUMNS | set(models.Item.__table__.columns.keys())
    if columns != expected:
        pytest.fail(
            f"After the migrations, items should have the columns of app/models.py, "
            f"{sorted(expected)}; it has {sorted(columns)}.\nWhat to check: the "
            'op.create_table("items", ...) and op.add_column calls in alembic/versions/, '
            "against app/models.py.",
            pytrace=False,
        )


def test_upgraded_items_table_keeps_the_models_rules(
    migrations: Migrations, alembic_engine: Engine
) -> None:
    migrations.upgrade()
    require_items_table(alembic_engine, migrations.project)

    inspector = inspect(alembic_engine)
    nullable = {column["name"]: column["nullable"] for column in inspector.get_columns("items")}
    indexed = [index["column_names"] for index in inspector.get_indexes("items")]
    primary_key = inspector.get_pk_constraint("items")["constrained_columns"]
    expected = {
        "`id` is the primary key": primary_key == ["id"],
        "`title` is NOT NULL": nullable.get("title") is False,
        "`price` is NOT NULL": nullable.get("price") is False,
        "`description` accepts NULL": nullable.get("description") is True,
        "`title` has an index": ["title"] in indexed,
    }
    broken = [rule for rule, holds in expected.items() if not holds]
    assert not broken, (
        "The table the migrations build breaks these rules of app/models.py:\n  "
        + "\n  ".join(broken)
        + "\nWhat to check: the sa.Column(...) lines (nullable=...) and the create_index calls "
        "in alembic/versions/. If models.py changed after the migration was written, make a "
        "new one with `alembic revision --autogenerate`."
    )


def test_the_migrations_match_the_models(migrations: Migrations, alembic_engine: Engine) -> None:
    # Without the items table on both sides (no `from app import models` in env.py, and an
    # empty migration) the comparison below would find nothing to do and pass.
    migrations.upgrade()
    require_items_table(alembic_engine, migrations.project)

    # After `upgrade head`, `revision --autogenerate` must find nothing left to do.
    migrations.run(
        "After `alembic upgrade head`, `alembic revision --autogenerate` should find nothing "
        "to do (the migrations build exactly what app/models.py describes), but it did not",
        lambda: default.test_model_definitions_match_ddl(migrations.runner),
        advice="make a migration for the difference with `alembic revision --autogenerate "
        '-m "describe the change"`, read it, then run `alembic upgrade head`.',
        locate=False,  # the difference is the point, not where Alembic noticed it
        env_first=True,  # Alembic compares with what env.py gave it as target_metadata
    )


# --- Downgrade -----------------------------------------------------------------------------
def test_downgrade_base_removes_the_items_table(
    migrations: Migrations, alembic_engine: Engine
) -> None:
    migrations.upgrade()
    require_items_table(alembic_engine, migrations.project)

    migrations.downgrade("base")

    left = tables_in(alembic_engine) - {"alembic_version"}
    if left:
        pytest.fail(
            f"After `alembic downgrade base` only alembic_version may remain, but the database "
            f"still has {sorted(left)}.\nWhat to check: downgrade() in alembic/versions/ "
            'undoes upgrade(), e.g. op.drop_index(...) and op.drop_table("items").',
            pytrace=False,
        )


def test_up_down_up_leaves_the_same_schema(migrations: Migrations, alembic_engine: Engine) -> None:
    migrations.upgrade()
    first = schema_of(alembic_engine)

    # pytest-alembic: down one migration at a time to base, then up one at a time again.
    migrations.run(
        "Going down to base and back up, one migration at a time, failed",
        lambda: default.test_up_down_consistency(migrations.runner),
    )

    again = schema_of(alembic_engine)
    assert again == first, (
        "Downgrading to base and upgrading again should rebuild the same tables.\n"
        f"  first upgrade:        {first}\n  after the round trip: {again}\n"
        "What to check: each downgrade() undoes exactly what its upgrade() did."
    )


def test_each_downgrade_undoes_its_upgrade(migrations: Migrations, alembic_engine: Engine) -> None:
    revisions = migrations.runner.history.revisions[1:-1]  # without 'base' and 'heads'
    for before, revision in pairwise(["base", *revisions]):
        wipe(alembic_engine)
        if before != "base":
            migrations.upgrade(before, start="base")
        expected = schema_of(alembic_engine)
        migrations.upgrade(revision, start=before)
        migrations.downgrade(before)
        assert schema_of(alembic_engine) == expected, (
            f"`alembic downgrade {before}` after upgrading to {revision} should give back the "
            f"schema of {before}.\n  before: {expected}\n  after:  {schema_of(alembic_engine)}\n"
            f"What to check: downgrade() of {revision} undoes everything its upgrade() did "
            "(drop_column for add_column, and so on)."
        )


# --- Data ----------------------------------------------------------------------------------
def test_stored_rows_survive_upgrading_to_head(
    migrations: Migrations, alembic_engine: Engine
) -> None:
    # At every revision that has the items table (head included), store a row, then run
    # `alembic upgrade head`: the row must still be there, whatever migrations lie between.
    revisions = migrations.runner.history.revisions[1:-1]  # without 'base' and 'heads'
    tried = []
    for revision in revisions:
        wipe(alembic_engine)
        migrations.upgrade(revision, start="base")
        if "items" not in tables_in(alembic_engine):
            continue
        row = {"title": f"Stored at {revision}", "price": 12.5}
        with alembic_engine.begin() as connection:
            connection.execute(
                text("INSERT INTO items (title, price) VALUES (:title, :price)"), row
            )

        migrations.upgrade("heads", start=revision)

        stored = [tuple(found) for found in stored_titles_and_prices(alembic_engine)]
        same_title = [found for found in stored if found[0] == row["title"]]
        assert not same_title or (row["title"], row["price"]) in stored, (
            f"The row ({row['title']!r}, price {row['price']}) stored at revision {revision} "
            f"is still there after `alembic upgrade head`, but it now reads {same_title}: a "
            "migration changed stored data. What to check: the upgrade() of each later "
            "migration changes the schema only, unless it is meant to change data."
        )
        assert (row["title"], row["price"]) in stored, (
            f"A row stored at revision {revision} should still be there after "
            f"`alembic upgrade head`, but items now holds {stored}.\nWhat to check: the "
            "migrations after that revision change the table in place (op.add_column, "
            "batch_op.alter_column) instead of dropping and re-creating it."
        )
        tried.append(revision)
    if not tried:
        pytest.fail(why_no_items_table(migrations.project), pytrace=False)


def stored_titles_and_prices(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        reflected = MetaData()
        reflected.reflect(connection, only=["items"])
        items = reflected.tables["items"]
        return list(connection.execute(select(items.c.title, items.c.price)))


# --- As you would type it ------------------------------------------------------------------
@pytest.mark.slow
def test_alembic_upgrade_head_works_from_the_project_folder(
    alembic_project: Any, alembic_files_problem: str, tmp_path: Path, database: ModuleType
) -> None:
    if alembic_files_problem:
        pytest.fail(alembic_files_problem, pytrace=False)
    project = copy_of_the_project(alembic_project, tmp_path)

    run_alembic(project, "upgrade", "head")
    # A fresh process: env.py alone must put the models on Base.metadata.
    run_alembic(project, "check")

    # The file the app itself uses (app.db in the article; step 01 accepts any file name).
    app_file = str(database.engine.url.database)
    if Path(app_file).is_absolute():
        pytest.fail(
            f"app/database.py names its database by an absolute path, {app_file}, so this "
            "check, which runs in a copy of your project, would migrate your real database. "
            "What to check: a path relative to the project folder, as the lesson's "
            "'sqlite:///./app.db'.",
            pytrace=False,
        )
    db_file = project / app_file
    assert db_file.exists(), (
        f"`alembic upgrade head` succeeded but {app_file}, the file app/database.py uses, did "
        "not appear in the project folder: the migrations went to another database. What to "
        "check: env.py takes the URL from the app (`from app.database import "
        "SQLALCHEMY_DATABASE_URL`), and no `sqlalchemy.url` in alembic.ini overrides it."
    )
    engine = create_engine(f"sqlite:///{db_file}")
    try:
        tables = tables_in(engine)
    finally:
        engine.dispose()
    if not {"items", "alembic_version"} <= tables:
        pytest.fail(
            f"After `alembic upgrade head`, {app_file} should hold items and alembic_version, got "
            f"{sorted(tables)}.\n{why_no_items_table(alembic_project)}",
            pytrace=False,
        )


def test_alembic_upgrade_head_sql_prints_the_sql_and_touches_no_database(
    migrations: Migrations, migration_database_url: str
) -> None:
    # `alembic upgrade head --sql` ("offline mode") prints the SQL for someone to review and
    # run by hand; env.py's run_migrations_offline() handles it, with no database connection.
    settings = migrations.project.config(migration_database_url, stdout=io.StringIO())
    printed = io.StringIO()
    settings.output_buffer = printed  # where offline mode writes the SQL

    migrations.run(
        "`alembic upgrade head --sql` failed",
        lambda: alembic.command.upgrade(settings, "head", sql=True),
    )

    if "CREATE TABLE items" not in printed.getvalue() and not migrations_create_items(
        migrations.project
    ):
        # Offline mode works; there is just no CREATE TABLE to print.
        pytest.fail(why_no_items_table(migrations.project), pytrace=False)
    assert "CREATE TABLE items" in printed.getvalue(), (
        f"`alembic upgrade head --sql` should print the CREATE TABLE items statement of your "
        f"first migration; it printed:\n{printed.getvalue()[-2000:]}\nWhat to check: "
        "run_migrations_offline() in alembic/env.py calls context.configure(url=...) and "
        "context.run_migrations()."
    )
    assert not Path("app.db").exists(), (
        "`alembic upgrade head --sql` created app.db; offline mode should only print SQL. "
        "What to check: alembic/env.py runs run_migrations_offline() when "
        "context.is_offline_mode() is true."
    )


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
