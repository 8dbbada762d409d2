"""Checks for step 05: app/router.py — the five endpoints, called over HTTP.

The router is mounted on a bare FastAPI() under /api/v1, as main.py will do in step 06,
and `get_db` is overridden so that every request uses the check's own empty database.
"""

from collections.abc import Callable
from types import ModuleType
from typing import Any

import factory
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from items_course.item_values import complete_items, differences, partial_updates
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from .answers import (
    ITEMS,
    NOT_FOUND,
    as_json,
    patch,
    refusal_problem,
    status_and_body,
    unexpected,
)
from .routes import EXPECTED_ROUTES, expect_get_db, route_key, routes_of, routing_problem


# --- The session, a first item, and what /docs shows -------------------------------------
def test_the_routes_get_their_session_from_get_db(router: ModuleType, database: ModuleType) -> None:
    expect_get_db(router.router, database.get_db)


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


# --- Create and read one item ------------------------------------------------------------
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


# The property below shares one client (and one database) between its examples. That is
# safe: each example stores its own item and only ever looks at that item. Hypothesis
# warns about any function-scoped fixture, so that warning is switched off here (only here).
# Everything else, the explain phase left out among it, is the Hypothesis profile's (see
# the root conftest.py).
shares_one_client = settings(
    suppress_health_check=[*settings().suppress_health_check, HealthCheck.function_scoped_fixture],
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
