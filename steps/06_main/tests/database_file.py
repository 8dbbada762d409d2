"""What ./app.db holds, read with an engine of the checks' own, with no ORM in between.

Used by the checks of start-up (the lifespan creates the table), of the lesson's POST example
(the row is stored) and of uvicorn (app.db appears in the folder it runs from).
"""

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text

DATABASE_FILE = Path("app.db")  # relative: inside the check's own empty folder


def tables_in_database_file(file: Path = DATABASE_FILE) -> list[str]:
    """The tables of ./app.db (or of `file`), read with an engine of our own (not the app's)."""
    if not file.exists():
        return []
    engine = create_engine(f"sqlite:///{file.resolve()}")
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def rows_in_database_file(sql: str) -> list[tuple[Any, ...]]:
    """Rows of a plain SQL query on ./app.db, with no ORM in between."""
    engine = create_engine(f"sqlite:///{DATABASE_FILE.resolve()}")
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()
