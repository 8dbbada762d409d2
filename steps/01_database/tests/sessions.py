"""How the checks get a session: SessionLocal() and get_db() driven as FastAPI drives them,
and, when the engine cannot connect, why.

Used by the checks of test_database.py (ASYNC_GET_DB is also the message of
test_get_db_is_a_generator_dependency).
"""

import difflib
import inspect
import re
from collections.abc import Generator
from contextlib import suppress
from types import ModuleType
from typing import Any

import pytest
from items_course.wording import describe_value
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

ASYNC_GET_DB = (
    "get_db is `async def`. FastAPI accepts that, but the lesson's is a plain `def get_db():` "
    "generator, and these checks drive that one: the session is synchronous, and a plain `def` "
    "lets FastAPI run it in a worker thread instead of blocking the event loop."
)

# The keyword arguments sqlite3.connect() takes: what connect_args={...} of create_engine may hold.
SQLITE_CONNECT_ARGUMENTS = (
    "timeout",
    "detect_types",
    "isolation_level",
    "check_same_thread",
    "factory",
    "cached_statements",
    "uri",
    "autocommit",
)


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


def session_from_get_db(database: ModuleType) -> tuple[Generator[Any, Any, Any], Session]:
    """Start get_db() as FastAPI does and take the session it yields; fail, saying what it
    yielded instead, when that is not a Session (a check would otherwise crash on it)."""
    dependency = start_get_db(database)
    try:
        value = next(dependency)
    except StopIteration:
        pytest.fail(
            "get_db() ended without yielding anything, so no request would get a session. "
            "What to check: `yield db` inside get_db, where db = SessionLocal().",
            pytrace=False,
        )
    if isinstance(value, Session):
        return dependency, value
    with suppress(Exception):  # its clean-up may fail on that value too; the cause is above
        dependency.close()
    hint = ""
    if isinstance(value, sessionmaker):
        hint = (
            " That is the session factory itself: calling it makes a session, so "
            "`db = SessionLocal()`, with the parentheses."
        )
    pytest.fail(
        f"get_db yielded {describe_value(value)} instead of a Session (what each request's "
        f"handler gets as `db`).{hint}",
        pytrace=False,
    )


def open_session(database: ModuleType) -> Session:
    """SessionLocal(), failing with what sessionmaker(...) was given when SQLAlchemy refuses."""
    try:
        session: Session = database.SessionLocal()
    except Exception as error:  # SQLAlchemy refusing the options: reported below
        options = ", ".join(
            f"{name}={'engine' if value is database.engine else repr(value)}"
            for name, value in getattr(database.SessionLocal, "kw", {}).items()
        )
        problem = f"{type(error).__name__}: {error}"
    else:
        return session
    pytest.fail(
        f"SessionLocal() could not make a session: {problem}\napp/database.py makes "
        f"SessionLocal = sessionmaker({options}): SQLAlchemy refuses one of these options. "
        "What to check: sessionmaker(autocommit=False, autoflush=False, bind=engine), as in "
        "the lesson (SQLAlchemy 2 has no autocommit=True).",
        pytrace=False,
    )


def select_one(session: Session) -> None:
    """SELECT 1 through SESSION; when the engine cannot even connect, fail saying why."""
    try:
        session.execute(text("SELECT 1"))
    except Exception as error:  # the driver refusing the connection: reported below
        problem = connection_problem(error)
    else:
        return
    pytest.fail(problem, pytrace=False)


def connection_problem(error: BaseException) -> str:
    """Why the engine of app/database.py could not open a connection, and what to change."""
    message = f"The engine of app/database.py could not open a connection: {type(error).__name__}: "
    message += str(getattr(error, "orig", None) or error).splitlines()[0]
    wrong = re.search(r"'(\w+)' is an invalid keyword argument", str(error))
    if wrong:
        near = difflib.get_close_matches(wrong[1], SQLITE_CONNECT_ARGUMENTS, n=1)
        message += (
            f"\ncreate_engine(..., connect_args={{...}}) hands its keys to the database driver "
            f"(sqlite3.connect), which has no argument `{wrong[1]}`."
            + (f" Did you mean `{near[0]}`?" if near else "")
            + " What to check: connect_args={'check_same_thread': False}."
        )
    return message


def outcome_of_select_one(session: Session) -> str:
    """SELECT 1 through SESSION: "ok", or the error as text, which the check reports (run in
    another thread by test_a_session_can_be_used_from_another_thread)."""
    try:
        session.execute(text("SELECT 1"))
    except Exception as error:  # reported by the test's assertion message
        return f"{type(error).__name__}: {error}"
    return "ok"
