"""Public tests of exercise 04: run them with `pytest tests/public` from your project."""

import httpx

ITEMS = "/api/v1/items/"


def test_the_item_stored_before_the_migration_has_quantity_0(client: httpx.Client) -> None:
    response = client.get(f"{ITEMS}1")
    assert response.status_code == 200, f"GET {ITEMS}1 answered {response.status_code}"
    item = response.json()
    assert item.get("title") == "Desk lamp", "the existing item was lost or changed"
    assert item.get("quantity") == 0, (
        f"After `alembic upgrade head`, the item stored before should have quantity 0; it "
        f"reads {item}. Does your migration give the new column a server default?"
    )


def test_a_new_item_defaults_to_quantity_0(client: httpx.Client) -> None:
    response = client.post(ITEMS, json={"title": "Mug", "price": 4.5})
    assert response.status_code == 201, response.text
    assert response.json().get("quantity") == 0, response.json()


def test_a_negative_quantity_is_refused(client: httpx.Client) -> None:
    response = client.post(ITEMS, json={"title": "Mug", "price": 4.5, "quantity": -1})
    assert response.status_code == 422, "quantity must be 0 or more"
