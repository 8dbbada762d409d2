"""The API over HTTP, one behaviour per check: where final/ differs from the article's app.

Each check names a request the article's app gets wrong (a 500, or a silent success where a
422 belongs) and pins what final/ does instead. final/README.md has the full table.
"""

import math
from collections.abc import Callable
from typing import Any

import factory
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import text
from sqlalchemy.orm import Session

ITEMS = "/api/v1/items/"
LARGEST_ID = 2_147_483_647  # the largest value of a PostgreSQL INTEGER

Stored = Callable[[int], dict[str, Any] | None]


def problem_with_422(response: Response, field: str) -> str:
    """What is wrong with the answer to a request whose `field` is invalid ("" if nothing).

    It must be a 422 whose JSON `detail` has an error naming the field, with a message.
    """
    if response.status_code != 422:
        return f"expected 422, got {response.status_code}: {response.text}"
    detail = response.json().get("detail")
    if not isinstance(detail, list):
        return f"expected `detail` to be a list of errors, got {detail!r}"
    named = [error for error in detail if field in error.get("loc", ())]
    if not named:
        return f"expected an error naming `{field}`, got {detail!r}"
    if not all(isinstance(error.get("msg"), str) and error["msg"] for error in named):
        return f"expected each error to carry a message, got {named!r}"
    return ""


def send_json_text(client: TestClient, method: str, url: str, body: str) -> Response:
    """Send `body` as it is, as JSON: Python's json module reads NaN, Infinity and 1e999 too."""
    return client.request(method, url, content=body, headers={"Content-Type": "application/json"})


# --- PATCH: exactly the fields sent, each obeying the rules of a POST -----------------------
def test_patch_changes_only_the_fields_sent(
    client: TestClient, item_factory: type[factory.Factory], stored: Stored
) -> None:
    item = item_factory.create(
        title="Lamp", description="Warm light", price=20.0, is_available=False
    )
    before = stored(item.id)
    assert before is not None

    response = client.patch(f"{ITEMS}{item.id}", json={"price": 18.5})

    expected = {**before, "price": 18.5}
    assert (response.status_code, response.json()) == (200, expected), (
        f"PATCH {{'price': 18.5}} should change the price only: expected {expected}, "
        f"got {response.status_code} {response.text}"
    )
    assert stored(item.id) == expected, f"The database holds {stored(item.id)}."


def test_patch_null_description_clears_it(
    client: TestClient, item_factory: type[factory.Factory], stored: Stored
) -> None:
    item = item_factory.create(description="Warm light")

    response = client.patch(f"{ITEMS}{item.id}", json={"description": None})

    assert response.status_code == 200, f"Expected 200, got {response.status_code}: {response.text}"
    after = stored(item.id)
    assert after is not None
    assert after["description"] is None, (
        f"An explicit null clears the description; the database holds {after}."
    )


@pytest.mark.parametrize("field", ["title", "price", "is_available"])
def test_patch_null_for_a_field_that_cannot_be_empty_is_422(
    client: TestClient, item_factory: type[factory.Factory], stored: Stored, field: str
) -> None:
    # The article: null title or price → 500 (NOT NULL constraint); null is_available is
    # stored, and from then on every GET of the item, and every list page showing it, is a 500.
    item = item_factory.create()
    before = stored(item.id)

    response = client.patch(f"{ITEMS}{item.id}", json={field: None})

    problem = problem_with_422(response, field)
    assert not problem, (
        f"PATCH {{{field!r}: null}}: {problem}\nOnly description may be null. What to check: "
        f"in ItemUpdate, `{field}` must not accept None (`... | MISSING = MISSING`)."
    )
    assert stored(item.id) == before, f"A refused PATCH changed the item: {stored(item.id)}."
    again = client.get(f"{ITEMS}{item.id}")
    listed = client.get(ITEMS)
    assert (again.status_code, listed.status_code) == (200, 200), (
        f"After the refused PATCH, GET of the item answered {again.status_code} and the list "
        f"{listed.status_code}."
    )


@pytest.mark.parametrize(
    ("what", "title"), [("an empty title", ""), ("a title of 201 characters", "x" * 201)]
)
def test_patch_obeys_the_title_rules_of_post(
    client: TestClient,
    item_factory: type[factory.Factory],
    stored: Stored,
    what: str,
    title: str,
) -> None:
    item = item_factory.create()
    before = stored(item.id)

    response = client.patch(f"{ITEMS}{item.id}", json={"title": title})

    problem = problem_with_422(response, "title")
    assert not problem, (
        f"PATCH with {what}: {problem}\nPOST refuses it, so PATCH must too. What to check: "
        "ItemUpdate's title has the same min_length/max_length as ItemCreate's."
    )
    assert stored(item.id) == before, f"A refused PATCH changed the item: {stored(item.id)}."


def test_patch_with_an_empty_body_changes_nothing(
    client: TestClient, item_factory: type[factory.Factory], stored: Stored
) -> None:
    item = item_factory.create()
    before = stored(item.id)

    response = client.patch(f"{ITEMS}{item.id}", json={})

    assert (response.status_code, response.json()) == (200, before)


# --- PUT: a full replacement --------------------------------------------------------------
def test_put_replaces_the_whole_item(
    client: TestClient, item_factory: type[factory.Factory], stored: Stored
) -> None:
    item = item_factory.create(description="Warm light", is_available=False)
    body = {"title": "Desk", "description": "Oak", "price": 90.0, "is_available": True}

    response = client.put(f"{ITEMS}{item.id}", json=body)

    expected = {"id": item.id, **body}
    assert (response.status_code, response.json()) == (200, expected), (
        f"PUT {body}: expected 200 {expected}, got {response.status_code} {response.text}\n"
        "What to check: a @router.put('/{item_id}') route taking an ItemCreate body."
    )
    assert stored(item.id) == expected, f"The database holds {stored(item.id)}."


def test_put_gives_fields_left_out_their_defaults_again(
    client: TestClient, item_factory: type[factory.Factory], stored: Stored
) -> None:
    item = item_factory.create(description="Warm light", is_available=False)

    response = client.put(f"{ITEMS}{item.id}", json={"title": "Desk", "price": 90.0})

    expected = {"id": item.id, "title": "Desk", "description": None, "price": 90.0}
    expected["is_available"] = True
    assert (response.status_code, stored(item.id)) == (200, expected), (
        "PUT replaces the whole item: fields the body leaves out get their defaults "
        f"(description null, is_available true). Expected {expected}, the database holds "
        f"{stored(item.id)} (answer {response.status_code})."
    )


def test_put_a_missing_item_is_404(client: TestClient, item_factory: type[factory.Factory]) -> None:
    missing_id = item_factory.create().id + 1

    response = client.put(f"{ITEMS}{missing_id}", json={"title": "Desk", "price": 90.0})

    assert (response.status_code, response.json()) == (404, {"detail": "Item not found"})


def test_put_without_a_title_is_422_and_changes_nothing(
    client: TestClient, item_factory: type[factory.Factory], stored: Stored
) -> None:
    item = item_factory.create()
    before = stored(item.id)

    response = client.put(f"{ITEMS}{item.id}", json={"price": 90.0})

    problem = problem_with_422(response, "title")
    assert not problem, f"PUT without a title: {problem}"
    assert stored(item.id) == before


# --- DELETE -----------------------------------------------------------------------------------
def test_delete_answers_204_and_a_second_delete_is_404(
    client: TestClient, item_factory: type[factory.Factory], stored: Stored
) -> None:
    item = item_factory.create()

    first = client.delete(f"{ITEMS}{item.id}")
    second = client.delete(f"{ITEMS}{item.id}")

    assert (first.status_code, first.content, stored(item.id)) == (204, b"", None)
    assert (second.status_code, second.json()) == (404, {"detail": "Item not found"})


# --- Numbers JSON cannot hold ---------------------------------------------------------------
# Python's json module (which FastAPI uses) reads these, although JSON has no such numbers.
NON_FINITE = {"1e999": math.inf, "-1e999": -math.inf, "Infinity": math.inf, "NaN": math.nan}


@pytest.mark.parametrize("number", list(NON_FINITE))
def test_post_with_a_non_finite_price_is_422(client: TestClient, db: Session, number: str) -> None:
    # The article: 1e999 is stored as infinity and shown as "price": null; NaN and
    # -Infinity are refused, but the 422 answer, which repeats the input, crashes into a 500.
    response = send_json_text(client, "POST", ITEMS, f'{{"title": "Lamp", "price": {number}}}')

    problem = problem_with_422(response, "price")
    assert not problem, (
        f"POST with price {number}: {problem}\nWhat to check: "
        "Field(gt=0, allow_inf_nan=False) on price, and a RequestValidationError handler "
        "whose answer is valid JSON."
    )
    count = db.execute(text("SELECT count(*) FROM items")).scalar_one()
    assert count == 0, f"A refused POST stored {count} item(s)."


@pytest.mark.parametrize("number", list(NON_FINITE))
def test_patch_with_a_non_finite_price_is_422(
    client: TestClient, item_factory: type[factory.Factory], stored: Stored, number: str
) -> None:
    item = item_factory.create()
    before = stored(item.id)

    response = send_json_text(client, "PATCH", f"{ITEMS}{item.id}", f'{{"price": {number}}}')

    problem = problem_with_422(response, "price")
    assert not problem, f"PATCH with price {number}: {problem}"
    assert stored(item.id) == before


def test_a_refused_non_finite_number_is_shown_as_text(client: TestClient) -> None:
    response = send_json_text(client, "POST", ITEMS, '{"title": "Lamp", "price": NaN}')

    [error] = response.json()["detail"]
    assert error["input"] == "nan", (
        f"The 422 answer repeats the refused input; JSON has no NaN, so it should read "
        f"'nan', got {error['input']!r}."
    )


# --- Text a database cannot store -------------------------------------------------------------
# (what, the JSON text of the value): a NUL character, and half of a UTF-16 surrogate pair.
UNSTORABLE_TEXT = [("a NUL character", '"Lamp\\u0000"'), ("a lone surrogate", '"Lamp\\ud800"')]


@pytest.mark.parametrize("field", ["title", "description"])
@pytest.mark.parametrize(("what", "json_text"), UNSTORABLE_TEXT)
def test_post_with_unstorable_text_is_422(
    client: TestClient, db: Session, field: str, what: str, json_text: str
) -> None:
    # The article: NUL is stored on SQLite (and is a 500 on PostgreSQL); a lone surrogate is
    # a 500, from the database driver or from the 422 answer that repeats it.
    body = {"title": '"Lamp"', "price": "10", field: json_text}
    raw = "{" + ", ".join(f'"{name}": {value}' for name, value in body.items()) + "}"

    response = send_json_text(client, "POST", ITEMS, raw)

    problem = problem_with_422(response, field)
    assert not problem, f"POST with {what} in {field}: {problem}"
    count = db.execute(text("SELECT count(*) FROM items")).scalar_one()
    assert count == 0, f"A refused POST stored {count} item(s)."


@pytest.mark.parametrize(("what", "json_text"), UNSTORABLE_TEXT)
def test_patch_with_unstorable_text_is_422(
    client: TestClient,
    item_factory: type[factory.Factory],
    stored: Stored,
    what: str,
    json_text: str,
) -> None:
    item = item_factory.create()
    before = stored(item.id)

    response = send_json_text(client, "PATCH", f"{ITEMS}{item.id}", f'{{"title": {json_text}}}')

    problem = problem_with_422(response, "title")
    assert not problem, f"PATCH with {what} in the title: {problem}"
    assert stored(item.id) == before


def test_the_error_message_says_what_is_wrong_with_a_nul(client: TestClient) -> None:
    response = client.post(ITEMS, json={"title": "Lamp\x00", "price": 10})

    [error] = response.json()["detail"]
    assert "NUL" in error["msg"], f"Expected a message naming the NUL character, got {error}."


# --- Types: what the OpenAPI schema promises --------------------------------------------------
# (field, a value of the wrong JSON type that the article's app converts and accepts)
CONVERTED_BY_THE_ARTICLE = [
    ("price", "12.5"),
    ("price", True),
    ("is_available", 1),
    ("is_available", "true"),
]


@pytest.mark.parametrize(("field", "value"), CONVERTED_BY_THE_ARTICLE)
def test_a_value_of_the_wrong_json_type_is_422(
    client: TestClient, item_factory: type[factory.Factory], stored: Stored, field: str, value: Any
) -> None:
    item = item_factory.create()
    before = stored(item.id)

    created = client.post(ITEMS, json={"title": "Lamp", "price": 10, field: value})
    patched = client.patch(f"{ITEMS}{item.id}", json={field: value})

    for method, response in (("POST", created), ("PATCH", patched)):
        problem = problem_with_422(response, field)
        assert not problem, (
            f"{method} with {field}={value!r}: {problem}\nThe OpenAPI schema says {field} is a "
            "JSON " + ("number" if field == "price" else "boolean") + "; the API should not "
            "guess. What to check: Field(strict=True)."
        )
    assert stored(item.id) == before


# --- Bodies that are not JSON at all ----------------------------------------------------------
def test_a_body_that_is_not_json_is_a_json_422(client: TestClient) -> None:
    # The article: FastAPI's default handler decodes the bytes to repeat them, and a byte
    # that is not UTF-8 makes that a 500.
    response = client.post(ITEMS, content=b"\xff\xfe", headers={"Content-Type": "text/plain"})

    assert response.status_code == 422, f"Expected 422, got {response.status_code}: {response.text}"
    assert response.json()["detail"][0]["input"] == "\\xff\\xfe", response.text


# --- Ids and paging that do not fit the database's integers ------------------------------
OUT_OF_RANGE_IDS = [0, -1, LARGEST_ID + 1, 99999999999999999999999]


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("item_id", OUT_OF_RANGE_IDS)
def test_an_id_outside_1_to_2147483647_is_422(
    client: TestClient, method: str, item_id: int
) -> None:
    # The article: 99999999999999999999999 overflows the SQLite driver, a 500.
    body = {"title": "Lamp", "price": 10} if method in ("PUT", "PATCH") else None

    response = client.request(method, f"{ITEMS}{item_id}", json=body)

    problem = problem_with_422(response, "item_id")
    assert not problem, (
        f"{method} {ITEMS}{item_id}: {problem}\nIds are positive and fit a database INTEGER. "
        "What to check: Path(ge=1, le=2147483647) on item_id."
    )


def test_the_largest_id_is_a_plain_404(client: TestClient) -> None:
    response = client.get(f"{ITEMS}{LARGEST_ID}")

    assert response.status_code == 404, f"Expected 404, got {response.status_code}"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("skip=-1", "skip"),
        (f"skip={LARGEST_ID + 1}", "skip"),
        ("skip=99999999999999999999999", "skip"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=99999999999999999999999", "limit"),
    ],
)
def test_paging_out_of_range_is_422(client: TestClient, query: str, parameter: str) -> None:
    problem = problem_with_422(client.get(f"{ITEMS}?{query}"), parameter)

    assert not problem, f"GET {ITEMS}?{query}: {problem}"


def test_skipping_the_most_there_can_be_is_an_empty_page(client: TestClient) -> None:
    response = client.get(f"{ITEMS}?skip={LARGEST_ID}")

    assert (response.status_code, response.json()) == (200, [])


# --- The list -------------------------------------------------------------------------------
def test_the_list_is_in_order_of_id(
    client: TestClient, item_factory: type[factory.Factory]
) -> None:
    # On the checks' SQLite a query without ORDER BY returns rows in reverse (see conftest);
    # on PostgreSQL an updated row moves to the end of the table. Both show a missing ORDER BY.
    ids = [item.id for item in item_factory.create_batch(3)]
    client.patch(f"{ITEMS}{ids[0]}", json={"price": 1.5})

    listed = [item["id"] for item in client.get(ITEMS).json()]

    assert listed == ids, (
        f"Expected the list in order of id, {ids}, got {listed}. Without ORDER BY the "
        "database may return rows in any order, and pages may then repeat or skip items.\n"
        "What to check: .order_by(Item.id) in crud.get_items."
    )


def test_pages_follow_each_other_in_order_of_id(
    client: TestClient, item_factory: type[factory.Factory]
) -> None:
    ids = [item.id for item in item_factory.create_batch(7)]

    pages = [
        [item["id"] for item in client.get(f"{ITEMS}?skip={skip}&limit=3").json()]
        for skip in (0, 3, 6)
    ]

    assert pages == [ids[0:3], ids[3:6], ids[6:]], f"Expected pages of {ids}, got {pages}."
