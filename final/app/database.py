"""The database connection: engine, session factory, declarative base, get_db.

Differences from the article:
- the URL comes from the DATABASE_URL environment variable (default: the SQLite file
  ./app.db, as in the article), so the same code runs on PostgreSQL;
- every SQLite connection is switched to WAL journal mode and given a busy timeout, so that
  readers and writers in different threads do not block each other or fail at once;
- Base is a DeclarativeBase subclass, the SQLAlchemy 2.0 way (typed mappings, see models.py).
"""

import os
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

SQLALCHEMY_DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///./app.db")

# How long (in milliseconds) an SQLite connection waits for another one to finish writing
# before it gives up with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 5_000


def engine_for(url: str) -> Engine:
    """An engine for `url`, set up the way this app needs it on that kind of database."""
    if not url.startswith("sqlite"):
        # PostgreSQL (postgresql+psycopg://...) and others need nothing special.
        return create_engine(url)
    # check_same_thread=False: FastAPI may open a session in one worker thread and use it
    # in another.
    engine = create_engine(url, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _configure_sqlite_connection)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _connection_record: Any) -> None:
    # Runs once for every new SQLite connection the pool opens.
    cursor = dbapi_connection.cursor()
    # WAL: readers see the last committed data while a writer works, instead of waiting.
    # (An in-memory database has no journal file and keeps its "memory" mode.)
    cursor.execute("PRAGMA journal_mode=WAL")
    # Wait for a writer in another connection to finish instead of failing at once.
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


engine = engine_for(SQLALCHEMY_DATABASE_URL)

# autoflush=False: nothing is sent to the database until we commit (or flush) ourselves.
# (The article also passes autocommit=False; SQLAlchemy 2 has no other mode, so it is gone.)
SessionLocal = sessionmaker(autoflush=False, bind=engine)


class Base(DeclarativeBase):
    """The parent of every ORM model; Base.metadata collects their tables."""


def get_db() -> Iterator[Session]:
    """Give one request its own session, and always close it afterwards."""
    db = SessionLocal()
    try:
        yield db  # the request handler runs here
    finally:
        db.close()  # runs even when the handler raised, so no connection leaks
