"""The CRUD functions, called directly with a session (no HTTP in between).

Each check runs in its own rolled-back transaction; `stored(item_id)` reads the row back with a
new session, so it shows what was really written.
"""

from collections.abc import Callable
from types import ModuleType
from typing import Any

import factory
import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from .item_bodies import as_json

Stored = Callable[[int], dict[str, Any] | None]


# --- create and read -------------------------------------------------------------------------
def test_create_item_stores_it_with_the_defaults(
    crud: ModuleType, schemas: ModuleType, db: Session, stored: Stored
) -> None:
    created = crud.create_item(db, schemas.ItemCreate(title="Lamp", price=20.0))

    expected = {
        "id": created.id,
        "title": "Lamp",
        "description": None,
        "price": 20.0,
        "is_available": True,
    }
    assert as_json(created) == expected
    assert stored(created.id) == expected


def test_get_item_finds_an_item_by_id(
    crud: ModuleType, db: Session, item_factory: type[factory.Factory]
) -> None:
    _, wanted, _ = item_factory.create_batch(3)

    assert crud.get_item(db, wanted.id) is wanted  # Session.get: the object already loaded


def test_get_item_of_a_missing_id_is_none(
    crud: ModuleType, db: Session, item_factory: type[factory.Factory]
) -> None:
    assert crud.get_item(db, item_factory.create().id + 1) is None


def test_get_items_pages_through_the_items_in_order_of_id(
    crud: ModuleType, db: Session, item_factory: type[factory.Factory]
) -> None:
    ids = [item.id for item in item_factory.create_batch(5)]

    pages = [[item.id for item in crud.get_items(db, skip=skip, limit=2)] for skip in (0, 2, 4)]

    assert pages == [ids[0:2], ids[2:4], ids[4:]], (
        f"Expected pages of {ids} in order of id, got {pages}. "
        "What to check: .order_by(Item.id) in crud.get_items."
    )


def test_get_items_shows_twenty_items_unless_asked(
    crud: ModuleType, db: Session, item_factory: type[factory.Factory]
) -> None:
    item_factory.create_batch(21)

    assert len(crud.get_items(db)) == 20


# --- update (PATCH) ---------------------------------------------------------------------------
def test_update_item_changes_only_the_fields_set(
    crud: ModuleType,
    schemas: ModuleType,
    db: Session,
    stored: Stored,
    item_factory: type[factory.Factory],
) -> None:
    item = item_factory.create(title="Lamp", description="Warm", price=20.0, is_available=False)
    before = stored(item.id)
    assert before is not None

    returned = crud.update_item(db, item.id, schemas.ItemUpdate(price=18.0, description=None))

    expected = {**before, "price": 18.0, "description": None}
    assert as_json(returned) == expected
    assert stored(item.id) == expected


def test_update_item_of_a_missing_id_is_none(
    crud: ModuleType, schemas: ModuleType, db: Session, item_factory: type[factory.Factory]
) -> None:
    missing_id = item_factory.create().id + 1

    assert crud.update_item(db, missing_id, schemas.ItemUpdate(price=5.0)) is None


# --- replace (PUT) ----------------------------------------------------------------------------
def test_replace_item_makes_the_item_exactly_the_body(
    crud: ModuleType,
    schemas: ModuleType,
    db: Session,
    stored: Stored,
    item_factory: type[factory.Factory],
) -> None:
    item = item_factory.create(description="Warm", is_available=False)

    returned = crud.replace_item(db, item.id, schemas.ItemCreate(title="Desk", price=90.0))

    expected = {
        "id": item.id,
        "title": "Desk",
        "description": None,
        "price": 90.0,
        "is_available": True,
    }
    assert as_json(returned) == expected
    assert stored(item.id) == expected


def test_replace_item_of_a_missing_id_is_none(
    crud: ModuleType, schemas: ModuleType, db: Session, item_factory: type[factory.Factory]
) -> None:
    missing_id = item_factory.create().id + 1

    assert crud.replace_item(db, missing_id, schemas.ItemCreate(title="Desk", price=9)) is None


# --- delete -----------------------------------------------------------------------------------
def test_delete_item_removes_only_that_item(
    crud: ModuleType, db: Session, stored: Stored, item_factory: type[factory.Factory]
) -> None:
    keep, doomed = item_factory.create_batch(2)

    assert crud.delete_item(db, doomed.id) is True
    assert stored(doomed.id) is None
    assert stored(keep.id) is not None


def test_delete_item_of_a_missing_id_is_false(
    crud: ModuleType, db: Session, item_factory: type[factory.Factory]
) -> None:
    assert crud.delete_item(db, item_factory.create().id + 1) is False


# --- ItemUpdate: left out is not the same as null ---------------------------------------------
def test_item_update_remembers_only_the_fields_given(schemas: ModuleType) -> None:
    update = schemas.ItemUpdate(description=None)

    assert update.model_dump(exclude_unset=True) == {"description": None}
    assert schemas.ItemUpdate().model_dump(exclude_unset=True) == {}


@pytest.mark.parametrize("field", ["title", "price", "is_available"])
def test_item_update_refuses_null_where_the_column_cannot_be_null(
    schemas: ModuleType, field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        schemas.ItemUpdate.model_validate({field: None})

    assert [error["loc"] for error in refused.value.errors()] == [(field,)]
