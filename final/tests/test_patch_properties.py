"""Properties of PATCH, checked over HTTP on the whole app.

Hypothesis invents items and PATCH bodies; each property states what must hold for every one
of them. The app is reached only through HTTP (the `main` fixture's app, with `get_db`
pointing at a rolled-back test transaction), so these checks can test any project with the
article's layout:

    .venv/bin/pytest final/tests/test_patch_properties.py --app-dir steps/06_main

finds the article's PATCH bugs by itself and prints the smallest body showing each one.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from hypothesis import example, given
from hypothesis import strategies as st

from .item_bodies import (
    FIELDS,
    as_json_text,
    invalid_patches,
    new_items,
    patches,
)

ITEMS = "/api/v1/items/"

ApiFactory = Callable[[], AbstractContextManager[TestClient]]


def create(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    """POST a valid item and return it as the API answered."""
    response = client.post(ITEMS, json=body)
    assert response.status_code == 201, (
        f"Setting up: POST {body!r} is valid, but answered {response.status_code}: {response.text}"
    )
    created: dict[str, Any] = response.json()
    return created


def send_patch(client: TestClient, item_id: int, body: dict[str, Any]) -> Response:
    # Written by Python's json module, which also writes NaN, Infinity and lone surrogates.
    return client.patch(
        f"{ITEMS}{item_id}",
        content=as_json_text(body),
        headers={"Content-Type": "application/json"},
    )


def differences(expected: dict[str, Any], found: dict[str, Any]) -> str:
    return "\n".join(
        f"  {field}: expected {expected.get(field)!r}, got {found.get(field)!r}"
        for field in ("id", *FIELDS)
        if found.get(field) != expected.get(field)
    )


@given(item=new_items, sent=patches)
@example(item={"title": "Lamp", "price": 20, "description": "Warm"}, sent={"description": None})
@example(item={"title": "Lamp", "price": 20, "is_available": False}, sent={})
def test_patch_changes_exactly_the_fields_sent(
    api: ApiFactory, item: dict[str, Any], sent: dict[str, Any]
) -> None:
    with api() as client:
        before = create(client, item)
        expected = {**before, **sent}

        response = send_patch(client, before["id"], sent)

        assert response.status_code == 200, (
            f"Item: {before}\nPATCH body: {sent}\nThis body is valid, yet the answer was "
            f"{response.status_code}: {response.text}"
        )
        problems = differences(expected, response.json())
        assert not problems, (
            f"Item: {before}\nPATCH body: {sent}\nThe answer should be the item with exactly "
            f"the fields sent changed:\n{problems}\n"
            "What to check: crud.update_item applies item.model_dump(exclude_unset=True)."
        )
        again = client.get(f"{ITEMS}{before['id']}")
        assert again.status_code == 200, f"GET after PATCH answered {again.status_code}."
        problems = differences(expected, again.json())
        assert not problems, (
            f"Item: {before}\nPATCH body: {sent}\nGET afterwards shows other values than the "
            f"PATCH answered:\n{problems}\nWhat to check: db.commit() in crud.update_item."
        )


@pytest.mark.parametrize("field", FIELDS)
@given(item=new_items, data=st.data())
def test_an_invalid_patch_is_422_and_changes_nothing(
    api: ApiFactory, field: str, item: dict[str, Any], data: st.DataObject
) -> None:
    sent = data.draw(invalid_patches(field), label="PATCH body")
    with api() as client:
        before = create(client, item)

        response = send_patch(client, before["id"], sent)

        assert response.status_code == 422, (
            f"Item: {before}\nPATCH body: {sent!r}\n`{field}` is invalid there, so the "
            f"answer should be 422, got {response.status_code}: {response.text}\n"
            f"What to check: ItemUpdate gives `{field}` the same rules as ItemCreate, and "
            "accepts null only for description."
        )
        detail = response.json()["detail"]
        assert any(field in error["loc"] for error in detail), (
            f"PATCH body: {sent!r}\nThe 422 answer should name `{field}`, got: {detail}"
        )
        after = client.get(f"{ITEMS}{before['id']}")
        assert (after.status_code, after.json()) == (200, before), (
            f"Item: {before}\nAn invalid PATCH {sent!r} was refused, yet GET now answers "
            f"{after.status_code}: {after.text}"
        )
