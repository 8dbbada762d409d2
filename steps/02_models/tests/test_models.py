"""Checks for step 02: app/models.py — the Item model and the `items` table it describes.

Every check builds a brand-new, empty database from `Base.metadata` (the `test_engine`
fixture) and looks at what really ended up in it: the table and its columns as the database
reports them, and rows read back with plain SQL, so nothing is taken on the model's word.
"""

from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Boolean, Column, Engine, Float, Integer, String, insert, inspect, text
from sqlalchemy.engine.interfaces import ReflectedColumn
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
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


NO_ITEMS_TABLE = (
    "A fresh database built from Base.metadata has no `items` table. "
    'What to check in app/models.py: `__tablename__ = "items"`, and that Item inherits '
    "from the Base of app/database.py (`from app.database import Base`)."
)


@pytest.fixture
def fresh_database(test_engine: Engine, database: ModuleType, models: ModuleType) -> Engine:
    """The check's empty database, once we know it has an `items` table to look at."""
    tables = inspect(test_engine).get_table_names()
    if "items" not in tables:
        pytest.fail(
            f"{NO_ITEMS_TABLE}\n{why_no_items_table(database, models, tables)}", pytrace=False
        )
    return test_engine


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


def described(indexed: list[list[Any]]) -> str:
    """'no index at all', 'an index on `id` only', 'indexes on `id`, `price` only'."""
    if not indexed:
        return "no index at all"
    covered = ", ".join(" + ".join(f"`{column}`" for column in columns) for columns in indexed)
    return f"{'an index' if len(indexed) == 1 else 'indexes'} on {covered} only"


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
