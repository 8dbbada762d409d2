"""How the checks read the router's answers, and what they say when an answer is wrong."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.exc import IntegrityError

ITEMS = "/api/v1/items/"
FIELDS = ("title", "description", "price", "is_available")
NOT_FOUND = {"detail": "Item not found"}


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
