"""Step 05's fixtures: a client for a bare app holding only the router, and what the
check's database holds.

The fixtures every step shares (test_engine, item_factory, client_for...) are in
steps/conftest.py; the helpers the checks call are in routes.py and answers.py.
"""

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from .answers import as_json
from .routes import expect_a_route, expect_get_db, routes_served_by


@pytest.fixture
def client(
    router: ModuleType, database: ModuleType, client_for: Callable[[FastAPI], TestClient]
) -> TestClient:
    """A client for a bare app holding only the items router, under /api/v1."""
    # The checks hand each request their own database by overriding app.database.get_db; a
    # route that gets its session some other way would use the wrong database, and fail
    # each check for a reason its advice cannot see. So that is looked at first.
    expect_get_db(router.router, database.get_db)
    application = FastAPI()
    application.include_router(router.router, prefix="/api/v1")
    client = client_for(application)
    # Before each request: is there a route for it at all? Without one, FastAPI answers 404
    # or 405 (or takes "items" for an id: 422), and each check's own advice would mislead.
    try:
        served = routes_served_by(router.router)
    except Exception:  # a schema OpenAPI cannot describe: the checks themselves say why
        return client
    client.event_hooks["request"].append(lambda request: expect_a_route(request, served))
    return client


@pytest.fixture
def stored_items(models: ModuleType, test_engine: Engine) -> Callable[[], list[dict[str, Any]]]:
    """`stored_items()`: every row of the check's database, by id, as a new session sees it."""

    def read() -> list[dict[str, Any]]:
        with Session(test_engine) as session:
            rows = session.scalars(select(models.Item).order_by(models.Item.id))
            return [as_json(row) for row in rows]

    return read
