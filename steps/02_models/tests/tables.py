"""The `items` table as the database reports it: its columns and its indexes, and, when a
fresh database has no such table, why.

Used by the fresh_database fixture (conftest.py), by the check that a fresh database gets
an items table, and by the checks of the columns (their names, types and NULL) and of the
index on title.
"""

from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Engine, inspect
from sqlalchemy.engine.interfaces import ReflectedColumn

NO_ITEMS_TABLE = (
    "A fresh database built from Base.metadata has no `items` table. "
    'What to check in app/models.py: `__tablename__ = "items"`, and that Item inherits '
    "from the Base of app/database.py (`from app.database import Base`)."
)


def why_no_items_table(database: ModuleType, models: ModuleType, tables: list[str]) -> str:
    """What app/models.py does instead of putting an `items` table into Base.metadata."""
    item = models.Item
    if isinstance(item, type) and not issubclass(item, database.Base):
        return (
            "Here: Item does not inherit from the Base of app/database.py, so its table is "
            "not in that Base's metadata (is there a second `Base = declarative_base()`?)."
        )
    name = getattr(item, "__tablename__", None)
    if name is not None and name != "items":
        return f'Here: Item has __tablename__ = "{name}"; the table must be called items.'
    return f"The tables it has: {tables or 'none'}."


def columns_in(engine: Engine) -> dict[str, ReflectedColumn]:
    """The `items` table's columns as the database reports them, by name."""
    return {column["name"]: column for column in inspect(engine).get_columns("items")}


def column_in(engine: Engine, name: str) -> ReflectedColumn:
    """One column of the `items` table, as the database reports it."""
    found = columns_in(engine).get(name)
    if found is None:
        pytest.fail(
            f"The items table has no column `{name}`. What to check in app/models.py: "
            f"a line `{name} = Column(...)` inside class Item, spelt exactly like that.",
            pytrace=False,
        )
    return found


def described(indexed: list[list[Any]]) -> str:
    """'no index at all', 'an index on `id` only', 'indexes on `id`, `price` only'."""
    if not indexed:
        return "no index at all"
    covered = ", ".join(" + ".join(f"`{column}`" for column in columns) for columns in indexed)
    return f"{'an index' if len(indexed) == 1 else 'indexes'} on {covered} only"
