"""Step 05's fixtures: a client for a bare app holding only the router, and what the
check's database holds.

The fixtures every step shares (test_engine, item_factory, client_for...) are in
steps/conftest.py; the helpers the checks call are in routes.py and answers.py.
"""

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from httpx2 import Request
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from .answers import ITEMS, as_json
from .routes import expect_get_db, route_key, routes_of, routing_problem


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


# id(router) -> (router, its routes); the router is kept so that its id is not reused.
_ROUTES_SERVED: dict[int, tuple[APIRouter, list[tuple[str, str]]]] = {}


def routes_served_by(items_router: APIRouter) -> list[tuple[str, str]]:
    """routes_of a bare app holding only ITEMS_ROUTER under /api/v1, as the client fixture
    builds it. Worked out once per router (an APIRouter cannot be a dict key): building the
    OpenAPI schema took a third of the step's time when every check did it again."""
    if id(items_router) not in _ROUTES_SERVED:
        application = FastAPI()
        application.include_router(items_router, prefix="/api/v1")
        _ROUTES_SERVED[id(items_router)] = (items_router, routes_of(application))
    return _ROUTES_SERVED[id(items_router)][1]


def expect_a_route(request: Request, served: list[tuple[str, str]]) -> None:
    """Fail with a routing message when no route of the router is meant for `request`."""
    path = ITEMS if request.url.path == ITEMS else ITEMS + "{}"
    if route_key(request.method, path) not in {route_key(*route) for route in served}:
        pytest.fail(routing_problem(served), pytrace=False)


@pytest.fixture
def stored_items(models: ModuleType, test_engine: Engine) -> Callable[[], list[dict[str, Any]]]:
    """`stored_items()`: every row of the check's database, by id, as a new session sees it."""

    def read() -> list[dict[str, Any]]:
        with Session(test_engine) as session:
            rows = session.scalars(select(models.Item).order_by(models.Item.id))
            return [as_json(row) for row in rows]

    return read
