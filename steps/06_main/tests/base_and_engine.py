"""What to say when app/main.py's Base or engine is not the one of app/database.py.

Used by test_starting_the_app_creates_the_items_table, when start-up created no items table.
"""

from types import ModuleType
from typing import Any

# The names main.py takes from app/database.py, and what each one is there.
FROM_DATABASE = {
    "Base": "the declarative base your models inherit from, whose metadata holds the items table",
    "engine": "the engine of app/database.py, which opens ./app.db",
}


def own_objects_problem(main: ModuleType, database: ModuleType) -> str:
    """When main.py's Base or engine is not the one of app/database.py: which, and the fix."""
    different = [
        name
        for name in FROM_DATABASE
        if hasattr(main, name) and getattr(main, name) is not getattr(database, name, None)
    ]
    if not different:
        return ""
    lines = [
        f"  app/main.py's `{name}` is not app.database's {name} ({FROM_DATABASE[name]}): "
        f"main.py makes or imports a {name} of its own ({described(getattr(main, name))})."
        for name in different
    ]
    return (
        "The lifespan creates the tables of the Base it names, on the engine it names:\n"
        + "\n".join(lines)
        + f"\nWhat to check: `from app.database import {', '.join(sorted(FROM_DATABASE))}` in "
        "app/main.py, and no second `Base = declarative_base()` there."
    )


def described(value: Any) -> str:
    """'a declarative base with no tables', 'the module sqlalchemy.engine', ..."""
    if isinstance(value, ModuleType):
        return f"the module {value.__name__}"
    metadata = getattr(value, "metadata", None)
    if metadata is not None and hasattr(metadata, "tables"):
        tables = sorted(metadata.tables)
        return (
            f"a declarative base whose tables are {tables}"
            if tables
            else ("a declarative base with no tables on it")
        )
    return f"{type(value).__name__} {value!r}"
