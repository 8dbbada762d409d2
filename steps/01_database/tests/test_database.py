"""Checks for step 01: app/database.py — engine, SessionLocal, Base and get_db."""

import ast
import difflib
import inspect
import re
import textwrap
from collections.abc import Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from types import ModuleType
from typing import Any

import pytest
from items_course.wording import describe_value
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import DeclarativeMeta, Session, sessionmaker

ASYNC_GET_DB = (
    "get_db is `async def`. FastAPI accepts that, but the lesson's is a plain `def get_db():` "
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


def get_db_source(database: ModuleType) -> tuple[ast.FunctionDef | None, int]:
    """get_db's syntax tree and the line of app/database.py it starts at (None if unknown)."""
    try:
        lines, first = inspect.getsourcelines(database.get_db)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return None, 0
    function = tree.body[0] if tree.body else None
    if not isinstance(function, ast.FunctionDef):
        return None, 0
    return function, first


def line_in_get_db(database: ModuleType, node: ast.AST) -> str:
    """'app/database.py, line 31: <the line>' for a node of get_db's tree."""
    lines, first = inspect.getsourcelines(database.get_db)
    number = first + getattr(node, "lineno", 1) - 1
    return f"app/database.py, line {number}: {lines[getattr(node, 'lineno', 1) - 1].strip()}"


def close_without_call(database: ModuleType) -> str:
    """The line where get_db names `x.close` without calling it ("" if there is none)."""
    function, _ = get_db_source(database)
    for node in ast.walk(function) if function is not None else ():
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "close"
        ):
            _, first = get_db_source(database)
            written = ast.unparse(node.value)
            return (
                f" In app/database.py, line {first + node.lineno - 1}, `{written}` has no "
                "parentheses: that only names the method, it does not call it. Write "
                f"`{written}()`."
            )
    return ""


def handlers_that_swallow(database: ModuleType) -> list[str]:
    """get_db's `except` blocks that do not end by raising again, as 'file, line: text'."""
    function, _ = get_db_source(database)
    swallowing = []
    for node in ast.walk(function) if function is not None else ():
        if isinstance(node, ast.ExceptHandler) and not any(
            isinstance(inner, ast.Raise) for inner in ast.walk(node)
        ):
            swallowing.append(line_in_get_db(database, node))
    return swallowing


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
