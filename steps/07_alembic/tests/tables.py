"""What the migrations built: the tables of the check's database, and, when there is no
items table, the reason the project's Alembic files show.
"""

import re
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, inspect, select

NO_ITEMS_TABLE = (
    "After `alembic upgrade head` on an empty database there is no `items` table.\n"
    "What to check: a file in alembic/versions/ whose upgrade() calls "
    'op.create_table("items", ...), made by `alembic revision --autogenerate` once env.py '
    "sets `target_metadata = Base.metadata` and imports app.models."
)
# `op.create_table("items", ...)` or `op.create_table('items', ...)` in a migration file.
CREATES_ITEMS = re.compile(r"""create_table\(\s*["']items["']""")
# `from app import models`, `import app.models` or `from app.models import Item` in env.py.
IMPORTS_MODELS = re.compile(
    r"^\s*(from app import .*\bmodels\b|import app\.models|from app\.models import)", re.M
)
METADATA_LEFT_NONE = re.compile(r"^target_metadata\s*=\s*None\b", re.M)


def why_no_items_table(project: Any) -> str:
    """NO_ITEMS_TABLE, or what the project's Alembic files show to be the reason."""
    env_file = project.env
    env = env_file.read_text(encoding="utf-8") if env_file and env_file.is_file() else ""
    migrations = project.migration_files()
    if not migrations:
        if METADATA_LEFT_NONE.search(env):
            return (
                "alembic/versions/ holds no migration, and alembic/env.py still says "
                "`target_metadata = None`, as `alembic init` wrote it: with that, `alembic "
                "revision --autogenerate` stops with \"Can't proceed with --autogenerate "
                'option" and writes nothing.\nWhat to do: in env.py, `from app.database '
                "import Base`, `from app import models` and `target_metadata = Base.metadata`; "
                'then `alembic revision --autogenerate -m "add items table"`.'
            )
        return (
            "alembic/versions/ holds no migration yet, so `alembic upgrade head` has nothing "
            'to run.\nWhat to do: `alembic revision --autogenerate -m "add items table"` in '
            "your project folder, then read the file it wrote."
        )
    if migrations_create_items(project):
        return NO_ITEMS_TABLE
    names = ", ".join(project.shown(file) for file in migrations)
    causes = [
        "your app.db already had an items table (the app's create_all made it in step 06), "
        "so Alembic saw nothing to add;"
    ]
    first = "delete the empty migration"
    if not IMPORTS_MODELS.search(env):
        causes.insert(
            0,
            "alembic/env.py does not import app.models, so Base.metadata holds no table "
            "(add `from app import models`);",
        )
        first = "add `from app import models` to alembic/env.py, " + first
    return (
        f'No migration creates the items table: no op.create_table("items", ...) in '
        f"{names}.\n`alembic revision --autogenerate` writes what differs between the models "
        "env.py sees and the database it connects to, so an empty draft means it saw no "
        "difference:\n"
        + "\n".join(f"  - {cause}" for cause in causes)
        + f"\nWhat to do: {first}, move app.db aside, then run `alembic revision "
        '--autogenerate -m "add items table"` again and check that its upgrade() calls '
        'op.create_table("items", ...).'
    )


def migrations_create_items(project: Any) -> bool:
    """Whether a migration file calls op.create_table("items", ...)."""
    return any(
        CREATES_ITEMS.search(file.read_text(encoding="utf-8")) for file in project.migration_files()
    )


def require_items_table(engine: Engine, project: Any) -> None:
    """Fail, saying why, unless the migrations made the items table."""
    if "items" not in tables_in(engine):
        pytest.fail(why_no_items_table(project), pytrace=False)


def tables_in(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def schema_of(engine: Engine) -> dict[str, Any]:
    """Every table but alembic_version, with its columns, keys and indexes as reflected."""
    inspector = inspect(engine)
    return {
        table: {
            "columns": [
                (column["name"], str(column["type"]), column["nullable"], column.get("default"))
                for column in inspector.get_columns(table)
            ],
            "primary key": inspector.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted(
                (index["name"], tuple(index["column_names"]), bool(index["unique"]))
                for index in inspector.get_indexes(table)
            ),
        }
        for table in sorted(tables_in(engine) - {"alembic_version"})
    }


def wipe(engine: Engine) -> None:
    """Drop every table, alembic_version included: the database is back at `base`."""
    everything = MetaData()
    everything.reflect(engine)
    everything.drop_all(engine)


def stored_titles_and_prices(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        reflected = MetaData()
        reflected.reflect(connection, only=["items"])
        items = reflected.tables["items"]
        return list(connection.execute(select(items.c.title, items.c.price)))
