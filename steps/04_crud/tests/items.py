"""The items as the checks read and name them: their fields, their ids, and how a message
shows one.

Used by the checks (test_crud.py), by the read_back fixture (conftest.py) and by the calls of
calls.py.
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

FIELDS = ("title", "description", "price", "is_available")

ReadBack = Callable[[Session, int], dict[str, Any] | None]


def fields_of(item: Any) -> dict[str, Any]:
    """The four fields of an item (an ORM object), by name."""
    return {field: getattr(item, field) for field in FIELDS}


def ids_of(items: list[Any]) -> list[int]:
    """The ids of ITEMS, in their order."""
    return [item.id for item in items]


def describe(item: Any) -> str:
    """An item as a learner can recognise it in a message (not `<app.models.Item at 0x…>`)."""
    if item is None:
        return "None"
    if all(hasattr(item, field) for field in ("id", *FIELDS)):
        return f"the item with id {item.id} ({item.title!r})"
    return repr(item)
