"""Checks for step 01: app/database.py — engine, SessionLocal, Base and get_db."""

import inspect
from collections.abc import Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import DeclarativeMeta, Session, sessionmaker

ASYNC_GET_DB = (
    "get_db is `async def`. FastAPI accepts that, but the article's is a plain `def get_db():` "
    "generator, and these checks drive that one: the session is synchronous, and a plain `def` "
    "lets FastAPI run it in a worker thread instead of blocking the event loop."
)


@pytest.fixture
def connections_in_use(database: ModuleType) -> Iterator[list[int]]:
    """A one-element list holding how many of the engine's connections are checked out."""
    in_use = [0]

    def checked_out(*_: Any) -> None:
        in_use[0] += 1

    def checked_in(*_: Any) -> None:
        in_use[0] -= 1

    event.listen(database.engine, "checkout", checked_out)
    event.listen(database.engine, "checkin", checked_in)
    yield in_use
    event.remove(database.engine, "checkout", checked_out)
    event.remove(database.engine, "checkin", checked_in)


def start_get_db(database: ModuleType) -> Generator[Any, Any, Any]:
    """Call get_db() as FastAPI does; a check that needs a generator stops here without one."""
    dependency = database.get_db()
    if inspect.isasyncgen(dependency):
        pytest.fail(ASYNC_GET_DB, pytrace=False)
    if not inspect.isgenerator(dependency):
        pytest.fail(
            f"Calling get_db() gave {type(dependency).__name__} instead of a generator, so this "
            "check cannot start the request. What to check: get_db must `yield db` (not "
            "`return db`); see test_get_db_is_a_generator_dependency.",
            pytrace=False,
        )
    return dependency


def test_app_folder_is_a_package_with_init_py(target: Any) -> None:
    init = target.root / "app" / "__init__.py"
    assert init.is_file(), (
        "Expected the file app/__init__.py (it may be empty), which makes app/ a regular "
        "package. Python can import app/ without it (as a 'namespace package'), but the "
        "article's project has one, and tools such as mypy and setuptools rely on it. "
        f"What to do: create {init}."
    )


def test_engine_is_an_sqlalchemy_engine(database: ModuleType) -> None:
    assert isinstance(database.engine, Engine), (
        f"Expected `engine` to be made by sqlalchemy.create_engine(...), got {database.engine!r}."
    )


def test_engine_uses_an_sqlite_file(database: ModuleType) -> None:
    url = database.engine.url
    assert url.get_backend_name() == "sqlite", (
        f"Expected an SQLite URL such as 'sqlite:///./app.db', got {url}."
    )
    assert url.database not in (None, "", ":memory:"), (
        f"Expected the database to be a file, but {url} is in memory: it would be empty "
        "every time the server starts. Use a file name, e.g. 'sqlite:///./app.db'."
    )


def test_session_local_is_a_session_factory_bound_to_the_engine(database: ModuleType) -> None:
    assert isinstance(database.SessionLocal, sessionmaker), (
        f"Expected `SessionLocal = sessionmaker(...)`, got {database.SessionLocal!r}."
    )
    with database.SessionLocal() as session:
        assert session.get_bind() is database.engine, (
            "Sessions from SessionLocal talk to another engine than `engine`. "
            "What to check: sessionmaker(..., bind=engine)."
        )


def test_sessions_do_not_autoflush(database: ModuleType) -> None:
    with database.SessionLocal() as session:
        assert session.autoflush is False, (
            "Expected SessionLocal to make sessions with autoflush=False, got autoflush=True. "
            "What to check: sessionmaker(autocommit=False, autoflush=False, bind=engine)."
        )


def test_base_is_a_declarative_base(database: ModuleType) -> None:
    base = database.Base
    assert isinstance(base, DeclarativeMeta) or hasattr(base, "registry"), (
        f"Expected `Base = declarative_base()` (or a DeclarativeBase subclass), got {base!r}."
    )
    assert hasattr(base, "metadata"), "Expected Base.metadata, where the models' tables collect."


def test_get_db_is_a_generator_dependency(database: ModuleType) -> None:
    assert not inspect.isasyncgenfunction(database.get_db), ASYNC_GET_DB
    assert inspect.isgeneratorfunction(database.get_db), (
        "Expected get_db to be a generator function: it must `yield db`, not `return db`, "
        "so that FastAPI can run the cleanup after the request."
    )


def test_get_db_yields_a_session(database: ModuleType) -> None:
    dependency = start_get_db(database)
    session = next(dependency)
    try:
        assert isinstance(session, Session), f"Expected get_db to yield a Session, got {session!r}."
    finally:
        dependency.close()


def test_get_db_gives_each_request_its_own_session(database: ModuleType) -> None:
    first, second = start_get_db(database), start_get_db(database)
    try:
        assert next(first) is not next(second), (
            "Two requests got the same Session object. What to check: `db = SessionLocal()` "
            "goes inside get_db, so that every request gets a new session."
        )
    finally:
        first.close()
        second.close()


def test_get_db_calls_close_on_the_session(database: ModuleType) -> None:
    dependency = start_get_db(database)
    session = next(dependency)
    closed: list[bool] = []
    close_for_real = session.close

    def close_and_remember() -> None:
        closed.append(True)
        close_for_real()

    session.close = close_and_remember
    with pytest.raises(StopIteration):
        next(dependency)  # the request is over: FastAPI runs get_db's code after `yield`
    assert closed, (
        "get_db should call `db.close()` on the session after the request (the article's "
        "`finally: db.close()`); it did not. `commit()` or `rollback()` alone do not close it."
    )


def test_get_db_closes_the_session_after_the_request(
    database: ModuleType, connections_in_use: list[int]
) -> None:
    dependency = start_get_db(database)
    session = next(dependency)
    session.execute(text("SELECT 1"))  # the session now holds a connection
    assert connections_in_use[0] == 1

    with pytest.raises(StopIteration):
        next(dependency)  # what FastAPI does when the request is over

    assert connections_in_use[0] == 0, (
        "After the request, get_db should close the session so its connection goes back to "
        "the pool, but the connection is still in use. What to check: `db.close()` in a "
        "`finally:` block after the `yield`."
    )


def test_get_db_closes_the_session_when_the_handler_raises(
    database: ModuleType, connections_in_use: list[int]
) -> None:
    dependency = start_get_db(database)
    session = next(dependency)
    session.execute(text("SELECT 1"))

    class HandlerFailed(Exception):
        pass

    with pytest.raises(HandlerFailed):
        dependency.throw(HandlerFailed())  # what FastAPI does when the handler raises

    assert connections_in_use[0] == 0, (
        "When the request handler raises, get_db should still close the session, but its "
        "connection is still in use. What to check: put `db.close()` in a `finally:` block, "
        "not after the `yield` on its own."
    )


def test_a_session_can_be_used_from_another_thread(database: ModuleType) -> None:
    # FastAPI may create the session (get_db) in one worker thread and run the handler
    # in another; SQLite refuses that unless check_same_thread is False.
    with database.SessionLocal() as session:
        session.execute(text("SELECT 1"))
        with ThreadPoolExecutor(max_workers=1) as other_thread:
            outcome = other_thread.submit(_select_one, session).result()
    assert outcome == "ok", (
        f"Using a session from another thread failed: {outcome}\n"
        "What to check: create_engine(..., connect_args={'check_same_thread': False})."
    )


def _select_one(session: Session) -> str:
    try:
        session.execute(text("SELECT 1"))
    except Exception as error:  # reported by the test's assertion message
        return f"{type(error).__name__}: {error}"
    return "ok"
