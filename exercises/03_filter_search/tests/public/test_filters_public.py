"""Public tests of exercise 03: run them with `pytest tests/public` from your project."""

import httpx

ITEMS = "/api/v1/items/"


def test_q_finds_titles_containing_the_text(client: httpx.Client) -> None:
    client.post(ITEMS, json={"title": "Mechanical Keyboard pub1", "price": 89})
    client.post(ITEMS, json={"title": "Mouse pub1", "price": 19})
    titles = [item["title"] for item in client.get(ITEMS, params={"q": "keyboard pub1"}).json()]
    assert titles == ["Mechanical Keyboard pub1"]


def test_min_price_above_max_price_is_a_422(client: httpx.Client) -> None:
    response = client.get(ITEMS, params={"min_price": 10, "max_price": 5})
    assert response.status_code == 422
