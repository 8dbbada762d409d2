"""Public tests of exercise 02: run them with `pytest tests/public` from your project."""

import httpx

ITEMS = "/api/v1/items/"


def test_patch_title_null_is_a_422_that_changes_nothing(client: httpx.Client) -> None:
    item = client.post(ITEMS, json={"title": "Lamp", "price": 9}).json()
    response = client.patch(f"{ITEMS}{item['id']}", json={"title": None})
    assert response.status_code == 422, f"expected 422, got {response.status_code}"
    assert client.get(f"{ITEMS}{item['id']}").json() == item, "the item must not change"


def test_patch_description_null_still_clears_it(client: httpx.Client) -> None:
    item = client.post(ITEMS, json={"title": "Lamp", "description": "x", "price": 9}).json()
    response = client.patch(f"{ITEMS}{item['id']}", json={"description": None})
    assert response.status_code == 200
    assert response.json()["description"] is None
