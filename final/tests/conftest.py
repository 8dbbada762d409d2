"""Fixtures for the checks of final/, the hardened app.

The package under test comes from the course plugin's fixtures (`database`, `models`,
`schemas`, `crud`, `router`, `main`), never from `import app`: so the property tests and
the state machine can also be pointed at the article's app (`--app-dir steps/06_main`),
where they find its bugs.

Every check runs on SQLite and, when one is reachable, on a real PostgreSQL server:

    eval "$(bash .ci/postgres)"     # starts one and sets COURSE_POSTGRES_URL
    .venv/bin/pytest final

How each check gets a clean database without creating one every time: the tables are made
once per test module, and each check (each Hypothesis example) runs inside a transaction
that is rolled back at its end. The app's own `commit()` calls only release SAVEPOINTs
inside that transaction (`join_transaction_mode="create_savepoint"`), so nothing a check
writes is ever seen by the next one.
"""

import inspect
import os
import uuid
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from contextlib import AbstractContextManager, ExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import factory
import pytest
from fastapi.testclient import TestClient
from pytest_alembic import Config
from sqlalchemy import Engine, MetaData, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from .item_bodies import as_json

POSTGRES_URL_VARIABLE = "COURSE_POSTGRES_URL"
HOW_TO_GET_POSTGRES = (
    f"no PostgreSQL server: set {POSTGRES_URL_VARIABLE} to the URL of one "
    "(postgresql+psycopg://user@host:port/database), or run "
    '`eval "$(bash .ci/postgres)"` to start a throwaway server and set it'
)

# `with api() as client:` — a TestClient whose requests all run in one rolled-back transaction.
ApiFactory = Callable[[], AbstractContextManager[TestClient]]
SessionFactory = Callable[[], Session]


# --- Which databases -------------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The URL of a PostgreSQL server the checks may create databases on, or a skip.

    (To let pytest-postgresql start the server instead, build this URL from its
    `postgresql_proc` fixture; nothing else has to change.)
    """
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(HOW_TO_GET_POSTGRES)
    return url


# The fixture above, as the place the summary names for the checks it skips.
_NO_POSTGRES_SKIP = (__file__, inspect.getsourcelines(postgres_server_url)[1])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    # pytest files each skip under its own check, so without a server the summary listed
    # every PostgreSQL variant on a line of its own (about 50 lines, one reason). Filed
    # under the fixture that skips them, they fold into one line with their count.
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = report.longrepr[2]
        if reason.endswith(HOW_TO_GET_POSTGRES):
            report.longrepr = (*_NO_POSTGRES_SKIP, reason)
    return report


@contextmanager
def scratch_postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server for the whole run, dropped at the end."""
    name = f"course_final_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The URL of an empty database of each kind: an SQLite file, a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'checks.db'}"
        return
    server_url = request.getfixturevalue("postgres_server_url")
    with scratch_postgres_database(server_url) as url:
        yield url


def app_engine_for(database: ModuleType, url: str) -> Engine:
    """An engine for `url` set up like the app's own (final/ has `engine_for` for that)."""
    engine_for = getattr(database, "engine_for", None)
    if callable(engine_for):
        engine: Engine = engine_for(url)
        return engine
    # Another app (the article's, say): its settings, with only the URL changed.
    sqlite = url.startswith("sqlite")
    return create_engine(url, connect_args={"check_same_thread": False} if sqlite else {})


def drop_everything(engine: Engine) -> None:
    """Drop every table the database has (the app's, and Alembic's alembic_version)."""
    found = MetaData()
    found.reflect(engine)
    found.drop_all(engine)


def let_sqlite_nest_transactions(engine: Engine) -> None:
    """Make SAVEPOINT work on SQLite as on other databases.

    Python's sqlite3 module (before 3.12) opens transactions itself, late, and not for a
    SAVEPOINT; these two hooks, from SQLAlchemy's documentation on the pysqlite driver,
    hand that job to SQLAlchemy.
    """

    @event.listens_for(engine, "connect")
    def driver_opens_no_transaction(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def sqlalchemy_opens_it(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


def reverse_rows_of_unordered_queries(engine: Engine) -> None:
    """Make SQLite return the rows of any query without ORDER BY in reverse order.

    Without ORDER BY, SQL promises no order at all; SQLite happens to use the order of the
    ids, which would hide a missing ORDER BY. PostgreSQL shows it after an UPDATE.
    """

    @event.listens_for(engine, "connect")
    def reverse_unordered_selects(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA reverse_unordered_selects = ON")


@pytest.fixture(scope="module")
def engine(database_url: str, database: ModuleType, models: ModuleType) -> Iterator[Engine]:
    """The checks' database, with the app's tables (made once for each test module)."""
    engine = app_engine_for(database, database_url)
    if engine.dialect.name == "sqlite":
        let_sqlite_nest_transactions(engine)
        reverse_rows_of_unordered_queries(engine)
    drop_everything(engine)
    database.Base.metadata.create_all(engine)
    yield engine
    drop_everything(engine)
    engine.dispose()


# --- Migrations (pytest-alembic) ----------------------------------------------------------
@pytest.fixture
def alembic_config(target: Any, database: ModuleType, models: ModuleType) -> Config:
    """For pytest-alembic: the project's alembic.ini, with the models' metadata handed over."""
    return Config(
        config_options={
            "file": str(target.root / "alembic.ini"),
            "target_metadata": database.Base.metadata,
        }
    )


@pytest.fixture
def alembic_engine(database_url: str, database: ModuleType) -> Iterator[Engine]:
    """For pytest-alembic: an empty database of each kind (emptied again afterwards)."""
    engine = app_engine_for(database, database_url)
    drop_everything(engine)
    yield engine
    drop_everything(engine)
    engine.dispose()


# --- One rolled-back transaction per check ---------------------------------------------
def app_session_options(database: ModuleType) -> dict[str, Any]:
    """The options of the app's own SessionLocal (autoflush, expire_on_commit...), minus bind.

    Test sessions get the same ones, so the app behaves in a check as it does when served.
    """
    options: dict[str, Any] = dict(database.SessionLocal.kw)
    options.pop("bind", None)
    return options


@contextmanager
def rolled_back(engine: Engine, database: ModuleType) -> Iterator[SessionFactory]:
    """Sessions sharing one transaction, which is rolled back at the end of the block."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield sessionmaker(
                **app_session_options(database),
                bind=connection,
                join_transaction_mode="create_savepoint",
            )
        finally:
            transaction.rollback()


@contextmanager
def serving(main: ModuleType, database: ModuleType, sessions: SessionFactory) -> Iterator[None]:
    """Make the app's `get_db` hand out `sessions()` while the block runs."""

    def get_test_db() -> Iterator[Session]:
        with sessions() as session:
            yield session

    main.app.dependency_overrides[database.get_db] = get_test_db
    try:
        yield
    finally:
        main.app.dependency_overrides.pop(database.get_db, None)


@asynccontextmanager
async def no_start_up(_app: Any) -> AsyncIterator[None]:
    yield


@pytest.fixture(scope="module")
def started_client(main: ModuleType) -> Iterator[TestClient]:
    """A client of the whole app, started once for the test module.

    Started (`with TestClient(...)`), each request costs a few milliseconds less than with a
    client that starts an event loop per request. The app's own start-up code is left out:
    it prepares the app's real database, and the checks bring their own.
    """
    with ExitStack() as running:
        with pytest.MonkeyPatch.context() as patch:  # only while the client starts the app
            patch.setattr(main.app.router, "lifespan_context", no_start_up)
            client = running.enter_context(TestClient(main.app))
        yield client


@pytest.fixture(scope="module")
def api(
    engine: Engine, main: ModuleType, database: ModuleType, started_client: TestClient
) -> ApiFactory:
    """`with api() as client:` — a client of the whole app on a database that starts empty.

    Module-scoped, so Hypothesis tests can call it once per example.
    """

    @contextmanager
    def open_client() -> Iterator[TestClient]:
        with rolled_back(engine, database) as sessions, serving(main, database, sessions):
            yield started_client

    return open_client


@pytest.fixture
def sessions(engine: Engine, database: ModuleType) -> Iterator[SessionFactory]:
    """The check's session factory: every session shares the check's transaction."""
    with rolled_back(engine, database) as factory_:
        yield factory_


@pytest.fixture
def db(sessions: SessionFactory) -> Iterator[Session]:
    """A session in the check's transaction, configured like the app's sessions."""
    with sessions() as session:
        yield session


@pytest.fixture
def client(
    sessions: SessionFactory, main: ModuleType, database: ModuleType, started_client: TestClient
) -> Iterator[TestClient]:
    """A client of the whole app; its requests share the check's transaction with `db`."""
    with serving(main, database, sessions):
        yield started_client


@pytest.fixture
def committing_client(
    database_url: str,
    database: ModuleType,
    models: ModuleType,
    main: ModuleType,
    started_client: TestClient,
) -> Iterator[TestClient]:
    """A client of the whole app whose requests really commit, as in production.

    Every request gets its own session and connection from an engine set up like the app's
    (for SQLite: a file, WAL, busy timeout), so requests sent from several threads at once
    truly run at once. The database is emptied before and after.
    """
    engine = app_engine_for(database, database_url)
    drop_everything(engine)
    database.Base.metadata.create_all(engine)
    try:
        with serving(main, database, sessionmaker(**app_session_options(database), bind=engine)):
            yield started_client
    finally:
        drop_everything(engine)
        engine.dispose()


@pytest.fixture
def stored(sessions: SessionFactory, models: ModuleType) -> Callable[[int], dict[str, Any] | None]:
    """`stored(item_id)`: the item as the database holds it now (read by a new session)."""

    def read(item_id: int) -> dict[str, Any] | None:
        with sessions() as session:
            item = session.get(models.Item, item_id)
            return None if item is None else as_json(item)

    return read


# --- Test data -------------------------------------------------------------------------
@pytest.fixture
def item_factory(models: ModuleType, db: Session) -> type[factory.Factory]:
    """factory-boy factory for the app's Item: `item_factory()` stores a valid item.

    `item_factory(price=5)` overrides a field; `item_factory.create_batch(3)` makes three.
    """

    class ItemFactory(factory.alchemy.SQLAlchemyModelFactory):
        class Meta:
            model = models.Item
            sqlalchemy_session = db
            sqlalchemy_session_persistence = "commit"

        title = factory.Sequence(lambda n: f"Item {n}")
        description = factory.Faker("sentence")
        price = factory.Faker("pyfloat", positive=True, min_value=1, max_value=500, right_digits=2)
        is_available = True

    return ItemFactory


@pytest.fixture
def in_empty_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: ModuleType
) -> Iterator[Path]:
    """Run the check in an empty folder, where the app's own engine then keeps its app.db.

    SQLAlchemy turns the relative `sqlite:///./app.db` into an absolute path when the engine
    is made (at import); here the engine works it out again at each connection, as SQLite
    itself would, so the file lands in the check's folder.
    """
    engine = database.engine
    relative = engine.url.database
    if engine.dialect.name != "sqlite" or not relative or os.path.isabs(relative):
        pytest.fail(
            f"This check runs the app on its default database, a relative SQLite file, but "
            f"the app's engine uses {engine.url} (is DATABASE_URL set?).",
            pytrace=False,
        )

    def open_in_current_folder(_dialect: Any, _record: Any, cargs: list[Any], _: Any) -> None:
        cargs[0] = os.path.abspath(relative)

    monkeypatch.chdir(tmp_path)
    event.listen(engine, "do_connect", open_in_current_folder)
    engine.dispose()  # pooled connections would point at another folder's file
    yield tmp_path
    engine.dispose()
    event.remove(engine, "do_connect", open_in_current_folder)
