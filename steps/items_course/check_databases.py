"""The databases the steps' checks use: an in-memory SQLite database holding the app's tables,
sessions on it made like the app's own, and the app's own engine let go between checks.

`steps/conftest.py` builds its fixtures (`test_engine`, `db_session`, `fresh_session`,
`client_for`) from these.
"""

from types import ModuleType
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool


def dispose_app_engine(target: Any) -> None:
    """Close the pooled connections of the app's own engine, if it has one."""
    # Pooled connections would keep the previous check's (deleted) database file open.
    database = target.package.modules.get("app.database")
    engine = getattr(database, "engine", None)
    if isinstance(engine, Engine):
        engine.dispose()


def new_test_engine(database: ModuleType) -> Engine:
    """An in-memory SQLite database holding every table of the app's `Base`."""
    engine = create_engine(
        "sqlite://",
        # One shared connection, usable from any thread: TestClient runs handlers in a
        # worker thread, and an in-memory database lives only as long as its connection.
        poolclass=StaticPool,
        connect_args={"check_same_thread": False},
    )
    database.Base.metadata.create_all(engine)
    return engine


def sessions_like_the_apps(database: ModuleType, engine: Engine) -> sessionmaker[Session]:
    """Sessions on ENGINE with the options of the app's own SessionLocal (autoflush,
    expire_on_commit...), so the code under test behaves as it does when served."""
    options = dict(getattr(database.SessionLocal, "kw", {"autoflush": False}))
    options.pop("bind", None)
    return sessionmaker(**options, bind=engine)
