"""Checks for step 04: app/crud.py — the five database operations, called directly.

Each check gets its own empty in-memory database. What an operation "really stored" is read
back with a brand-new session, after throwing away anything the first session did not
commit: that is what the next request (or the next server start) would see.
"""

import string
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import ModuleType
from typing import Any

import factory
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import IntegrityError, InvalidRequestError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import DetachedInstanceError

FIELDS = ("title", "description", "price", "is_available")

ReadBack = Callable[[Session, int], dict[str, Any] | None]

# --- Valid values, as app/schemas.py allows them -------------------------------------------
# Titles and descriptions: 1 to 200 characters, some of them beyond ASCII, with no space at
# either end (so the checks also hold for an app that strips whitespace).
ALPHABET = string.ascii_letters + string.digits + string.punctuation + " éüñß€中日🎹"
texts = st.text(ALPHABET, min_size=1, max_size=200).map(str.strip).filter(bool)
prices = st.floats(min_value=0.01, max_value=1_000_000, allow_nan=False, allow_infinity=False)
field_values: dict[str, st.SearchStrategy[Any]] = {
    "title": texts,
    "description": st.none() | texts,
    "price": prices,
    "is_available": st.booleans(),
}
# A complete item, as it could be stored.
complete_items = st.fixed_dictionaries(field_values)
# Any subset of the fields (possibly none), each with a valid value: a PATCH body.
partial_updates = st.fixed_dictionaries({}, optional=field_values)

# `fresh_session` only hands out new databases, so sharing it between the examples of one
# Hypothesis test is exactly what we want; Hypothesis warns about any function-scoped
# fixture, so that warning is switched off for these tests (and only that one).
one_database_per_example = settings(
    suppress_health_check=[*settings().suppress_health_check, HealthCheck.function_scoped_fixture],
    # No "explain" phase: it re-runs a failing example hundreds of times under a tracer,
    # which turns a one-second failure into minutes. The shrunk example is what matters.
    phases=[phase for phase in settings().phases if phase is not Phase.explain],
)


@pytest.fixture(scope="module")
def read_back(models: ModuleType) -> ReadBack:
    """`read_back(db, item_id)`: the item's fields as the database really holds them, or None.

    Anything `db` did not commit is rolled back first, and the row is read with a new
    session: an operation that forgot `db.commit()` looks as if it never happened.
    """

    def read(db: Session, item_id: int) -> dict[str, Any] | None:
        db.rollback()
        with Session(db.get_bind()) as other_session:
            row = other_session.get(models.Item, item_id)
            return None if row is None else fields_of(row)

    return read


def fields_of(item: Any) -> dict[str, Any]:
    return {field: getattr(item, field) for field in FIELDS}


def ids_of(items: list[Any]) -> list[int]:
    return [item.id for item in items]


def differences(before: dict[str, Any], sent: dict[str, Any], after: dict[str, Any]) -> str:
    """One line per field that does not hold what a partial update should leave there."""
    lines = []
    for field in FIELDS:
        expected = sent.get(field, before[field])
        if after[field] == expected:
            continue
        if field in sent:
            lines.append(f"  {field}: sent {expected!r}, but it holds {after[field]!r}")
        else:
            lines.append(
                f"  {field}: was not sent, yet it changed from {before[field]!r} to "
                f"{after[field]!r}"
            )
    return "\n".join(lines)


def update(crud: ModuleType, schemas: ModuleType, db: Session, item_id: int, **sent: Any) -> Any:
    """Call crud.update_item with an ItemUpdate holding exactly the fields in `sent`."""
    try:
        return crud.update_item(db, item_id, schemas.ItemUpdate(**sent))
    except IntegrityError as error:
        reason = error.orig
    pytest.fail(
        f"update_item({item_id}, ItemUpdate(**{sent!r})) tried to store NULL in a required "
        f"column: {reason}\n"
        "Fields the client did not send must be left alone. What to check: "
        "item.model_dump(exclude_unset=True), not item.model_dump().",
        pytrace=False,
    )


# --- create_item ---------------------------------------------------------------------------
def create_item(crud: ModuleType, db: Session, item: Any) -> Any:
    """crud.create_item(db, item), with advice when it refreshes an item it never saved."""
    try:
        return crud.create_item(db, item)
    except InvalidRequestError as error:
        if "is not persistent" not in str(error):
            raise
    pytest.fail(
        "create_item failed: SQLAlchemy could not refresh the new item, because it was never "
        'saved in the database ("Instance … is not persistent within this Session"). '
        "db.refresh() reads a stored row back; without a commit there is none yet.\n"
        "What to check in create_item: db.add(db_item), then db.commit(), then "
        "db.refresh(db_item).",
        pytrace=False,
    )


def test_create_item_stores_the_item_and_returns_it_with_an_id(
    crud: ModuleType, schemas: ModuleType, db_session: Session, read_back: ReadBack
) -> None:
    new_item = schemas.ItemCreate(title="Mechanical Keyboard", price=89.99)

    created = create_item(crud, db_session, new_item)

    assert isinstance(created.id, int), (
        f"Expected create_item to return the stored item with its id, got id={created.id!r}. "
        "What to check: db.commit() and db.refresh(db_item) before `return db_item`."
    )
    stored = read_back(db_session, created.id)
    assert stored is not None, (
        f"create_item returned an item with id {created.id}, but a new session finds no such "
        "row: it was never committed. What to check: db.add(db_item), then db.commit()."
    )
    assert stored == {
        "title": "Mechanical Keyboard",
        "description": None,
        "price": 89.99,
        "is_available": True,
    }, f"The stored row does not hold what was sent (with the defaults filled in): {stored}"


def test_create_item_returns_the_item_refreshed_from_the_database(
    crud: ModuleType, schemas: ModuleType, db_session: Session
) -> None:
    created = create_item(crud, db_session, schemas.ItemCreate(title="Desk Lamp", price=25))
    db_session.close()  # the item is now detached: only what was loaded can still be read

    try:
        values = {"id": created.id, **fields_of(created)}
    except DetachedInstanceError:
        values = {}
    assert values, (
        "The item create_item returned holds no data of its own: after commit() SQLAlchemy "
        "forgets an object's values, and nothing loaded them again. What to check: "
        "db.refresh(db_item) after db.commit() (or, as final/ does, "
        "sessionmaker(..., expire_on_commit=False) in app/database.py)."
    )
    assert isinstance(values["id"], int), f"Expected an integer id, got {values['id']!r}."
    assert values["title"] == "Desk Lamp", f"Expected title 'Desk Lamp', got {values['title']!r}."


def test_create_item_gives_each_item_its_own_id(
    crud: ModuleType, schemas: ModuleType, db_session: Session
) -> None:
    first = create_item(crud, db_session, schemas.ItemCreate(title="First", price=1))
    second = create_item(crud, db_session, schemas.ItemCreate(title="Second", price=2))

    assert first.id != second.id, f"Two created items share the id {first.id}."


# --- get_item ------------------------------------------------------------------------------
def test_get_item_returns_the_item_with_that_id(
    crud: ModuleType, db_session: Session, item_factory: type[factory.Factory]
) -> None:
    _, wanted, _ = item_factory.create_batch(3)

    found = crud.get_item(db_session, wanted.id)

    assert found is not None, f"get_item({wanted.id}) returned None, but that item is stored."
    assert found.id == wanted.id, (
        f"get_item({wanted.id}) returned the item with id {found.id}. What to check: "
        ".filter(models.Item.id == item_id) before .first()."
    )
    assert fields_of(found) == fields_of(wanted)


def test_get_item_returns_none_for_a_missing_id(
    crud: ModuleType, db_session: Session, item_factory: type[factory.Factory]
) -> None:
    stored = item_factory.create()
    missing_id = stored.id + 1

    found = crud.get_item(db_session, missing_id)

    assert found is None, (
        f"No item has id {missing_id}, so get_item should return None, got {found!r}. "
        "What to check: .first() (it gives None when nothing matches), not .one()."
    )


# --- get_items -----------------------------------------------------------------------------
# The article's query has no ORDER BY, so the database may return rows in any order: these
# checks compare sets of ids, never positions.
# With 25 items stored: get_items' keyword arguments, and how many items they should give.
PAGES: list[tuple[dict[str, int], int]] = [
    ({}, 20),
    ({"skip": 20}, 5),
    ({"limit": 5}, 5),
    ({"skip": 0, "limit": 100}, 25),
    ({"skip": 24, "limit": 5}, 1),
    ({"skip": 25}, 0),
]


def test_get_items_returns_pages_of_the_requested_size(
    crud: ModuleType, db_session: Session, item_factory: type[factory.Factory]
) -> None:
    item_factory.create_batch(25)

    wrong = []
    for paging, expected_count in PAGES:
        count = len(crud.get_items(db_session, **paging))
        if count != expected_count:
            call = "".join(f", {name}={value}" for name, value in paging.items())
            wrong.append(f"  get_items(db{call}) gave {count} items, expected {expected_count}")

    assert not wrong, (
        "With 25 items stored:\n" + "\n".join(wrong) + "\nWhat to check: the defaults skip=0 "
        "and limit=20, and .offset(skip).limit(limit) (not the other way round)."
    )


def test_get_items_skip_20_gives_the_5_items_the_first_page_left_out(
    crud: ModuleType, db_session: Session, item_factory: type[factory.Factory]
) -> None:
    all_ids = set(ids_of(item_factory.create_batch(25)))

    first_page = set(ids_of(crud.get_items(db_session)))
    rest = set(ids_of(crud.get_items(db_session, skip=20)))

    assert (len(rest), first_page & rest, first_page | rest) == (5, set(), all_ids), (
        f"The first page, get_items(db), holds {len(first_page)} items and the next one, "
        f"get_items(db, skip=20), {len(rest)}; {len(first_page & rest)} are on both. Together "
        "they should hold each of the 25 items once. What to check: "
        ".offset(skip).limit(limit), and the default limit=20."
    )


def test_get_items_pages_cover_every_item_exactly_once(
    crud: ModuleType, db_session: Session, item_factory: type[factory.Factory]
) -> None:
    all_ids = ids_of(item_factory.create_batch(25))

    seen: list[int] = []
    for skip in range(0, 25, 7):
        seen += ids_of(crud.get_items(db_session, skip=skip, limit=7))

    assert sorted(seen) == sorted(all_ids), (
        "Reading 25 items in pages of 7 (skip=0, 7, 14, 21) should show every item exactly "
        f"once.\n  stored ids: {sorted(all_ids)}\n  ids seen:   {sorted(seen)}"
    )


def test_get_items_of_an_empty_database_is_an_empty_list(
    crud: ModuleType, db_session: Session
) -> None:
    assert crud.get_items(db_session) == []


# --- update_item ---------------------------------------------------------------------------
UPDATE_ADVICE = (
    "What to check in update_item: update_data = item.model_dump(exclude_unset=True) (not "
    "exclude_none=True, which also drops a field sent as None), setattr(db_item, key, value) "
    "for each of them, then db.commit() before db.refresh(db_item): refresh reloads the row "
    "from the database, so a change that was not committed is lost."
)


def test_update_item_with_only_a_price_keeps_the_other_fields(
    crud: ModuleType,
    schemas: ModuleType,
    db_session: Session,
    item_factory: type[factory.Factory],
    read_back: ReadBack,
) -> None:
    item = item_factory.create(title="Keyboard", description="Clicky", is_available=False)
    item_id, before = item.id, fields_of(item)

    updated = update(crud, schemas, db_session, item_id, price=79.99)

    assert updated is not None, f"update_item returned None, but item {item_id} exists."
    problems = differences(before, {"price": 79.99}, fields_of(updated))
    assert not problems, f"update_item returned a wrong item:\n{problems}\n{UPDATE_ADVICE}"
    stored = read_back(db_session, item_id)
    assert stored is not None, f"Item {item_id} disappeared after update_item."
    problems = differences(before, {"price": 79.99}, stored)
    assert not problems, (
        f"After update_item(db, {item_id}, ItemUpdate(price=79.99)), a new session finds:\n"
        f"{problems}\n{UPDATE_ADVICE}"
    )


def test_update_item_can_clear_the_description(
    crud: ModuleType,
    schemas: ModuleType,
    db_session: Session,
    item_factory: type[factory.Factory],
    read_back: ReadBack,
) -> None:
    item = item_factory.create(description="Will be removed")
    item_id, before = item.id, fields_of(item)

    update(crud, schemas, db_session, item_id, description=None)

    stored = read_back(db_session, item_id)
    assert stored is not None, f"Item {item_id} disappeared after update_item."
    problems = differences(before, {"description": None}, stored)
    assert not problems, (
        "Sending description=None must clear the description (it is the only way to remove "
        f"one), and change nothing else. A new session finds:\n{problems}\n{UPDATE_ADVICE}"
    )


def test_update_item_returns_none_for_a_missing_id(
    crud: ModuleType, schemas: ModuleType, db_session: Session, item_factory: type[factory.Factory]
) -> None:
    missing_id = item_factory.create().id + 1

    result = update(crud, schemas, db_session, missing_id, price=5)

    assert result is None, (
        f"No item has id {missing_id}; expected None, got {result!r}. What to check: "
        "`if not db_item: return None` right after get_item."
    )


@one_database_per_example
@given(before=complete_items, sent=partial_updates)
def test_update_item_changes_exactly_the_fields_sent(
    crud: ModuleType,
    models: ModuleType,
    schemas: ModuleType,
    fresh_session: Callable[[], AbstractContextManager[Session]],
    read_back: ReadBack,
    before: dict[str, Any],
    sent: dict[str, Any],
) -> None:
    with fresh_session() as db:
        item = models.Item(**before)
        db.add(item)
        db.commit()
        item_id = item.id

        returned = update(crud, schemas, db, item_id, **sent)

        example = f"Stored item: {before}\nSent: ItemUpdate(**{sent})\n"
        assert returned is not None, f"{example}update_item returned None, but the item exists."
        problems = differences(before, sent, fields_of(returned))
        assert not problems, (
            f"{example}update_item returned a wrong item:\n{problems}\n{UPDATE_ADVICE}"
        )
        stored = read_back(db, item_id)
        assert stored is not None, f"{example}The item disappeared after update_item."
        problems = differences(before, sent, stored)
        assert not problems, f"{example}A new session then finds:\n{problems}\n{UPDATE_ADVICE}"


# --- delete_item ---------------------------------------------------------------------------
def test_delete_item_removes_the_row(
    crud: ModuleType,
    db_session: Session,
    item_factory: type[factory.Factory],
    read_back: ReadBack,
) -> None:
    item_id = item_factory.create().id

    assert crud.delete_item(db_session, item_id) is True, (
        f"delete_item({item_id}) should report True when it deleted an item."
    )
    assert read_back(db_session, item_id) is None, (
        f"delete_item({item_id}) reported True, but a new session still finds the row. "
        "What to check: db.delete(db_item), then db.commit()."
    )


def test_delete_item_leaves_the_other_items_alone(
    crud: ModuleType,
    db_session: Session,
    item_factory: type[factory.Factory],
    read_back: ReadBack,
) -> None:
    keep_1, doomed, keep_2 = ids_of(item_factory.create_batch(3))

    crud.delete_item(db_session, doomed)

    for item_id in (keep_1, keep_2):
        assert read_back(db_session, item_id) is not None, (
            f"Deleting item {doomed} also removed item {item_id}."
        )


def test_delete_item_reports_false_for_a_missing_id(
    crud: ModuleType, db_session: Session, item_factory: type[factory.Factory]
) -> None:
    missing_id = item_factory.create().id + 1

    assert crud.delete_item(db_session, missing_id) is False, (
        f"No item has id {missing_id}, so delete_item should return False."
    )


def test_deleting_twice_gives_true_then_false(
    crud: ModuleType, db_session: Session, item_factory: type[factory.Factory]
) -> None:
    item_id = item_factory.create().id

    first, second = crud.delete_item(db_session, item_id), crud.delete_item(db_session, item_id)

    assert (first, second) == (True, False), (
        f"Deleting item {item_id} twice should give True, then False; got {first}, {second}. "
        "If the second call also says True, the first delete was never committed."
    )
