"""The learner's CRUD functions, called as the checks call them: each call fails with a
message, not a crash, when a function raises for a missing item, or returns something that
is not an item (None, the body sent, an id, a method never called).

Used by the checks (test_crud.py): create_item, get_item, get_items and update.
"""

import inspect
import traceback
from types import ModuleType
from typing import Any

import pytest
from items_course.wording import describe_value
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, InvalidRequestError, NoResultFound
from sqlalchemy.orm import Session

from .items import FIELDS


def create_item(crud: ModuleType, db: Session, item: Any) -> Any:
    """crud.create_item(db, item), with advice when it refreshes an item it never saved, and a
    failure that says what it returned when that is not an item."""
    try:
        created = crud.create_item(db, item)
    except InvalidRequestError as error:
        if "is not persistent" not in str(error):
            raise
    else:
        expect_an_item(created, f"create_item(db, {item!r})", "the stored item")
        return created
    pytest.fail(
        "create_item failed: SQLAlchemy could not refresh the new item, because it was never "
        'saved in the database ("Instance … is not persistent within this Session"). '
        "db.refresh() reads a stored row back, and there is none yet: either db.add(db_item) "
        "is missing (then the commit has nothing to save), or db.commit() is.\n"
        "What to check in create_item: db.add(db_item), then db.commit(), then "
        "db.refresh(db_item).",
        pytrace=False,
    )


def get_item(crud: ModuleType, db: Session, item_id: int) -> Any:
    """crud.get_item(db, item_id), with advice when it raises because no row matched."""
    try:
        found = crud.get_item(db, item_id)
    except NoResultFound:
        pass
    else:
        if found is not None:
            expect_an_item(found, f"get_item(db, {item_id})", "the item with that id, or None")
        return found
    pytest.fail(
        f"get_item({item_id}) raised NoResultFound: no item has that id, and get_item should "
        "then return None. What to check: .first() (it gives None when nothing matches), "
        "not .one().",
        pytrace=False,
    )


def get_items(crud: ModuleType, db: Session, *arguments: int, **paging: int) -> list[Any]:
    """crud.get_items(db, ...), which must give a list (a query is not a list of items yet)."""
    items = crud.get_items(db, *arguments, **paging)
    if not isinstance(items, list):
        pytest.fail(
            f"get_items returned {type(items).__name__} {items!r}, not a list of items. "
            "What to check: .all() at the end of the query; it runs the query and gives the "
            "list of rows.",
            pytrace=False,
        )
    return items


def update(crud: ModuleType, schemas: ModuleType, db: Session, item_id: int, **sent: Any) -> Any:
    """Call crud.update_item with an ItemUpdate holding exactly the fields in `sent`."""
    stored = db.execute(text("SELECT 1 FROM items WHERE id = :id"), {"id": item_id}).first()
    missing, reason = False, ""
    try:
        result = crud.update_item(db, item_id, schemas.ItemUpdate(**sent))
    except IntegrityError as error:
        reason = str(error.orig)
    except AttributeError as error:
        if error.obj is not None or stored is not None:
            raise  # not the missing item's None: the learner's own error, shown as it is
        reason = f"{type(error).__name__}: {error}{own_line(error, crud)}"
        missing = True
    else:
        if result is not None:
            expect_an_item(result, f"update_item(db, {item_id}, …)", "the updated item")
        return result
    if missing:  # (failing outside `except`, so that the AttributeError is no part of it)
        pytest.fail(
            f"update_item(db, {item_id}, …) crashed: no item has id {item_id}, so get_item gave "
            f"None, and the next lines used it ({reason}). What to check: `if not db_item: "
            "return None` right after db_item = get_item(db, item_id).",
            pytrace=False,
        )
    pytest.fail(
        f"update_item({item_id}, ItemUpdate(**{sent!r})) tried to store NULL in a required "
        f"column: {reason}\n"
        "Fields the client did not send must be left alone. What to check: "
        "item.model_dump(exclude_unset=True), not item.model_dump().",
        pytrace=False,
    )


def expect_an_item(value: Any, call: str, wanted: str) -> None:
    """Fail, saying what VALUE is, unless it is an item (a check would crash reading its id)."""
    if all(hasattr(value, field) for field in ("id", *FIELDS)) and not isinstance(value, BaseModel):
        return
    pytest.fail(
        f"{call} returned {what_it_is(value)}.\nIt must return {wanted} (a models.Item, with "
        "its id).",
        pytrace=False,
    )


def what_it_is(value: Any) -> str:
    """What a returned value is, and the slip that usually gives it."""
    if value is None:
        return "None: the function ends without `return db_item` (or returns nothing)"
    if isinstance(value, BaseModel):
        return (
            f"its {type(value).__name__} argument, the body the client sent, not the stored "
            "models.Item made from it: `return db_item`"
        )
    if inspect.ismethod(value) or inspect.isfunction(value) or inspect.isbuiltin(value):
        name = getattr(value, "__qualname__", getattr(value, "__name__", "?"))
        return (
            f"the {'method' if inspect.ismethod(value) else 'function'} {name} itself, never "
            f"called: a missing `()` (`.{name.rpartition('.')[2]}()`)"
        )
    if isinstance(value, (int, str)):
        return f"the {type(value).__name__} {value!r}, not the item (whose .id would hold it)"
    return describe_value(value)


def own_line(error: BaseException, crud: ModuleType) -> str:
    """', at app/crud.py line N: <source>' for the last line of crud.py the error went through."""
    file = getattr(crud, "__file__", None)
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if file and frame.filename == file
    ]
    if not frames:
        return ""
    return f", at app/crud.py line {frames[-1].lineno}: {(frames[-1].line or '').strip()}"
