"""What the router serves, as the checks see it, and the messages when it is not what they call.

Used by the client fixture (conftest.py) before any request, and by the checks of /docs.
"""

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from httpx2 import Request

from .answers import ITEMS


def dependencies_of(route: Any) -> set[Callable[..., Any]]:
    """Every function FastAPI calls for `route` before its handler (Depends(...), nested)."""
    found: set[Callable[..., Any]] = set()
    waiting = list(route.dependant.dependencies)
    while waiting:
        dependency = waiting.pop()
        if dependency.call is not None:
            found.add(dependency.call)
        waiting += dependency.dependencies
    return found


def expect_get_db(items_router: APIRouter, get_db: Callable[..., Any]) -> None:
    """Fail, with the same message for every check, if a route does not use Depends(get_db)."""
    without = [
        f"    {method} {route.path}"
        for route in items_router.routes
        if isinstance(route, APIRoute) and get_db not in dependencies_of(route)
        for method in sorted(route.methods or ())
    ]
    if without:
        pytest.fail(
            "These routes of app/router.py do not get their session from app.database.get_db:\n"
            + "\n".join(without)
            + "\nEach handler takes `db: Session = Depends(get_db)`, with get_db imported from "
            "app.database (`from app.database import get_db`). get_db opens a session for the "
            "request and closes it afterwards; Depends(SessionLocal), a session made once in "
            "router.py, or a get_db of router.py's own would each bypass it (and the checks, "
            "which give every request its own test database through get_db).",
            pytrace=False,
        )


# The routes the checks call, as (method, path) with every {parameter} written as {}.
EXPECTED_ROUTES = [
    ("POST", "/api/v1/items/"),
    ("GET", "/api/v1/items/"),
    ("GET", "/api/v1/items/{}"),
    ("PATCH", "/api/v1/items/{}"),
    ("DELETE", "/api/v1/items/{}"),
]


def routes_of(application: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the application serves, as its OpenAPI schema lists them."""
    # app.openapi() lists every route with its methods, however the router was included.
    return [
        (method.upper(), path)
        for path, operations in application.openapi()["paths"].items()
        for method in operations
    ]


def route_key(method: str, path: str) -> tuple[str, str]:
    """(method, path) with every {parameter} written as {}."""
    return method, re.sub(r"\{[^}]*\}", "{}", path)


def routing_problem(served: list[tuple[str, str]]) -> str:
    """What is missing from the routes the router serves, and how to write them.

    Paths are compared exactly: for a path that differs only by its last "/", FastAPI
    answers a redirect (307), which the checks' client would follow but `curl -X PATCH`
    and many other clients do not. The message is the same for every check, so that it is
    shown once and then referred to.
    """
    have = {route_key(*route) for route in served}
    missing = [route for route in EXPECTED_ROUTES if route_key(*route) not in have]
    without_slash = {(method, path.rstrip("/")) for method, path in have}
    slash_advice = (
        '\n  Some paths differ only by the "/" at the end: the collection is '
        '@router.get("/") and @router.post("/") (with the slash), one item is '
        '@router.get("/{item_id}") (without it). FastAPI answers the other spelling with a '
        "307 redirect, which many clients do not follow."
        if any((method, path.rstrip("/")) in without_slash for method, path in missing)
        else ""
    )
    listing = "\n".join(f"    {method} {path}" for method, path in served)
    return (
        "app/router.py does not serve the routes the checks call (under /api/v1, where "
        "main.py will mount the router).\n  Missing:\n"
        + "\n".join(f"    {m} {p.replace('{}', '{item_id}')}" for m, p in missing)
        + "\n  Your router serves:\n"
        + (listing or "    no routes at all")
        + slash_advice
        + '\nWhat to check in app/router.py: router = APIRouter(prefix="/items", '
        'tags=["Items"]), and the decorators @router.get("/"), @router.post("/"), '
        '@router.get("/{item_id}"), @router.patch("/{item_id}") (PATCH, not PUT: it '
        'changes only the fields sent) and @router.delete("/{item_id}").'
    )


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
