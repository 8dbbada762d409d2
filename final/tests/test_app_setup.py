"""How the app is set up: which database, how SQLite is tuned, what start-up does, and the
answers FastAPI writes itself (422 and 405).

These checks use the app's real engine and start-up code, each in an empty folder of its
own (`in_empty_folder`), where the default URL sqlite:///./app.db puts the database.
"""

import gc
import importlib.util
import sqlite3
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, inspect, text

ITEMS = "/api/v1/items/"


@pytest.fixture
def import_path_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """Alembic adds the project folder to sys.path (alembic.ini's prepend_sys_path); undo it."""
    monkeypatch.setattr(sys, "path", list(sys.path))


def fresh_copy_of(module: ModuleType, monkeypatch: pytest.MonkeyPatch, **environment: str) -> Any:
    """Run the module's file again, as a new module, with these environment variables set."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location(f"fresh_{module.__name__}", module.__file__)
    assert spec is not None
    assert spec.loader is not None
    copy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(copy)
    return copy


def sqlite_file_engine(path: Path) -> Engine:
    """An engine of our own on an SQLite file, to look at what the app left there."""
    return create_engine(f"sqlite:///{path}")


def head_revision(target: Any) -> str | None:
    """The latest migration of the project under test, as its alembic/ folder says."""
    ini = target.root / "alembic.ini"
    if not ini.is_file():
        return None
    head: str | None = ScriptDirectory.from_config(Config(str(ini))).get_current_head()
    return head


# --- Which database ---------------------------------------------------------------------------
def test_the_database_url_comes_from_database_url(
    database: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    wanted = f"sqlite:///{tmp_path / 'elsewhere.db'}"

    copy = fresh_copy_of(database, monkeypatch, DATABASE_URL=wanted)

    assert str(copy.engine.url) == wanted, (
        f"With DATABASE_URL={wanted}, the engine should use it, but uses {copy.engine.url}. "
        "What to check: os.environ.get('DATABASE_URL', 'sqlite:///./app.db') in "
        "app/database.py."
    )
    copy.engine.dispose()


def test_a_postgresql_url_gets_an_engine_for_psycopg(
    database: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No server is needed: an engine connects only when first used.
    copy = fresh_copy_of(
        database, monkeypatch, DATABASE_URL="postgresql+psycopg://user@localhost/items"
    )

    found = (copy.engine.dialect.name, copy.engine.dialect.driver)
    assert found == ("postgresql", "psycopg"), (
        f"Expected PostgreSQL through psycopg 3, got {found}."
    )


def test_without_database_url_the_database_is_app_db_in_the_current_folder(
    database: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)

    copy = fresh_copy_of(database, monkeypatch)

    assert str(copy.engine.url) == "sqlite:///./app.db"


# --- SQLite, tuned for several requests at once ---------------------------------------------
def test_sqlite_connections_use_wal_and_wait_for_locks(
    database: ModuleType, in_empty_folder: Path
) -> None:
    with database.engine.connect() as connection:
        journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        waits_ms = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()

    # synchronous: 1 is NORMAL (2, the default, is FULL: a disk flush on every commit).
    assert (journal, waits_ms, synchronous) == ("wal", 5000, 1), (
        f"Expected the journal mode 'wal', a busy timeout of 5000 ms and synchronous=NORMAL "
        f"(1), got {journal!r}, {waits_ms!r} and {synchronous!r}. What to check: the "
        "'connect' event listener in app/database.py."
    )


def test_a_busy_server_reuses_its_sqlite_connections(
    database: ModuleType, in_empty_folder: Path
) -> None:
    # 15 requests at once, then 15 more: the pool should keep the first 15 connections open
    # for the next ones. SQLAlchemy's default keeps only 5 and closes the rest on return.
    at_once = 15
    opened: list[object] = []

    def count(dbapi_connection: object, _record: object) -> None:
        opened.append(dbapi_connection)

    event.listen(database.engine, "connect", count)
    try:
        for _busy_moment in range(2):
            connections = [database.engine.connect() for _ in range(at_once)]
            for connection in connections:
                connection.close()
    finally:
        event.remove(database.engine, "connect", count)
        database.engine.dispose()

    assert len(opened) == at_once, (
        f"Expected {at_once} SQLite connections opened for two busy moments of {at_once} "
        f"requests each, got {len(opened)}: the pool closed connections it soon needed again. "
        "What to check: pool_size in app/database.py's create_engine()."
    )


def test_a_write_answers_without_reading_the_item_back(
    database: ModuleType, started_client: TestClient, in_empty_folder: Path
) -> None:
    # The session keeps an object's values after commit (expire_on_commit=False), so POST
    # and PATCH answer with what they wrote; the article's refresh() reads it back first.
    database.Base.metadata.create_all(database.engine)
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2].split()[0].upper())  # (conn, cursor, statement, ...)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        created = started_client.post(ITEMS, json={"title": "Lamp", "price": 20})
        patched = started_client.patch(f"{ITEMS}{created.json()['id']}", json={"price": 25})
    finally:
        event.remove(database.engine, "before_cursor_execute", record)

    assert (created.status_code, patched.status_code) == (201, 200), (created.text, patched.text)
    assert patched.json() == {**created.json(), "price": 25}
    assert statements == ["INSERT", "SELECT", "UPDATE"], (
        f"Expected POST to send one INSERT and PATCH one SELECT (to find the item) and one "
        f"UPDATE, got {statements}. What to check: a db.refresh() after commit in "
        "app/crud.py, or expire_on_commit in app/database.py's SessionLocal."
    )


def test_a_long_read_does_not_hold_up_a_write(
    database: ModuleType,
    models: ModuleType,
    started_client: TestClient,
    in_empty_folder: Path,
) -> None:
    # Another program (a backup, a report, the sqlite3 shell) is in the middle of a read.
    # With SQLite's default journal, no write can commit until that read ends: the request
    # waits for the busy timeout, then fails with "database is locked".
    database.Base.metadata.create_all(database.engine)
    created = started_client.post(ITEMS, json={"title": "Lamp", "price": 20})
    assert created.status_code == 201, created.text
    reader = sqlite3.connect(in_empty_folder / "app.db", isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT * FROM items").fetchall()
        started = time.monotonic()
        patched = started_client.patch(f"{ITEMS}{created.json()['id']}", json={"price": 18})
        waited = time.monotonic() - started
    finally:
        reader.close()

    assert patched.status_code == 200, f"PATCH during a read: {patched.status_code} {patched.text}"
    assert waited < 1, (
        f"A PATCH waited {waited:.1f} s for another program's read to finish. "
        "What to check: PRAGMA journal_mode=WAL, set for every connection in app/database.py."
    )


# --- Start-up: the migrations bring the database up to date ----------------------------------
def test_starting_the_app_brings_an_empty_database_to_the_latest_migration(
    main: ModuleType, target: Any, in_empty_folder: Path, import_path_kept: None
) -> None:
    with TestClient(main.app):
        pass

    engine = sqlite_file_engine(in_empty_folder / "app.db")
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        versions = (
            connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
            if "alembic_version" in tables
            else []
        )
    engine.dispose()
    expected = head_revision(target)
    assert expected is not None, f"No alembic.ini with migrations in {target.root}."
    assert ("items" in tables, versions) == (True, [expected]), (
        f"After start-up, app.db should be at the latest migration {expected!r} (tables items "
        f"and alembic_version); it has the tables {sorted(tables)} at revision {versions}.\n"
        "What to check: the lifespan runs `alembic upgrade head`, not create_all(), so that "
        "a later `alembic upgrade head` finds nothing left to do."
    )


def test_starting_the_app_upgrades_a_database_from_the_first_migration(
    main: ModuleType,
    database: ModuleType,
    target: Any,
    in_empty_folder: Path,
    import_path_kept: None,
) -> None:
    # An app.db made by the first migration, whose is_available column still accepts NULL.
    engine = sqlite_file_engine(in_empty_folder / "app.db")
    settings = Config(str(target.root / "alembic.ini"))
    with engine.begin() as connection:
        settings.attributes["connection"] = connection
        settings.attributes["target_metadata"] = database.Base.metadata
        command.upgrade(settings, "0001")
        connection.execute(
            text("INSERT INTO items (title, price, is_available) VALUES ('Lamp', 20, NULL)")
        )

    with TestClient(main.app) as client:
        listed = client.get(ITEMS)

    with engine.connect() as connection:
        columns = {c["name"]: c for c in inspect(connection).get_columns("items")}
    engine.dispose()
    assert columns["is_available"]["nullable"] is False, "is_available should now be NOT NULL."
    assert (listed.status_code, [item["is_available"] for item in listed.json()]) == (200, [True])


def test_a_restart_keeps_the_items(
    main: ModuleType, in_empty_folder: Path, import_path_kept: None
) -> None:
    with TestClient(main.app) as first_run:
        created = first_run.post(ITEMS, json={"title": "Lamp", "price": 20}).json()

    with TestClient(main.app) as second_run:
        listed = second_run.get(ITEMS).json()

    assert listed == [created]


# --- After start-up: what lives as long as the server -------------------------------------------
def test_what_start_up_made_is_left_out_of_garbage_collection(
    main: ModuleType, in_empty_folder: Path, import_path_kept: None
) -> None:
    # gc.freeze() at start-up: full collections no longer walk every module and route while
    # requests wait (final/benchmark.py: p99 of GET one under load fell from 82 to 34 ms).
    assert gc.get_freeze_count() == 0, "something else froze objects before the app started"
    with TestClient(main.app):
        frozen_while_running = gc.get_freeze_count()
    assert frozen_while_running > 0, (
        "Expected the app's start-up to freeze what it made (gc.freeze() in the lifespan, "
        "after the migrations), but no object was frozen."
    )
    assert gc.get_freeze_count() == 0, (
        f"Expected the objects frozen at start-up to be thawed when the app stops "
        f"(gc.unfreeze() after `yield`), but {gc.get_freeze_count()} still are."
    )


# --- Answers FastAPI writes itself --------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "allowed"),
    [(ITEMS, "GET, POST"), (f"{ITEMS}1", "GET, PUT, PATCH, DELETE")],
)
def test_a_405_lists_every_method_of_the_path(
    started_client: TestClient, path: str, allowed: str
) -> None:
    response = started_client.options(path)

    assert (response.status_code, response.headers.get("allow")) == (405, allowed), (
        f"OPTIONS {path}: expected 405 with `Allow: {allowed}`, got {response.status_code} "
        f"with `Allow: {response.headers.get('allow')}`."
    )


def test_the_422_answer_spells_what_json_cannot_hold(main: ModuleType) -> None:
    class Odd:
        def __str__(self) -> str:
            return "odd \ud800"

    found = main.json_safe(
        {"loc": ("body", 1), "input": [b"\xff", "\ud800", float("-inf"), None, True, 2, Odd()]}
    )

    assert found == {
        "loc": ["body", 1],
        "input": ["\\xff", "\\ud800", "-inf", None, True, 2, "odd \\ud800"],
    }
