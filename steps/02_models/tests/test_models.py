"""Checks for step 02: app/models.py — the Item model and the `items` table it describes.

Every check builds a brand-new, empty database from `Base.metadata` (the `test_engine`
fixture) and looks at what really ended up in it: the table and its columns as the database
reports them, and rows read back with plain SQL, so nothing is taken on the model's word.
"""

from types import ModuleType

import pytest
from sqlalchemy import Engine, insert, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .declarations import EXPECTED_TYPES, declared_column, what_fills, why_it_accepts_null
from .rows import commit_is_refused, raw_rows
from .tables import NO_ITEMS_TABLE, column_in, columns_in, described, why_no_items_table


def test_item_inherits_from_the_base_in_database_py(
    database: ModuleType, models: ModuleType
) -> None:
    assert isinstance(models.Item, type), f"Expected `class Item(Base)`, got {models.Item!r}."
    assert issubclass(models.Item, database.Base), (
        "Expected `class Item(Base)` with the Base imported from app/database.py "
        "(`from app.database import Base`). Only models built on that Base become tables "
        "when the app calls Base.metadata.create_all()."
    )


def test_a_fresh_database_gets_an_items_table(
    test_engine: Engine, database: ModuleType, models: ModuleType
) -> None:
    tables = inspect(test_engine).get_table_names()
    assert "items" in tables, f"{NO_ITEMS_TABLE}\n{why_no_items_table(database, models, tables)}"


def test_items_has_exactly_the_five_columns(fresh_database: Engine, models: ModuleType) -> None:
    found = set(columns_in(fresh_database))
    expected = set(EXPECTED_TYPES)
    # An attribute whose column has another name: Column("name", ...) names the column.
    renamed = [
        f"  Item.{attribute.key} is stored in a column called `{attribute.columns[0].name}`: "
        f"the first text given to Column(...) is the column's name (Column(\""
        f'{attribute.columns[0].name}", ...)); leave it out, or write "{attribute.key}".'
        for attribute in inspect(models.Item).column_attrs
        if attribute.key != attribute.columns[0].name
    ]
    assert found == expected, (
        f"Expected the items table to have the columns {sorted(expected)}, "
        f"got {sorted(found)}.\n"
        f"  missing: {sorted(expected - found) or 'none'}\n"
        f"  unexpected: {sorted(found - expected) or 'none'}\n"
        + "".join(line + "\n" for line in renamed)
        + "What to check in app/models.py: one `<column> = Column(...)` line per column of the "
        "list above, the attribute spelt exactly like the column."
    )


@pytest.mark.parametrize("column", list(EXPECTED_TYPES))
def test_column_has_the_expected_type(fresh_database: Engine, column: str) -> None:
    family, written = EXPECTED_TYPES[column]
    found = column_in(fresh_database, column)
    assert isinstance(found["type"], family), (
        f"Expected the column `{column}` to be stored as {written}, but the database says "
        f"{found['type']}. What to check in app/models.py: `{column} = Column({written}, ...)`."
    )


def test_id_is_the_primary_key(fresh_database: Engine) -> None:
    primary_key = inspect(fresh_database).get_pk_constraint("items")["constrained_columns"]
    assert primary_key == ["id"], (
        f"Expected `id` alone to be the primary key of items, got {primary_key or 'no key'}. "
        "What to check in app/models.py: `id = Column(Integer, primary_key=True, index=True)`."
    )


def test_the_database_numbers_new_items_1_then_2(
    fresh_database: Engine, models: ModuleType
) -> None:
    with Session(fresh_database) as db:
        db.add_all([models.Item(title="Lamp", price=20.0), models.Item(title="Desk", price=90.0)])
        db.commit()

    ids = raw_rows(fresh_database, "SELECT id FROM items ORDER BY id")
    assert ids == [(1,), (2,)], (
        f"Two items saved without an id should get the ids 1 and 2 from the database, "
        f"got {ids}. What to check in app/models.py: `id` must be an Integer primary key, "
        "which SQLite numbers automatically."
    )


def test_title_has_an_index(fresh_database: Engine) -> None:
    indexes = inspect(fresh_database).get_indexes("items")
    indexed = [index["column_names"] for index in indexes]
    assert ["title"] in indexed, (
        f"Expected an index on `title` (for fast lookups by title); items has "
        f"{described(indexed)}. What to check in app/models.py: "
        "`title = Column(String, index=True, nullable=False)`."
    )


def test_two_items_may_share_a_title(fresh_database: Engine, models: ModuleType) -> None:
    with Session(fresh_database) as db:
        db.add_all([models.Item(title="Lamp", price=20.0), models.Item(title="Lamp", price=35.0)])
        try:
            db.commit()
        except IntegrityError as error:
            if "UNIQUE" not in str(error.orig).upper():
                raise  # another column's problem, which its own check explains
            refusal = str(error.orig)
        else:
            return

    pytest.fail(
        f"Two items called 'Lamp' could not both be saved ({refusal}): the title is UNIQUE. "
        "The index on title is there to find items fast, not to forbid a second lamp. "
        "What to check in app/models.py: `title = Column(String, index=True, nullable=False)`, "
        "without unique=True.",
        pytrace=False,
    )


@pytest.mark.parametrize("column", ["title", "price"])
def test_required_columns_are_not_null(
    fresh_database: Engine, models: ModuleType, column: str
) -> None:
    found = column_in(fresh_database, column)
    assert found["nullable"] is False, (
        f"Expected the column `{column}` to be NOT NULL (every item must have one), but the "
        f"database accepts NULL there."
        + (
            why_it_accepts_null(models, column)
            or f" What to check in app/models.py: `{column} = Column(..., nullable=False)`."
        )
    )


def test_description_may_be_null(fresh_database: Engine) -> None:
    found = column_in(fresh_database, "description")
    assert found["nullable"] is True, (
        "Expected the column `description` to accept NULL (a description is optional), but "
        "it is NOT NULL. What to check in app/models.py: "
        "`description = Column(String, nullable=True)`."
    )


@pytest.mark.parametrize("missing", ["title", "price"])
def test_saving_an_item_without_a_required_field_fails(
    fresh_database: Engine, models: ModuleType, missing: str
) -> None:
    fields = {"title": "Lamp", "price": 20.0}
    del fields[missing]
    with Session(fresh_database) as db:
        db.add(models.Item(**fields))
        refused = commit_is_refused(db)

    column = declared_column(models, missing)
    filled_by = what_fills(column) if column is not None and column.nullable is False else ""
    if filled_by:
        [(stored,)] = raw_rows(fresh_database, f"SELECT {missing} FROM items")
        assert refused, (
            f"Saving an item without `{missing}` worked: the column is NOT NULL, but its "
            f"{filled_by} fills it in, so the item was stored with {missing} {stored!r}. A "
            f"value every item must be given has no default. What to check in app/models.py: "
            f"`{missing} = Column(..., nullable=False)` without {filled_by.split('=')[0]}=."
        )
    assert refused, (
        f"Saving an item without `{missing}` worked, so the database now holds an item with "
        f"no {missing}. Expected the database to refuse it (IntegrityError). What to check in "
        f"app/models.py: `{missing} = Column(..., nullable=False)`."
    )


def test_an_item_can_be_saved_without_a_description(
    fresh_database: Engine, models: ModuleType
) -> None:
    with Session(fresh_database) as db:
        db.add(models.Item(title="Lamp", price=20.0))
        db.commit()

    rows = raw_rows(fresh_database, "SELECT title, description, price FROM items")
    assert rows == [("Lamp", None, 20.0)], (
        f"Expected the stored row ('Lamp', None, 20.0) (title, description, price), got {rows}."
    )


def test_is_available_defaults_to_true_when_saved_through_the_orm(
    fresh_database: Engine, models: ModuleType
) -> None:
    with Session(fresh_database) as db:
        db.add(models.Item(title="Lamp", price=20.0))  # is_available left out
        db.commit()

    stored = raw_rows(fresh_database, "SELECT is_available FROM items")
    assert stored == [(1,)], (
        f"An item saved without is_available should be stored as available (true, which "
        f"SQLite writes as 1); the database holds {stored}. What to check in app/models.py: "
        "`is_available = Column(Boolean, default=True)`."
    )


def test_is_available_defaults_to_true_in_a_core_insert(
    fresh_database: Engine, models: ModuleType
) -> None:
    # A bulk INSERT written with SQLAlchemy Core, without going through Item objects.
    with fresh_database.begin() as connection:
        connection.execute(insert(models.Item).values(title="Lamp", price=20.0))

    stored = raw_rows(fresh_database, "SELECT is_available FROM items")
    assert stored == [(1,)], (
        f"A Core `insert(Item)` that leaves out is_available should store true (1); the "
        f"database holds {stored}. What to check in app/models.py: the default belongs on "
        "the column, `is_available = Column(Boolean, default=True)`, not in Item.__init__."
    )
