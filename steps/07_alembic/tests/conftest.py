"""Step 07's fixtures: run the project's own Alembic migrations against a throw-away database.

The checks use pytest-alembic: its `alembic_runner` fixture drives the migrations, and the
two fixtures below tell it which migrations (`alembic_config`) and which database
(`alembic_engine`) to use.

The fixtures every step shares (target, models, database...) come from the course plugin and
steps/conftest.py. The helpers are beside this file: alembic_project.py reads alembic.ini as
the `alembic` command does, history.py explains a chain of migrations Alembic cannot read,
env_calls.py holds what env.py gives context.configure, and migrations.py runs the migrations
for the checks.
"""

import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from alembic.runtime.environment import EnvironmentContext
from pytest_alembic import Config, MigrationContext
from sqlalchemy import Engine, create_engine

from .alembic_project import (
    ALEMBIC_FILES,
    AlembicProject,
    read_alembic_project,
    script_folder_problem,
)
from .env_calls import ConfigureCall, is_outside_alembic
from .history import history_problem
from .migrations import Migrations


@pytest.fixture
def alembic_project(target: Any) -> AlembicProject:
    """The project's Alembic files, found as `alembic` run in the project folder finds them."""
    return read_alembic_project(target.root)


@pytest.fixture
def alembic_files_problem(target: Any, alembic_project: AlembicProject) -> str:
    """What is missing of Alembic's files in the project, and how to add it ("" if nothing)."""
    if alembic_project.ini.is_file():
        return script_folder_problem(alembic_project)
    missing = [
        f"  - {name}: {meaning}"
        for name, meaning in ALEMBIC_FILES.items()
        if not (target.root / name).exists()
    ]
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
def configure_calls(monkeypatch: pytest.MonkeyPatch) -> list[ConfigureCall]:
    """Every context.configure(...) env.py makes while a check runs, in order.

    Alembic's own configure still runs; the checks only remember what env.py gave it, to
    advise on what env.py declares rather than on the error Alembic raised later.
    """
    calls: list[ConfigureCall] = []
    original = EnvironmentContext.configure

    def remembered(self: EnvironmentContext, *args: Any, **options: Any) -> None:
        # The caller is env.py, below the proxy functions of alembic.context.
        caller: FrameType | None = sys._getframe(1)
        while caller is not None and not is_outside_alembic(caller.f_code.co_filename):
            caller = caller.f_back
        file, line = (caller.f_code.co_filename, caller.f_lineno) if caller else ("", 0)
        calls.append(ConfigureCall(options, file, line))
        original(self, *args, **options)

    monkeypatch.setattr(EnvironmentContext, "configure", remembered)
    return calls


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
def alembic_config(
    alembic_project: AlembicProject, alembic_files_problem: str, migration_database_url: str
) -> Config:
    """pytest-alembic's settings: the project's Alembic files, aimed at the check's database.

    Before any check runs a migration, the chain of migrations is read once: a file Alembic
    cannot place (no revision, a down_revision naming itself or nothing) fails every check
    with the file and line to change, instead of Alembic's traceback.
    """
    if alembic_files_problem:
        pytest.fail(alembic_files_problem, pytrace=False)
    settings = alembic_project.config(migration_database_url)
    problem = history_problem(alembic_project, settings)
    if problem:
        pytest.fail(problem, pytrace=False)
    return Config(alembic_config=settings)


@pytest.fixture
def alembic_engine(migration_database_url: str) -> Iterator[Engine]:
    """The database pytest-alembic migrates: an empty SQLite file for each check."""
    engine = create_engine(migration_database_url)
    yield engine
    engine.dispose()


# --- The migrations, run for the checks (see migrations.py) ------------------------------
@pytest.fixture
def migrations(
    alembic_runner: MigrationContext, alembic_project: Any, configure_calls: list[Any]
) -> Migrations:
    """The project's migrations, run on the check's database through pytest-alembic's runner."""
    return Migrations(alembic_runner, alembic_project, configure_calls)
