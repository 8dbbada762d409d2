"""What app/models.py declares for each column, as SQLAlchemy holds it, and how the lesson
writes it: the messages that say what in the model makes a column wrong.

Used by the checks of the columns' names and types, and by the two checks of the required
columns (title and price), whose messages name a nullable="False", a `Mapped[str | None]` or
a default that fills the column in.
"""

from types import ModuleType
from typing import Any

from sqlalchemy import Boolean, Column, Float, Integer, String
from sqlalchemy.types import TypeEngine

# What each column should be, as a family of SQL types (any length of VARCHAR is fine),
# and how to write it in app/models.py.
EXPECTED_TYPES: dict[str, tuple[type[TypeEngine[Any]], str]] = {
    "id": (Integer, "Integer"),
    "title": (String, "String"),
    "description": (String, "String"),
    "price": (Float, "Float"),
    "is_available": (Boolean, "Boolean"),
}


def declared_column(models: ModuleType, name: str) -> Column[Any] | None:
    """The column Item declares for NAME in app/models.py, as SQLAlchemy holds it (or None)."""
    table = getattr(models.Item, "__table__", None)
    return table.c.get(name) if table is not None else None


def what_fills(column: Column[Any]) -> str:
    """ "default=''" or "server_default='0'": what fills the column when left out, else ""."""
    if column.default is not None:
        value = getattr(column.default, "arg", None)
        shown = f"{value!r}" if not callable(value) else getattr(value, "__name__", "a function")
        return f"default={shown}"
    if column.server_default is not None:
        value = getattr(column.server_default, "arg", None)
        return f"server_default={str(getattr(value, 'text', value))!r}"
    return ""


def why_it_accepts_null(models: ModuleType, name: str) -> str:
    """What in app/models.py makes the column NAME accept NULL ("" if it is not plain)."""
    column = declared_column(models, name)
    if column is None:
        return ""
    declared = column.nullable
    if not isinstance(declared, bool):
        return (
            f" app/models.py declares {name} with nullable={declared!r}, which is not True or "
            "False: any non-empty text counts as true, so the column accepts NULL. Write "
            "nullable=False, without quotes."
        )
    annotation = str(getattr(models.Item, "__annotations__", {}).get(name, ""))
    if "None" in annotation or "Optional" in annotation:
        shown = annotation.replace("sqlalchemy.orm.base.", "").replace("typing.", "")
        return (
            f" app/models.py declares `{name}: {shown}`: with mapped_column, `| None` (or "
            f"Optional) in the type is what makes a column accept NULL. Write `{name}: "
            f"Mapped[{EXPECTED_TYPES[name][1].lower().replace('string', 'str')}]`."
        )
    return ""
