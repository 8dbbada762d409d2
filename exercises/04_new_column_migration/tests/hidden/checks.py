"""Hidden checks of exercise 04 (a quantity column and its migration). Never handed out.

The first check builds, in the submission's folder, the database a deployed app would have:
the starter's schema at revision 0001 (exactly what its migration creates) holding items.
Then it runs the submission's own `alembic upgrade head` in the sandbox and serves the app
on the migrated database. The last check stops the app and migrates down and up again.
The checks read the database with sqlite3 from the grader, always on a private copy (a
migration may leave app.db as a link to some file of the machine: the copy is made
without following it); they never import the submission's code.
"""

import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from exercises.harness import ITEMS, Context, check, differing_fields, expect, fail, shown

# What the starter's revision 0001 creates on SQLite (tests/test_exercises_04_05.py checks
# that this is still exactly the starter's schema).
SCHEMA_0001 = (
    "CREATE TABLE alembic_version (\n"
    "\tversion_num VARCHAR(32) NOT NULL, \n"
    "\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n"
    ")",
    "CREATE TABLE items (\n"
    "\tid INTEGER NOT NULL, \n"
    "\ttitle VARCHAR NOT NULL, \n"
    "\tdescription VARCHAR, \n"
    "\tprice FLOAT NOT NULL, \n"
    "\tis_available BOOLEAN, \n"
    "\tPRIMARY KEY (id)\n"
    ")",
    "CREATE INDEX ix_items_id ON items (id)",
    "CREATE INDEX ix_items_title ON items (title)",
)
EXISTING = [
    {"id": 1, "title": "Desk lamp", "description": "warm white", "price": 35.0, "is_available": 1},
    {"id": 2, "title": "Mug", "description": None, "price": 4.5, "is_available": 0},
    {"id": 3, "title": "Chair", "description": "oak", "price": 120.0, "is_available": 1},
]
ITEM = {"title": "Notebook", "description": "A5", "price": 3.2, "is_available": True}


# The file the app uses: its URL is sqlite:///./app.db and it runs in the project.
DATABASE = "app.db"
Found = TypeVar("Found")


def read(ctx: Context, query: Callable[[sqlite3.Connection], Found], empty: Found) -> Found:
    """QUERY run on a private copy of the app's database; EMPTY when there is none."""
    copy = ctx.database_copy(DATABASE)
    if copy is None:
        return empty
    connection = sqlite3.connect(copy)  # a private copy: nothing of the app's is changed
    try:
        return query(connection)
    finally:
        connection.close()


def create_database_at_0001(ctx: Context) -> None:
    """The database of an app deployed before the exercise: revision 0001, three items.
    Built in a private folder, then put in the project (replacing whatever is there)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / DATABASE
        with sqlite3.connect(path) as connection:
            for statement in SCHEMA_0001:
                connection.execute(statement)
            connection.execute("INSERT INTO alembic_version VALUES ('0001')")
            connection.executemany(
                "INSERT INTO items VALUES (:id, :title, :description, :price, :is_available)",
                EXISTING,
            )
        connection.close()
        ctx.remove_file(DATABASE + "-journal")
        ctx.put_file(DATABASE, path.read_bytes())


def alembic(ctx: Context, *args: str) -> None:
    """Run `alembic ARGS` in the project (in the sandbox); fail with its output if it fails."""
    code, output = ctx.run_python("-m", "alembic", *args, timeout=20)
    if code != 0:
        what = "did not finish within 20 s" if code is None else f"exited with code {code}"
        lines = "\n".join("    " + line for line in output.strip().splitlines()[-12:])
        fail(f"`alembic {' '.join(args)}` {what}. Its last output:\n{lines}")


def schema(ctx: Context) -> tuple[str, ...]:
    """The CREATE statements of the database's tables and indexes, in a stable order."""
    query = "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type DESC, name"
    return read(ctx, lambda db: tuple(row[0] for row in db.execute(query)), ())


def table_info(ctx: Context) -> list[tuple[Any, ...]]:
    """PRAGMA table_info(items): (cid, name, type, notnull, default, pk) per column."""
    return read(ctx, lambda db: [tuple(row) for row in db.execute("PRAGMA table_info(items)")], [])


def quantity_column(ctx: Context) -> tuple[str, bool] | None:
    """The declared type of items.quantity and whether it is NOT NULL (None: no column)."""
    found = table_info(ctx)
    return next(((row[2].upper(), bool(row[3])) for row in found if row[1] == "quantity"), None)


def columns(ctx: Context) -> list[str]:
    """The column names of the items table (empty when there is no such table)."""
    return [row[1] for row in table_info(ctx)]


def rows(ctx: Context) -> list[dict[str, Any]]:
    """Every row of the items table, by id (at most 1000)."""

    def query(db: sqlite3.Connection) -> list[dict[str, Any]]:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM items ORDER BY id LIMIT 1000")]

    return read(ctx, query, [])


def revision(ctx: Context) -> list[str]:
    """The revision(s) recorded in alembic_version."""
    query = "SELECT version_num FROM alembic_version LIMIT 10"
    return read(ctx, lambda db: [row[0] for row in db.execute(query)], [])


def create(ctx: Context, body: dict[str, object]) -> dict[str, Any]:
    return ctx.api.post(ITEMS, json=body).expect(201).item()


@check("upgrade_keeps_existing_rows")
def upgrade_keeps_existing_rows(ctx: Context) -> None:
    # Revision 0001 built the databases already deployed: it must stay as it was. (Judged
    # last, so that the checks after this one find the database migrated either way.)
    ctx.remove_file(DATABASE)
    alembic(ctx, "upgrade", "0001")
    revision_0001_kept = schema(ctx) == SCHEMA_0001
    create_database_at_0001(ctx)
    alembic(ctx, "upgrade", "head")
    expect(
        "quantity" in columns(ctx),
        "After `alembic upgrade head` on a database at revision 0001 (the starter's), the "
        f"items table has no quantity column; its columns are {columns(ctx)}. Is your "
        "revision's down_revision '0001', and does its upgrade() add the column?",
    )
    declared = quantity_column(ctx)
    expect(
        declared == ("INTEGER", True),
        "After `alembic upgrade head`, items.quantity should be an INTEGER column that "
        f"refuses NULL; the database declares it {declared[0] if declared else '?'}, "
        f"{'NOT NULL' if declared and declared[1] else 'nullable'}. What to check in your "
        'revision: sa.Column("quantity", sa.Integer(), nullable=False, server_default=...).',
    )
    listed = ctx.api.get(ITEMS, params={"limit": 100}).expect(200).items()
    by_id = {item.get("id"): item for item in listed}
    for row in EXISTING:
        item = by_id.get(row["id"])
        expect(
            item is not None,
            f"The database held item {row['id']} before the migration; after it, "
            f"GET {ITEMS} lists only ids {sorted(by_id, key=str)}.",
        )
        assert item is not None
        expected = {**row, "is_available": bool(row["is_available"]), "quantity": 0}
        wrong = differing_fields(expected, item)
        expect(
            not wrong,
            f"Item {row['id']} existed before the migration; afterwards it should read "
            f"{shown(expected)} (quantity 0 for every existing row: a server default); "
            f"these fields differ: {shown(wrong)}.",
        )
    expect(
        revision_0001_kept,
        "`alembic upgrade 0001` on an empty database should build the starter's schema, "
        "but it builds something else: revision 0001 was changed. Databases already "
        "deployed were made by the starter's 0001; a change belongs in your new revision.",
    )


@check("quantity_defaults_to_0")
def quantity_defaults_to_0(ctx: Context) -> None:
    reply = ctx.api.post(ITEMS, json=ITEM).expect(201)
    item = reply.item()
    expect(
        item.get("quantity") == 0,
        f"{reply.request} should answer quantity 0 (the default); it answered {shown(item)}.",
    )
    stored = ctx.api.get(f"{ITEMS}{item['id']}").expect(200).item()
    expect(
        stored.get("quantity") == 0,
        f"After {reply.request}, GET {ITEMS}{item['id']} should show quantity 0; it answered "
        f"{shown(stored)}.",
    )


@check("quantity_is_stored_and_patched")
def quantity_is_stored_and_patched(ctx: Context) -> None:
    other = create(ctx, {"title": "Stapler", "price": 8.0, "quantity": 2})
    reply = ctx.api.post(ITEMS, json={**ITEM, "quantity": 7}).expect(201)
    item = reply.item()
    expect(
        item.get("quantity") == 7,
        f"{reply.request} should answer quantity 7; it answered {shown(item)}.",
    )
    path = f"{ITEMS}{item['id']}"
    patched = ctx.api.patch(path, json={"quantity": 3}).expect(200)
    stored = ctx.api.get(path).expect(200).item()
    expected = {**ITEM, "quantity": 3}
    wrong = differing_fields(expected, stored)
    expect(
        not wrong,
        f"After {patched.request}, GET {path} should show {shown(expected)} (only quantity "
        f"changed); these fields differ: {shown(wrong)}.",
    )
    untouched = ctx.api.get(f"{ITEMS}{other['id']}").expect(200).item()
    expect(
        not differing_fields(other, untouched),
        f"{patched.request} changed another item too: GET {ITEMS}{other['id']} should still "
        f"show {shown(other)}, and shows {shown(untouched)}. A PATCH changes only its item.",
    )
    zero = ctx.api.patch(path, json={"quantity": 0}).expect(200, why="(0 is a valid quantity)")
    expect(
        ctx.api.get(path).expect(200).item().get("quantity") == 0,
        f"After {zero.request}, GET {path} should show quantity 0.",
    )


@check("invalid_quantity_is_422")
def invalid_quantity_is_422(ctx: Context) -> None:
    for value in (-1, 2.5, "many", None):
        ctx.api.post(ITEMS, json={**ITEM, "quantity": value}).expect(
            422, why="because quantity must be a whole number >= 0"
        )
    item = create(ctx, {**ITEM, "quantity": 5})
    path = f"{ITEMS}{item['id']}"
    for value in (-1, 2.5, None):
        reply = ctx.api.patch(path, json={"quantity": value})
        reply.expect(
            422, why="because quantity must be a whole number >= 0 (the column is NOT NULL)"
        )
        stored = ctx.api.get(path).expect(200).item()
        expect(
            "quantity" in stored,
            f"GET {path} should show the item's quantity; it answered {shown(stored)}. "
            "Is quantity a field of ItemOut?",
        )
        expect(
            stored["quantity"] == 5,
            f"The refused {reply.request} must change nothing, but GET {path} now shows "
            f"quantity {shown(stored['quantity'])} instead of 5.",
        )


@check("items_api_still_works")
def items_api_still_works(ctx: Context) -> None:
    item = create(ctx, {"title": "Pen", "price": 1.5})
    path = f"{ITEMS}{item['id']}"
    patched = ctx.api.patch(path, json={"price": 2.0}).expect(200).item()
    expect(
        patched.get("price") == 2.0 and patched.get("title") == "Pen",
        f'PATCH {path} with {{"price": 2.0}} should change the price only; it answered '
        f"{shown(patched)}.",
    )
    ctx.api.delete(path).expect(204)
    ctx.api.get(path).expect(404, why="after the item was deleted")


@check("downgrade_then_upgrade")
def downgrade_then_upgrade(ctx: Context) -> None:
    ctx.stop_server()
    if "quantity" not in columns(ctx):  # the first check could not migrate: start over
        create_database_at_0001(ctx)
        alembic(ctx, "upgrade", "head")
    before = rows(ctx)
    alembic(ctx, "downgrade", "-1")
    expect(
        revision(ctx) == ["0001"],
        f"After `alembic downgrade -1` the database should be back at revision 0001; "
        f"alembic_version holds {revision(ctx)}.",
    )
    after = columns(ctx)
    expect(
        after and "quantity" not in after,
        "After `alembic downgrade -1` the items table should exist without the quantity "
        f"column; its columns are {after}. Does downgrade() drop exactly that column?",
    )
    kept = [{key: value for key, value in row.items() if key != "quantity"} for row in before]
    expect(
        rows(ctx) == kept,
        f"`alembic downgrade -1` must keep every item: the table held {len(kept)} rows "
        f"before and holds {len(rows(ctx))} after (or their values changed).",
    )
    alembic(ctx, "upgrade", "head")
    back = rows(ctx)
    expect(
        "quantity" in columns(ctx) and all(row.get("quantity") == 0 for row in back),
        "After downgrading and running `alembic upgrade head` again, every item should "
        f"have quantity 0 again; the table reads {shown(back)}.",
    )
