"""Checks for step 05: app/router.py — the five endpoints, called over HTTP.

The router is mounted on a bare FastAPI() under /api/v1, as main.py will do in step 06,
and `get_db` is overridden so that every request uses the check's own empty database.
"""

import re
import string
from collections.abc import Callable
from types import ModuleType
from typing import Any

import factory
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx2 import Request, Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

ITEMS = "/api/v1/items/"
FIELDS = ("title", "description", "price", "is_available")
NOT_FOUND = {"detail": "Item not found"}

# --- Valid values, as app/schemas.py allows them -------------------------------------------
# Titles and descriptions: 1 to 200 characters, some of them beyond ASCII, with no space at
# either end (so the checks also hold for an app that strips whitespace).
ALPHABET = string.ascii_letters + string.digits + string.punctuation + " éüñß€中日🎹"
texts = st.text(ALPHABET, min_size=1, max_size=200).map(str.strip).filter(bool)
prices = st.floats(min_value=0.01, max_value=1_000_000, allow_nan=False, allow_infinity=False)
field_values: dict[str, st.SearchStrategy[Any]] = {
    "title": texts,
    "description": st.none() | texts,
    "price": prices,
    "is_available": st.booleans(),
}
# A complete item, as it could be stored.
complete_items = st.fixed_dictionaries(field_values)
# Any subset of the fields (possibly none), each with a valid value: a PATCH body.
partial_updates = st.fixed_dictionaries({}, optional=field_values)

# The property below shares one client (and one database) between its examples. That is
# safe: each example stores its own item and only ever looks at that item. Hypothesis
# warns about any function-scoped fixture, so that warning is switched off here (only here).
# Everything else, the explain phase left out among it, is the Hypothesis profile's (see
# the root conftest.py).
shares_one_client = settings(
    suppress_health_check=[*settings().suppress_health_check, HealthCheck.function_scoped_fixture],
)


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


def route_key(method: str, path: str) -> tuple[str, str]:
    """(method, path) with every {parameter} written as {}."""
    return method, re.sub(r"\{[^}]*\}", "{}", path)


def expect_a_route(request: Request, served: list[tuple[str, str]]) -> None:
    """Fail with a routing message when no route of the router is meant for `request`."""
    path = ITEMS if request.url.path == ITEMS else ITEMS + "{}"
    if route_key(request.method, path) not in {route_key(*route) for route in served}:
        pytest.fail(routing_problem(served), pytrace=False)


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


@pytest.fixture
def stored_items(models: ModuleType, test_engine: Engine) -> Callable[[], list[dict[str, Any]]]:
    """`stored_items()`: every row of the check's database, by id, as a new session sees it."""

    def read() -> list[dict[str, Any]]:
        with Session(test_engine) as session:
            rows = session.scalars(select(models.Item).order_by(models.Item.id))
            return [as_json(row) for row in rows]

    return read


def as_json(item: Any) -> dict[str, Any]:
    """An ORM item as the API shows it."""
    return {"id": item.id, **{field: getattr(item, field) for field in FIELDS}}


def status_and_body(response: Response) -> tuple[int, Any]:
    """The status code and the JSON body (the raw text when the body is not JSON)."""
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text


# How the article declares each query parameter, for a request the route wrongly refused.
QUERY_PARAMETERS = {
    "skip": "skip: int = Query(0, ge=0)",
    "limit": "limit: int = Query(20, ge=1, le=100)",
}


def unexpected(response: Response, expected: int | str) -> str:
    """'Expected 200, got 422: …', and why the route refused a valid request, when it did."""
    message = f"Expected {expected}, got {response.status_code}: {response.text}"
    _, body = status_and_body(response)
    detail = body.get("detail") if response.status_code == 422 and isinstance(body, dict) else None
    if not isinstance(detail, list):
        return message
    for error in detail:
        location = list(error.get("loc", ())) if isinstance(error, dict) else []
        if len(location) < 2:
            continue
        where, name = location[0], location[1]
        declared = QUERY_PARAMETERS.get(str(name), f"{name}: int = Query(<default>, ...)")
        if where == "query" and error.get("type") == "missing":
            message += (
                f"\nThe route declares the query parameter `{name}` without a default, so a "
                f"request that leaves it out is refused; a client may always leave out skip "
                f"and limit. What to check: `{declared}`."
            )
        elif where == "body" and error.get("type") == "missing":
            schema = (
                "schemas.ItemUpdate" if response.request.method == "PATCH" else "schemas.ItemCreate"
            )
            message += (
                f"\nThe handler's body schema requires `{name}`, which this valid request "
                f"leaves out. What to check: the body parameter is `item: {schema}`."
            )
        elif where == "query":
            message += (
                f"\nThe route refused the query parameter `{name}`: {error.get('msg')}. What to "
                f"check: `{declared}`."
            )
        break
    return message


def refusal_problem(response: Response, field: str) -> str:
    """What is wrong with the answer to a request whose `field` is invalid ("" if nothing).

    The answer must be 422, with a `detail` list in which an error points at the field.
    """
    if response.status_code != 422:
        return f"expected 422, got {response.status_code}: {response.text}"
    _, body = status_and_body(response)
    detail = body.get("detail") if isinstance(body, dict) else None
    if not isinstance(detail, list):
        return f"expected `detail` to be a list of errors, got {detail!r}"
    if not any(field in error.get("loc", ()) for error in detail):
        return f"expected an error pointing at `{field}`, got {detail!r}"
    return ""


def patch(client: TestClient, item_id: int, body: dict[str, Any]) -> Response:
    """PATCH an item; a server crash caused by writing NULL gets a message, not a traceback."""
    try:
        return client.patch(f"{ITEMS}{item_id}", json=body)
    except IntegrityError as error:
        reason = error.orig
    pytest.fail(
        f"PATCH {ITEMS}{item_id} with {body} crashed the server: it tried to store NULL in a "
        f"required column ({reason}).\n"
        "Fields the client did not send must be left alone. What to check: "
        "item.model_dump(exclude_unset=True) in crud.update_item, not item.model_dump().",
        pytrace=False,
    )


def differences(before: dict[str, Any], sent: dict[str, Any], after: dict[str, Any]) -> str:
    """One line per field that does not hold what a partial update should leave there."""
    lines = []
    for field in FIELDS:
        expected = sent.get(field, before[field])
        if after.get(field) == expected:
            continue
        if field in sent:
            lines.append(f"  {field}: sent {expected!r}, but it holds {after.get(field)!r}")
        else:
            lines.append(
                f"  {field}: was not sent, yet it changed from {before[field]!r} to "
                f"{after.get(field)!r}"
            )
    return "\n".join(lines)


# --- Create and read one item ------------------------------------------------------------
def test_post_creates_the_item_and_answers_201_with_it(
    client: TestClient, stored_items: Callable[[], list[dict[str, Any]]]
) -> None:
    sent = {"title": "Mechanical Keyboard", "description": "Clicky", "price": 89.99}

    response = client.post(ITEMS, json={**sent, "is_available": False})

    assert response.status_code == 201, unexpected(response, "201 Created") + (
        "\nWhat to check: status_code=status.HTTP_201_CREATED on the POST route."
        if response.status_code == 200
        else ""
    )
    body = response.json()
    assert isinstance(body.get("id"), int), f"Expected the answer to include the new id: {body}"
    assert body == {"id": body["id"], **sent, "is_available": False}
    assert stored_items() == [body], (
        f"POST answered {body}, but the database holds {stored_items()}."
    )


def test_post_fills_in_the_defaults(client: TestClient) -> None:
    response = client.post(ITEMS, json={"title": "Mechanical Keyboard", "price": 89.99})

    assert response.status_code == 201, unexpected(response, 201)
    body = response.json()
    shown = {field: body.get(field, "(left out)") for field in ("description", "is_available")}
    assert shown == {"description": None, "is_available": True}, (
        f"An item sent without description and is_available should be answered with "
        f'"description": null and "is_available": true, got {body}. What to check: '
        "the defaults in ItemCreate, and no response_model_exclude_none (or _exclude_unset) "
        "on the route: a field that is null is still part of the answer."
    )


def test_post_accepts_values_at_the_edge_of_the_rules(client: TestClient) -> None:
    for title in ("x", "x" * 200):
        response = client.post(ITEMS, json={"title": title, "price": 0.01})
        assert response.status_code == 201, (
            f"A title of {len(title)} character(s) and a price of 0.01 are valid, but POST "
            f"answered {response.status_code}: {response.text}"
        )


def test_get_one_item_answers_200_with_it(
    client: TestClient, item_factory: type[factory.Factory]
) -> None:
    _, wanted, _ = [as_json(item) for item in item_factory.create_batch(3)]

    response = client.get(f"{ITEMS}{wanted['id']}")

    assert response.status_code == 200, unexpected(response, 200)
    assert response.json() == wanted, (
        f"GET should answer with the stored item.\n  stored: {wanted}\n  GET:    {response.json()}"
    )


def test_get_a_missing_item_is_404(client: TestClient, item_factory: type[factory.Factory]) -> None:
    missing_id = item_factory.create().id + 1

    response = client.get(f"{ITEMS}{missing_id}")

    assert status_and_body(response) == (404, NOT_FOUND), (
        f"No item has id {missing_id}: expected 404 {NOT_FOUND}, got {response.status_code} "
        f"{response.text}\nWhat to check: `if not item: raise HTTPException(status_code=404, "
        'detail="Item not found")`.'
    )


def test_an_id_that_is_not_a_number_is_422(client: TestClient) -> None:
    problem = refusal_problem(client.get(f"{ITEMS}keyboard"), "item_id")

    assert not problem, f"GET {ITEMS}keyboard: {problem}\nWhat to check: `item_id: int`."


# --- What /docs shows ------------------------------------------------------------------
def test_the_routes_are_grouped_under_items_in_the_docs(
    router: ModuleType, client: TestClient
) -> None:
    application = FastAPI()
    application.include_router(router.router, prefix="/api/v1")

    tags = {
        f"{method.upper()} {path}": operation.get("tags", [])
        for path, operations in application.openapi()["paths"].items()
        for method, operation in operations.items()
    }

    wrong = {route: tag for route, tag in tags.items() if tag != ["Items"]}
    assert not wrong, (
        'Every route should carry the tag "Items", which /docs uses as the heading of its '
        f"group; these do not: {wrong}. What to check: "
        'router = APIRouter(prefix="/items", tags=["Items"]).'
    )


# (method, path, the schema its success answer should have)
ANSWER_SCHEMAS = [
    ("post", "/api/v1/items/", {"$ref": "#/components/schemas/ItemOut"}),
    ("get", "/api/v1/items/", {"type": "array", "items": {"$ref": "#/components/schemas/ItemOut"}}),
    ("get", "/api/v1/items/{item_id}", {"$ref": "#/components/schemas/ItemOut"}),
    ("patch", "/api/v1/items/{item_id}", {"$ref": "#/components/schemas/ItemOut"}),
]


def test_each_route_documents_the_items_it_answers_with(
    router: ModuleType, client: TestClient
) -> None:
    application = FastAPI()
    application.include_router(router.router, prefix="/api/v1")
    paths = application.openapi()["paths"]
    # A route that is missing altogether has its own message, the one every check shares.
    served = routes_of(application)
    if not set(EXPECTED_ROUTES) <= {route_key(*route) for route in served}:
        pytest.fail(routing_problem(served), pytrace=False)

    wrong = []
    for method, path, expected in ANSWER_SCHEMAS:
        answers = paths.get(path, {}).get(method, {}).get("responses", {})
        success: dict[str, Any] = next(
            (answer for code, answer in answers.items() if code.startswith("2")), {}
        )
        schema = success.get("content", {}).get("application/json", {}).get("schema")
        # FastAPI names a list's schema after the route ("title"); only the shape matters here.
        if schema is not None:
            schema = {key: value for key, value in schema.items() if key != "title"}
        if schema != expected:
            wrong.append(f"  {method.upper()} {path}: {schema or 'no schema'}")

    assert not wrong, (
        "In /docs (the OpenAPI schema), each route should say it answers with ItemOut (the "
        "list: an array of ItemOut), so that clients know what they will get. Instead:\n"
        + "\n".join(wrong)
        + "\nWhat to check: response_model=schemas.ItemOut on POST, GET one and PATCH, and "
        "response_model=list[schemas.ItemOut] on the list."
    )


def test_the_routes_get_their_session_from_get_db(router: ModuleType, database: ModuleType) -> None:
    expect_get_db(router.router, database.get_db)


# --- Invalid bodies ----------------------------------------------------------------------
# (what is wrong, the body, the field the error must point at)
INVALID_NEW_ITEMS = [
    ("empty title", {"title": "", "price": 10}, "title"),
    ("title of 201 characters", {"title": "x" * 201, "price": 10}, "title"),
    ("no title", {"price": 10}, "title"),
    ("title not text", {"title": 42, "price": 10}, "title"),
    ("zero price", {"title": "Lamp", "price": 0}, "price"),
    ("negative price", {"title": "Lamp", "price": -5}, "price"),
    ("no price", {"title": "Lamp"}, "price"),
    ("price not a number", {"title": "Lamp", "price": "cheap"}, "price"),
    (
        "is_available not a boolean",
        {"title": "Lamp", "price": 10, "is_available": "maybe"},
        "is_available",
    ),
    ("description not text", {"title": "Lamp", "price": 10, "description": 42}, "description"),
]
INVALID_CHANGES = [
    ("zero price", {"price": 0}, "price"),
    ("negative price", {"price": -5}, "price"),
    ("price not a number", {"price": "cheap"}, "price"),
    ("title not text", {"title": 42}, "title"),
    ("is_available not a boolean", {"is_available": "maybe"}, "is_available"),
    ("description not text", {"description": 42}, "description"),
]
SCHEMA_ADVICE = (
    "What to check: the types and Field(...) rules in app/schemas.py, and that the handler "
    "takes that schema as its body parameter."
)


def test_post_with_an_invalid_body_is_422_and_stores_nothing(
    client: TestClient,
    item_factory: type[factory.Factory],
    stored_items: Callable[[], list[dict[str, Any]]],
) -> None:
    item_factory.create()

    problems = []
    for what, body, field in INVALID_NEW_ITEMS:
        before = stored_items()
        problem = refusal_problem(client.post(ITEMS, json=body), field)
        if not problem and stored_items() != before:
            problem = "it was refused, yet the database changed"
        if problem:
            problems.append(f"  {what} {body}: {problem}")

    assert not problems, (
        "Each of these POST bodies is invalid: the answer must be 422 and nothing stored.\n"
        + "\n".join(problems)
        + f"\n{SCHEMA_ADVICE}"
    )


def test_patch_with_an_invalid_body_is_422_and_changes_nothing(
    client: TestClient,
    item_factory: type[factory.Factory],
    stored_items: Callable[[], list[dict[str, Any]]],
) -> None:
    item_id = item_factory.create().id

    problems = []
    for what, body, field in INVALID_CHANGES:
        before = stored_items()
        problem = refusal_problem(client.patch(f"{ITEMS}{item_id}", json=body), field)
        if not problem and stored_items() != before:
            problem = "it was refused, yet the item changed"
        if problem:
            problems.append(f"  {what} {body}: {problem}")

    assert not problems, (
        "Each of these PATCH bodies is invalid: the answer must be 422 and the item unchanged.\n"
        + "\n".join(problems)
        + f"\n{SCHEMA_ADVICE}"
    )


# --- Update ------------------------------------------------------------------------------
PATCH_ADVICE = (
    "What to check: the handler passes its ItemUpdate body to crud.update_item, and "
    "update_item applies item.model_dump(exclude_unset=True) (not exclude_none=True, which "
    "also drops a field sent as null), then commits before db.refresh(db_item)."
)


def test_patch_with_only_a_price_keeps_the_other_fields(
    client: TestClient,
    item_factory: type[factory.Factory],
    stored_items: Callable[[], list[dict[str, Any]]],
) -> None:
    before = as_json(
        item_factory.create(title="Keyboard", description="Clicky", is_available=False)
    )

    response = patch(client, before["id"], {"price": 79.99})

    assert response.status_code == 200, unexpected(response, 200)
    [after] = stored_items()
    problems = differences(before, {"price": 79.99}, after)
    assert not problems, (
        f"PATCH {{'price': 79.99}} should change the price and nothing else. The database "
        f"holds:\n{problems}\n{PATCH_ADVICE}"
    )
    assert response.json() == after, (
        f"PATCH should answer with the item as now stored.\n  stored: {after}\n  answer: "
        f"{response.json()}"
    )


def test_patch_can_clear_the_description(
    client: TestClient,
    item_factory: type[factory.Factory],
    stored_items: Callable[[], list[dict[str, Any]]],
) -> None:
    before = as_json(item_factory.create(description="Will be removed"))

    response = patch(client, before["id"], {"description": None})

    assert response.status_code == 200, unexpected(response, 200)
    [after] = stored_items()
    problems = differences(before, {"description": None}, after)
    assert not problems, (
        "PATCH {'description': null} should clear the description (the only way to remove "
        f"one) and change nothing else. The database holds:\n{problems}\n{PATCH_ADVICE}"
    )


def test_patch_a_missing_item_is_404(
    client: TestClient, item_factory: type[factory.Factory]
) -> None:
    missing_id = item_factory.create().id + 1

    response = client.patch(f"{ITEMS}{missing_id}", json={"price": 5})

    assert status_and_body(response) == (404, NOT_FOUND), (
        f"No item has id {missing_id}: expected 404 {NOT_FOUND}, got {response.status_code} "
        f"{response.text}\nWhat to check: `if not updated: raise HTTPException(404, ...)`."
    )


@shares_one_client
@given(before=complete_items, sent=partial_updates)
def test_patch_changes_exactly_the_fields_sent(
    client: TestClient,
    models: ModuleType,
    test_engine: Engine,
    before: dict[str, Any],
    sent: dict[str, Any],
) -> None:
    with Session(test_engine) as session:
        item = models.Item(**before)
        session.add(item)
        session.commit()
        item_id = item.id

    response = patch(client, item_id, sent)

    example = f"Stored item: {before}\nPATCH body: {sent}\n"
    assert response.status_code == 200, f"{example}The body is valid. " + unexpected(response, 200)
    problems = differences(before, sent, response.json())
    assert not problems, f"{example}PATCH answered with a wrong item:\n{problems}\n{PATCH_ADVICE}"
    with Session(test_engine) as session:
        row = session.get(models.Item, item_id)
        stored = as_json(row) if row is not None else {}
    problems = differences(before, sent, stored)
    assert not problems, f"{example}The database then holds:\n{problems}\n{PATCH_ADVICE}"


# --- Delete ------------------------------------------------------------------------------
def test_delete_answers_204_with_no_body_and_the_item_is_gone(
    client: TestClient,
    item_factory: type[factory.Factory],
    stored_items: Callable[[], list[dict[str, Any]]],
) -> None:
    keep, doomed = [as_json(item) for item in item_factory.create_batch(2)]

    response = client.delete(f"{ITEMS}{doomed['id']}")

    assert response.status_code == 204, (
        f"Expected 204 No Content, got {response.status_code}: {response.text}\n"
        "What to check: status_code=status.HTTP_204_NO_CONTENT on the DELETE route."
    )
    assert response.content == b"", f"A 204 answer has no body, got {response.content!r}."
    assert stored_items() == [keep], (
        f"After DELETE of item {doomed['id']}, only item {keep['id']} should be left; the "
        f"database holds {stored_items()}."
    )
    again = client.get(f"{ITEMS}{doomed['id']}")
    assert again.status_code == 404, (
        f"After DELETE, GET of item {doomed['id']} should be 404, got {again.status_code}."
    )


def test_delete_a_missing_item_is_404(
    client: TestClient, item_factory: type[factory.Factory]
) -> None:
    missing_id = item_factory.create().id + 1

    response = client.delete(f"{ITEMS}{missing_id}")

    assert status_and_body(response) == (404, NOT_FOUND), (
        f"No item has id {missing_id}: expected 404 {NOT_FOUND}, got {response.status_code} "
        f"{response.text}\nWhat to check: `if not crud.delete_item(db, item_id): raise "
        "HTTPException(404, ...)`."
    )


# --- The list and its paging -------------------------------------------------------------
# The article's query has no ORDER BY, so the items may come in any order: these checks
# compare sets of ids, never positions.
def test_list_is_a_json_array_of_items(
    client: TestClient, schemas: ModuleType, item_factory: type[factory.Factory]
) -> None:
    stored = [as_json(item) for item in item_factory.create_batch(3)]

    response = client.get(ITEMS)

    assert response.status_code == 200, unexpected(response, 200)
    listed = response.json()
    assert isinstance(listed, list), f"Expected a JSON array, got {listed!r}."
    expected_keys = set(schemas.ItemOut.model_fields)
    for entry in listed:
        assert set(entry) == expected_keys, (
            f"Each entry should have exactly ItemOut's fields {sorted(expected_keys)}, got "
            f"{sorted(entry)}. What to check: response_model=list[schemas.ItemOut]."
        )
    assert sorted(listed, key=lambda item: item["id"]) == stored, (
        f"The list should hold the 3 stored items, in any order.\n  stored: {stored}\n  "
        f"listed: {listed}"
    )


def test_list_of_an_empty_database_is_an_empty_array(client: TestClient) -> None:
    response = client.get(ITEMS)

    assert status_and_body(response) == (200, []), (
        f"With no item stored, expected 200 and [], got {response.status_code}: {response.text}"
    )


# With 25 items stored: a query string, and how many items its page should hold.
# skip=0, limit=1 and limit=100 are the edges of what the route must accept.
PAGES = [
    ("", 20),
    ("?skip=20", 5),
    ("?limit=5", 5),
    ("?skip=0", 20),
    ("?limit=1", 1),
    ("?limit=100", 25),
    ("?skip=10&limit=10", 10),
]


def test_list_returns_pages_of_the_requested_size(
    client: TestClient, item_factory: type[factory.Factory]
) -> None:
    item_factory.create_batch(25)

    wrong = []
    for query, expected_count in PAGES:
        response = client.get(ITEMS + query)
        if response.status_code != 200:
            wrong.append(f"  GET {ITEMS}{query} answered {response.status_code}: {response.text}")
        elif len(response.json()) != expected_count:
            wrong.append(
                f"  GET {ITEMS}{query} listed {len(response.json())} items, "
                f"expected {expected_count}"
            )

    assert not wrong, (
        "With 25 items stored:\n" + "\n".join(wrong) + "\nWhat to check: "
        "skip: int = Query(0, ge=0), limit: int = Query(20, ge=1, le=100), and that the handler "
        "passes skip=skip, limit=limit to crud.get_items."
    )


def test_list_pages_cover_every_item_exactly_once(
    client: TestClient, item_factory: type[factory.Factory]
) -> None:
    all_ids = [item.id for item in item_factory.create_batch(25)]

    seen: list[int] = []
    for skip in range(0, 25, 10):
        seen += [item["id"] for item in client.get(f"{ITEMS}?skip={skip}&limit=10").json()]

    assert sorted(seen) == sorted(all_ids), (
        "Reading 25 items in pages of 10 (skip=0, 10, 20) should show every item exactly once.\n"
        f"  stored ids: {sorted(all_ids)}\n  ids seen:   {sorted(seen)}"
    )


# (query string, the parameter it breaks): just outside skip >= 0 and 1 <= limit <= 100.
INVALID_PAGING = [
    ("skip=-1", "skip"),
    ("limit=0", "limit"),
    ("limit=101", "limit"),
    ("limit=many", "limit"),
]


def test_list_refuses_paging_out_of_range_with_422(client: TestClient) -> None:
    problems = []
    for query, parameter in INVALID_PAGING:
        problem = refusal_problem(client.get(f"{ITEMS}?{query}"), parameter)
        if problem:
            problems.append(f"  GET {ITEMS}?{query}: {problem}")

    assert not problems, (
        "\n".join(problems) + "\nWhat to check: skip: int = Query(0, ge=0) and "
        "limit: int = Query(20, ge=1, le=100)."
    )
