"""Step 1 — the database connection: engine, session factory, declarative base, get_db."""

from collections.abc import Iterator

from sqlalchemy import create_engine
from sqlalchemy.orm import Session, declarative_base, sessionmaker

# A file next to wherever the server is started. Switching to PostgreSQL means changing
# only this URL (and installing a driver).
SQLALCHEMY_DATABASE_URL = "sqlite:///./app.db"

engine = create_engine(
    SQLALCHEMY_DATABASE_URL,
    # SQLite only: by default a connection refuses to be used from any thread but the one
    # that opened it, and FastAPI runs a request's dependencies and handler in worker threads.
    connect_args={"check_same_thread": False},
)

# autoflush=False: nothing is sent to the database until we commit (or flush) ourselves.
SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)

# Every ORM model inherits from Base; Base.metadata collects their tables.
Base = declarative_base()


def get_db() -> Iterator[Session]:
    """Give one request its own session, and always close it afterwards."""
    db = SessionLocal()
    try:
        yield db  # the request handler runs here
    finally:
        db.close()  # runs even when the handler raised, so no connection leaks
