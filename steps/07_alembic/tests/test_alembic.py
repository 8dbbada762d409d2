"""Checks for step 07: Alembic migrations — alembic.ini, alembic/env.py and alembic/versions/.

Each check runs the project's own migrations on an empty SQLite file of its own (see
tests/conftest.py), through pytest-alembic's `alembic_runner` (tests/migrations.py), then
looks at the database the migrations produced (tests/tables.py). The last check runs
`alembic upgrade head` as you would type it (tests/command_line.py).
"""

import io
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import Any

import alembic.command
import pytest
from pytest_alembic.tests import default
from sqlalchemy import Engine, create_engine, inspect, text

from .command_line import copy_of_the_project, run_alembic
from .migrations import Migrations
from .tables import (
    migrations_create_items,
    require_items_table,
    schema_of,
    stored_titles_and_prices,
    tables_in,
    why_no_items_table,
    wipe,
)


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
ITEMS_COLUMNS = {"id", "title", "description", "price", "is_available"}


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


# --- As you would type it ------------------------------------------------------------------
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
