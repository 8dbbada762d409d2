"""Step 06 runs the real application on its own engine, so that engine must follow each
check into its empty folder."""

import os
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Engine, event


@pytest.fixture(autouse=True)
def app_database_in_the_checks_folder(database: ModuleType) -> Iterator[None]:
    """Make the app's relative `sqlite:///./app.db` mean ./app.db of the running check.

    SQLAlchemy turns a relative SQLite path into an absolute one as soon as `create_engine`
    runs, that is when app/database.py is imported, in whatever folder pytest was started
    from. Here the engine works the path out again each time it opens a connection, which is
    what SQLite itself does with a relative path, so every check gets its own fresh app.db.
    """
    engine = database.engine
    relative_file = _relative_sqlite_file(engine)
    if relative_file is None:  # not a relative SQLite file: nothing to follow
        yield
        return

    def open_in_current_folder(_dialect: Any, _record: Any, cargs: list[Any], _params: Any) -> None:
        cargs[0] = os.path.abspath(relative_file)

    event.listen(engine, "do_connect", open_in_current_folder)
    engine.dispose()
    yield
    engine.dispose()
    event.remove(engine, "do_connect", open_in_current_folder)


def _relative_sqlite_file(engine: Any) -> str | None:
    if not isinstance(engine, Engine) or engine.url.get_backend_name() != "sqlite":
        return None
    path = engine.url.database
    if not path or path == ":memory:" or os.path.isabs(path) or engine.url.query:
        return None
    return path
