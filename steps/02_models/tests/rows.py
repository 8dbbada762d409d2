"""Rows saved and read back: plain SQL reads, with no ORM in between, and commits whose
refusal by the database is the answer.

Used by the checks that save items and read back what the database stored: the ids it
gave, a required field left out, a description left out, and is_available's default.
"""

from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def raw_rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a plain SQL query: the stored values, with no ORM in between."""
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def commit_is_refused(db: Session) -> bool:
    """Commit, and tell whether the database refused the new rows (an IntegrityError)."""
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        return True
    return False
