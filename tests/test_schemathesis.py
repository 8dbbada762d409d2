"""An independent fuzzer: Schemathesis attacks the API knowing nothing but its OpenAPI schema.

Our own checks were written by people who read the article; Schemathesis was not. It reads
/openapi.json, generates requests from it — valid ones, which the app must accept, and invalid
ones, which it must refuse with a 4xx — and runs every one of its built-in checks on each
response: no server error, a documented status code, a body of the documented shape, the right
Allow header when a method is not supported, and more. The second check chains calls (create
an item, then read, change and delete it) along the links Schemathesis infers between the
operations, and adds the checks that need a chain (a deleted item stays deleted, a created
one can be read back).

Target: final/ once it has its app, else steps/07_alembic — the article's complete app, where
the fuzzer finds the article's bugs (listed in final/README.md). `--app-dir PATH` fuzzes your
own project instead. The app runs in this process (ASGI, no network) on an SQLite file of its
own in a temporary folder, without its start-up code (see tests/helpers/asgi.py).

How many cases: the Hypothesis profile decides (see the root conftest.py). `fast`, the default,
generates 25 requests per operation and kind of data, and 25 chains; `HYPOTHESIS_PROFILE=thorough`
(CI) generates 300 of each. Schemathesis adds its own boundary-value requests to both.
"""

from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import settings
from schemathesis import BaseSchema, Case
from schemathesis.python import asgi
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers.asgi import without_start_up
from tests.helpers.target import target_dir_of


@pytest.fixture(scope="module")
def target_dir(pytestconfig: pytest.Config) -> Path:
    """The folder holding the `app` package to fuzz: --app-dir if given, else final/ (see
    tests/helpers/target.py)."""
    return target_dir_of(pytestconfig)


@pytest.fixture
def target_database(target_dir: Path, app_package_at: Callable[[Path], Any]) -> ModuleType:
    """The target's app/database.py, with app/models.py loaded so the items table exists."""
    package = app_package_at(target_dir)
    package.module("models", asked_by=None)
    return package.module("database", asked_by=None)


@pytest.fixture
def target_app(target_dir: Path, app_package_at: Callable[[Path], Any]) -> FastAPI:
    """The target's FastAPI application (app/main.py's `app`)."""
    return app_package_at(target_dir).module("main", asked_by=None).app


@pytest.fixture
def empty_the_database(
    target_database: ModuleType, target_app: FastAPI, tmp_path: Path
) -> Iterator[Callable[[], None]]:
    """Serve the app from an SQLite file of its own; the fixture's value empties that file.

    The override of `get_db` is the one FastAPI's testing guide shows.
    """
    engine = create_engine(
        f"sqlite:///{tmp_path / 'fuzz.db'}", connect_args={"check_same_thread": False}
    )
    target_database.Base.metadata.create_all(engine)

    def get_test_db() -> Iterator[Session]:
        with sessionmaker(bind=engine, autoflush=False)() as session:
            yield session

    def empty() -> None:
        with engine.begin() as connection:
            for table in reversed(target_database.Base.metadata.sorted_tables):
                connection.execute(table.delete())

    target_app.dependency_overrides[target_database.get_db] = get_test_db
    yield empty
    target_app.dependency_overrides.pop(target_database.get_db, None)
    engine.dispose()


@pytest.fixture
def api_schema(
    request: pytest.FixtureRequest,
    target_app: FastAPI,
    empty_the_database: Callable[[], None],
) -> Iterator[BaseSchema]:
    """The OpenAPI schema, read from the app, which Schemathesis generates requests from."""
    # schemathesis 4.32's from_fixture reads `node._nodeid`, which pytest 9.2 no longer has;
    # give it the attribute it looks for (it only uses it to name operations in reports).
    request.node._nodeid = request.node.nodeid
    yield schemathesis.openapi.from_asgi("/openapi.json", without_start_up(target_app))
    # Schemathesis keeps an app's lifespan running between requests; end it with the check.
    asgi.shutdown_lifespans()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_every_operation_survives_the_fuzzer(case: Case) -> None:
    # Sends the generated request, then runs every built-in check on the response. A failure
    # names the check, shows the response, and gives a curl command that reproduces it.
    case.call_and_validate()


def test_chains_of_calls_survive_the_fuzzer(
    api_schema: BaseSchema, empty_the_database: Callable[[], None]
) -> None:
    # Schemathesis infers the links itself: POST answers with an `id`, and the other
    # operations take an `item_id`. Each generated chain (POST → PATCH → GET → DELETE → GET, …)
    # starts on an empty database, so that a chain replays the same way when Hypothesis
    # runs it again to report a failure.
    class EveryChainStartsEmpty(api_schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            super().setup()
            empty_the_database()

    # Schemathesis's own settings for chains (at most 6 calls each, no shrinking), with as many
    # chains as our Hypothesis profile asks for.
    chains = settings(EveryChainStartsEmpty.TestCase.settings, max_examples=settings().max_examples)
    EveryChainStartsEmpty.run(settings=chains)
