"""The migrations in final/alembic/: the one source of truth for the database schema.

pytest-alembic drives them (`alembic_runner`) on an empty database of each kind: the
`alembic_config` and `alembic_engine` fixtures (in conftest.py) say which migrations and
which database.
"""

from types import ModuleType
from typing import Any

import pytest
from pytest_alembic import MigrationContext
from pytest_alembic.tests import default
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

FIRST, SECOND = "0001", "0002"


def rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def is_available_column(engine: Engine) -> dict[str, Any]:
    [column] = [c for c in inspect(engine).get_columns("items") if c["name"] == "is_available"]
    return dict(column)


# --- The history -----------------------------------------------------------------------------
def test_the_history_has_one_head(alembic_runner: MigrationContext) -> None:
    default.test_single_head_revision(alembic_runner)


def test_upgrade_head_builds_exactly_what_the_models_describe(
    alembic_runner: MigrationContext,
) -> None:
    # Autogenerate, run on the upgraded database, must find nothing to change: no column,
    # type, NULL rule, index or server default differs from app/models.py.
    default.test_model_definitions_match_ddl(alembic_runner)


def test_every_migration_can_be_undone_and_redone(alembic_runner: MigrationContext) -> None:
    default.test_up_down_consistency(alembic_runner)


def test_downgrade_base_leaves_only_alembic_version(
    alembic_runner: MigrationContext, alembic_engine: Engine
) -> None:
    alembic_runner.migrate_up_to("heads")
    alembic_runner.migrate_down_to("base")

    assert inspect(alembic_engine).get_table_names() == ["alembic_version"]


# --- The second migration: is_available NOT NULL, DEFAULT true --------------------------------
def test_the_second_migration_turns_null_into_true_and_keeps_every_row(
    alembic_runner: MigrationContext, alembic_engine: Engine
) -> None:
    alembic_runner.migrate_up_to(FIRST)
    with alembic_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO items (title, description, price, is_available) VALUES "
                "('Lamp', 'Warm', 20.5, NULL), ('Desk', NULL, 90, false), "
                "('Chair', 'Oak', 45, true)"
            )
        )

    alembic_runner.migrate_up_to(SECOND)

    stored = rows(
        alembic_engine, "SELECT id, title, description, price, is_available FROM items ORDER BY id"
    )
    assert stored == [
        (1, "Lamp", "Warm", 20.5, True),
        (2, "Desk", None, 90.0, False),
        (3, "Chair", "Oak", 45.0, True),
    ], f"After the second migration the rows should be kept, NULL made true; got {stored}."


def test_after_the_migrations_the_database_itself_defaults_is_available_to_true(
    alembic_runner: MigrationContext, alembic_engine: Engine
) -> None:
    alembic_runner.migrate_up_to("heads")

    with alembic_engine.begin() as connection:
        connection.execute(text("INSERT INTO items (title, price) VALUES ('Lamp', 20)"))
    assert rows(alembic_engine, "SELECT is_available FROM items") == [(True,)]
    assert is_available_column(alembic_engine)["nullable"] is False


def test_downgrading_the_second_migration_keeps_the_rows(
    alembic_runner: MigrationContext, alembic_engine: Engine
) -> None:
    alembic_runner.migrate_up_to(SECOND)
    with alembic_engine.begin() as connection:
        connection.execute(text("INSERT INTO items (title, price) VALUES ('Lamp', 20)"))

    alembic_runner.migrate_down_to(FIRST)

    assert rows(alembic_engine, "SELECT title, price, is_available FROM items") == [
        ("Lamp", 20.0, True)
    ]
    assert is_available_column(alembic_engine)["nullable"] is True


# --- The models say the same -----------------------------------------------------------------
@pytest.fixture
def tables_from_the_models(
    alembic_engine: Engine, database: ModuleType, models: ModuleType
) -> Engine:
    database.Base.metadata.create_all(alembic_engine)
    return alembic_engine


def test_a_row_inserted_without_is_available_is_available(tables_from_the_models: Engine) -> None:
    # Not only through the ORM: any INSERT, e.g. from a script or another program.
    with tables_from_the_models.begin() as connection:
        connection.execute(text("INSERT INTO items (title, price) VALUES ('Lamp', 20)"))

    stored = rows(tables_from_the_models, "SELECT is_available FROM items")
    assert stored == [(True,)], (
        f"Expected the database to fill in true, got {stored}. What to check: "
        "server_default=true() on is_available in app/models.py (default=True only works "
        "for the ORM)."
    )


def test_is_available_cannot_be_null(tables_from_the_models: Engine) -> None:
    with pytest.raises(IntegrityError), tables_from_the_models.begin() as connection:
        connection.execute(
            text("INSERT INTO items (title, price, is_available) VALUES ('Lamp', 20, NULL)")
        )
