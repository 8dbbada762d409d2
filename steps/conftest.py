"""Fixtures shared by the checks of every step.

The modules under test come from the course's plugin, steps/items_course/plugin.py (`database`,
`models`, `schemas`, `crud`, `router`, `main`): they are the snapshot's, or your project's with
--app-dir.
Nothing here imports `app` directly.
"""

import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import ModuleType
from typing import Any

import factory
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from items_course.check_databases import dispose_app_engine, new_test_engine, sessions_like_the_apps
from sqlalchemy import Engine
from sqlalchemy.orm import Session

SessionMaker = Callable[[], AbstractContextManager[Session]]


@pytest.fixture(autouse=True)
def run_in_empty_folder(monkeypatch: pytest.MonkeyPatch, target: Any) -> Iterator[None]:
    """Each check starts in the app's own working folder, emptied first.

    The app is imported in that folder (see `AppPackage.workdir` in items_course/loading.py),
    so the article's relative URL `sqlite:///./app.db` points there: whatever a check
    creates through the app's own engine lands in a temporary folder, never in your project.
    """
    dispose_app_engine(target)
    for leftover in target.package.workdir.iterdir():
        if leftover.is_dir():
            shutil.rmtree(leftover)
        else:
            leftover.unlink()
    monkeypatch.chdir(target.package.workdir)
    yield
    dispose_app_engine(target)


@pytest.fixture
def test_engine(database: ModuleType, models: ModuleType) -> Iterator[Engine]:
    """A fresh, empty database for one check (`models` is loaded so its table exists)."""
    engine = new_test_engine(database)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(database: ModuleType, test_engine: Engine) -> Iterator[Session]:
    """A session on the check's own database, configured like the app's SessionLocal."""
    with sessions_like_the_apps(database, test_engine)() as session:
        yield session


@pytest.fixture
def fresh_session(database: ModuleType, models: ModuleType) -> SessionMaker:
    """For Hypothesis tests: `with fresh_session() as db:` gives each example an empty database.

    (A function-scoped fixture would be shared by all the examples of one test.)
    """

    @contextmanager
    def open_session() -> Iterator[Session]:
        engine = new_test_engine(database)
        try:
            with sessions_like_the_apps(database, engine)() as session:
                yield session
        finally:
            engine.dispose()

    return open_session


@pytest.fixture
def item_factory(models: ModuleType, db_session: Session) -> type[factory.Factory]:
    """factory-boy factory for the app's Item: `item_factory()` stores a valid item.

    `item_factory(price=5)` overrides a field; `item_factory.create_batch(3)` makes three.
    """

    class ItemFactory(factory.alchemy.SQLAlchemyModelFactory):
        class Meta:
            model = models.Item
            sqlalchemy_session = db_session
            sqlalchemy_session_persistence = "commit"

        title = factory.Sequence(lambda n: f"Item {n}")
        description = factory.Faker("sentence")
        price = factory.Faker("pyfloat", positive=True, min_value=1, max_value=500, right_digits=2)
        is_available = True

    return ItemFactory


@pytest.fixture
def client_for(
    database: ModuleType, test_engine: Engine
) -> Iterator[Callable[[FastAPI], TestClient]]:
    """`client_for(application)`: a TestClient whose requests use the check's own database.

    It overrides the app's `get_db` dependency, exactly as FastAPI's testing guide shows,
    and removes the override when the check ends.
    """
    overridden: list[FastAPI] = []

    def get_test_db() -> Iterator[Session]:
        with sessions_like_the_apps(database, test_engine)() as session:
            yield session

    def make_client(application: FastAPI) -> TestClient:
        application.dependency_overrides[database.get_db] = get_test_db
        overridden.append(application)
        return TestClient(application)

    yield make_client
    for application in overridden:
        application.dependency_overrides.pop(database.get_db, None)
