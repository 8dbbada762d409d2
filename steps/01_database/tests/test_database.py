"""Checks for step 01: app/database.py — engine, SessionLocal, Base and get_db.

The checks drive SessionLocal() and get_db() as FastAPI does (tests/sessions.py), read
get_db's source to name a slip in it (tests/source.py), and count the engine's connections
in use (the `connections_in_use` fixture of tests/conftest.py).
"""

import inspect
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import DeclarativeMeta, Session, sessionmaker

from .sessions import (
    ASYNC_GET_DB,
    open_session,
    outcome_of_select_one,
    select_one,
    session_from_get_db,
)
from .source import close_without_call, handlers_that_swallow


def test_app_folder_is_a_package_with_init_py(target: Any) -> None:
    init = target.root / "app" / "__init__.py"
    assert init.is_file(), (
        "Expected the file app/__init__.py (it may be empty), which makes app/ a regular "
        "package. Python can import app/ without it (as a 'namespace package'), but the "
        "lesson's project has one, and tools such as mypy and setuptools rely on it. "
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
    bind = database.SessionLocal.kw.get("bind")
    assert bind is not None, (
        "SessionLocal = sessionmaker(...) in app/database.py has no bind=engine, so its "
        "sessions do not know which database to use (SQLAlchemy: 'This session is not bound "
        "to a single Engine'). What to check: sessionmaker(autocommit=False, autoflush=False, "
        "bind=engine)."
    )
    with open_session(database) as session:
        assert session.get_bind() is database.engine, (
            "Sessions from SessionLocal talk to another engine than `engine`. "
            "What to check: sessionmaker(..., bind=engine)."
        )


def test_sessions_do_not_autoflush(database: ModuleType) -> None:
    with open_session(database) as session:
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
    dependency, session = session_from_get_db(database)
    dependency.close()
    assert isinstance(session, Session)


def test_get_db_gives_each_request_its_own_session(database: ModuleType) -> None:
    (first, one), (second, other) = session_from_get_db(database), session_from_get_db(database)
    first.close()
    second.close()
    made_once = [
        name
        for name, parameter in inspect.signature(database.get_db).parameters.items()
        if isinstance(parameter.default, Session)
    ]
    assert one is not other, "Two requests got the same Session object. " + (
        f"get_db's parameter `{made_once[0]}` has a session as its default value: Python "
        "makes a default once, when it reads the file, so every request gets that one. What "
        "to check: `def get_db():` with no parameter, and `db = SessionLocal()` as its first "
        "line."
        if made_once
        else "What to check: `db = SessionLocal()` goes inside get_db, so that every request "
        "gets a new session."
    )


def test_get_db_calls_close_on_the_session(database: ModuleType) -> None:
    dependency, session = session_from_get_db(database)
    closed: list[bool] = []
    close_for_real = session.close

    def close_and_remember() -> None:
        closed.append(True)
        close_for_real()

    patched: Any = session  # a method replaced on this one object, for the check
    patched.close = close_and_remember
    with pytest.raises(StopIteration):
        next(dependency)  # the request is over: FastAPI runs get_db's code after `yield`
    assert closed, (
        "get_db should call `db.close()` on the session after the request (the lesson's "
        "`finally: db.close()`); it did not. `commit()` or `rollback()` alone do not close it."
        + close_without_call(database)
    )


def test_get_db_closes_the_session_after_the_request(
    database: ModuleType, connections_in_use: list[int]
) -> None:
    dependency, session = session_from_get_db(database)
    select_one(session)  # the session now holds a connection
    assert connections_in_use[0] == 1

    with pytest.raises(StopIteration):
        next(dependency)  # what FastAPI does when the request is over

    assert connections_in_use[0] == 0, (
        "After the request, get_db should close the session so its connection goes back to "
        "the pool, but the connection is still in use. What to check: `db.close()` in a "
        "`finally:` block after the `yield`." + close_without_call(database)
    )


def test_get_db_closes_the_session_when_the_handler_raises(
    database: ModuleType, connections_in_use: list[int]
) -> None:
    dependency, session = session_from_get_db(database)
    select_one(session)

    class HandlerFailed(Exception):
        pass

    try:
        dependency.throw(HandlerFailed())  # what FastAPI does when the handler raises
    except HandlerFailed:
        outcome = "raised"
    except StopIteration:
        outcome = "swallowed"
    else:
        outcome = "yielded again"
    # (Failing outside `except`: the StopIteration is no part of the message.)
    if outcome == "swallowed":
        swallowing = handlers_that_swallow(database)
        pytest.fail(
            "When the request handler raises, get_db must let the exception go on (FastAPI then "
            "answers 500 and logs it); get_db caught it and did not raise it again, so the "
            "error vanished and the client would be told the request succeeded."
            + "".join(f"\n  {line}" for line in swallowing)
            + "\nWhat to check: an `except` after `yield` ends with `raise` (`except Exception: "
            "db.rollback(); raise`), or has no except at all: `finally: db.close()` alone "
            "closes the session.",
            pytrace=False,
        )
    if outcome == "yielded again":
        pytest.fail(
            "When the handler raised, get_db yielded a second time; a dependency yields once. "
            "What to check: one `yield db` in get_db, not inside a loop.",
            pytrace=False,
        )

    assert connections_in_use[0] == 0, (
        "When the request handler raises, get_db should still close the session, but its "
        "connection is still in use. What to check: put `db.close()` in a `finally:` block, "
        "not after the `yield` on its own."
    )


def test_a_session_can_be_used_from_another_thread(database: ModuleType) -> None:
    # FastAPI may create the session (get_db) in one worker thread and run the handler
    # in another; SQLite refuses that unless check_same_thread is False.
    with open_session(database) as session:
        select_one(session)
        with ThreadPoolExecutor(max_workers=1) as other_thread:
            outcome = other_thread.submit(outcome_of_select_one, session).result()
    assert outcome == "ok", (
        f"Using a session from another thread failed: {outcome}\n"
        "What to check: create_engine(..., connect_args={'check_same_thread': False})."
    )
