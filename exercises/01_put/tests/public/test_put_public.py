"""Public tests of exercise 01: run them with `pytest tests/public` from your project."""

import httpx

ITEMS = "/api/v1/items/"


def test_put_replaces_the_whole_item(client: httpx.Client) -> None:
    item = client.post(ITEMS, json={"title": "Lamp", "description": "old", "price": 9}).json()
    body = {"title": "Desk lamp", "price": 12.5, "is_available": False}
    response = client.put(f"{ITEMS}{item['id']}", json=body)
    assert response.status_code == 200, f"PUT answered {response.status_code}: {response.text}"
    assert response.json() == {**body, "description": None, "id": item["id"]}, (
        "PUT should store exactly the body, and reset description (left out) to null."
    )


def test_put_needs_a_whole_item(client: httpx.Client) -> None:
    item = client.post(ITEMS, json={"title": "Lamp", "price": 9}).json()
    response = client.put(f"{ITEMS}{item['id']}", json={"price": 10})
    assert response.status_code == 422, "PUT without a title should be refused with 422."
