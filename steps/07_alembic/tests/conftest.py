"""Step 07: run the project's own Alembic migrations against a throw-away database.

The checks use pytest-alembic: its `alembic_runner` fixture drives the migrations, and the
two fixtures below tell it which migrations (`alembic_config`) and which database
(`alembic_engine`) to use.
"""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import alembic.config
import pytest
from pytest_alembic import Config
from sqlalchemy import Engine, create_engine

# What `alembic init alembic` creates, and what the checks need of it.
ALEMBIC_FILES = {
    "alembic.ini": "Alembic's settings",
    "alembic/env.py": "the script Alembic runs for every command",
    "alembic/versions": "the folder of migration files",
}


@pytest.fixture
def alembic_files_problem(target: Any) -> str:
    """What is missing of Alembic's files in the project, and how to add it ("" if nothing)."""
    missing = [
        f"  - {name}: {meaning}"
        for name, meaning in ALEMBIC_FILES.items()
        if not (target.root / name).exists()
    ]
    if not missing:
        return ""
    app_folder = target.root / "app"
    inside_app = [name for name in ("alembic.ini", "alembic") if (app_folder / name).exists()]
    if inside_app:
        found = " and ".join(f"app/{name}" for name in inside_app)
        return (
            f"Step 07 (alembic) expects Alembic's files next to app/, in {target.root}, but "
            f"they are inside app/: {found}. `alembic init` was run in the app/ folder.\n"
            "What to do: move alembic.ini and the alembic/ folder up one level, next to app/ "
            "(Alembic runs from the folder that contains app/, so that `import app` works), "
            "and run Alembic's commands from there."
        )
    return (
        f"Step 07 (alembic) expects Alembic's files in {target.root}, but these are missing:\n"
        + "\n".join(missing)
        + "\nWhat to do: in your project folder run `alembic init alembic` (the course's "
        ".venv already has Alembic; elsewhere, `pip install alembic` first); point "
        "alembic/env.py at your models and run "
        '`alembic revision --autogenerate -m "add items table"` (see this step\'s README).'
    )


@pytest.fixture(autouse=True)
def alembic_can_import_app(target: Any) -> Iterator[None]:
    """While a check runs, `import app` (in env.py) finds the package under test.

    Alembic also puts folders on the import path (`prepend_sys_path` in alembic.ini); they
    are taken off again when the check ends.
    """
    with target.activated():
        path = list(sys.path)
        yield
        sys.path[:] = path


@pytest.fixture
def migration_database_url() -> str:
    """The check's throw-away database: ./app.db in the app's emptied working folder.

    That is the file the app's relative URL names, so env.py migrates this same file
    whichever way it connects: through the connection pytest-alembic hands it, through
    `sqlalchemy.url`, or through the app's own URL or engine (as the article suggests).
    """
    return f"sqlite:///{Path('app.db').resolve()}"


@pytest.fixture
def alembic_config(target: Any, alembic_files_problem: str, migration_database_url: str) -> Config:
    """pytest-alembic's settings: the project's alembic.ini, aimed at the check's database.

    The URL goes in as `sqlalchemy.url` too, for an env.py that builds its own engine from
    it instead of using the connection pytest-alembic hands over.
    """
    if alembic_files_problem:
        pytest.fail(alembic_files_problem, pytrace=False)
    settings = alembic.config.Config(str(target.root / "alembic.ini"))
    settings.set_main_option("sqlalchemy.url", migration_database_url.replace("%", "%%"))
    return Config(alembic_config=settings)


@pytest.fixture
def alembic_engine(migration_database_url: str) -> Iterator[Engine]:
    """The database pytest-alembic migrates: an empty SQLite file for each check."""
    engine = create_engine(migration_database_url)
    yield engine
    engine.dispose()
