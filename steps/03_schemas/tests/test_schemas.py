"""Checks for step 03: app/schemas.py — ItemCreate, ItemUpdate and ItemOut.

Most checks are properties: Hypothesis invents many request bodies that follow (or break) the
rules of the API contract, and each check states what must hold for every one of them. When a
check fails, Hypothesis prints the smallest body it found that breaks the rule.

The rules come from the schemas of the article:
- title: text of 1 to 200 characters (required when creating);
- description: text or null (optional, null by default);
- price: a number greater than 0 (required when creating);
- is_available: true or false (optional, true by default).

The bodies come from tests/bodies.py; the helpers that read Pydantic's answers, and the
advice the messages end with, from tests/refusals.py and tests/advice.py.
"""

from types import ModuleType
from typing import Any

import factory
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError

from .advice import HOW_TO_WRITE, advice_on
from .bodies import bad_prices, bad_titles, create_bodies, update_bodies, valid_values
from .refusals import (
    accepted,
    expect_complaints_about_only,
    problems,
    read_as_item_out,
    refusal,
    shown,
)


# --- ItemCreate ---------------------------------------------------------------------------
@given(body=create_bodies)
@example(body={"title": "x", "price": 1, "description": None, "is_available": False})
@example(body={"title": "x" * 200, "price": 0.01})
# The article sets no limit on a description: a long one must get through as well.
@example(body={"title": "x", "price": 1, "description": "d" * 1000})
# Spaces around a text are part of what was sent: ItemCreate keeps them.
@example(body={"title": " Desk Lamp ", "price": 1, "description": "  bright  "})
def test_item_create_accepts_every_valid_body_as_sent(
    schemas: ModuleType, body: dict[str, Any]
) -> None:
    item = accepted(schemas.ItemCreate, body)
    expected = {"description": None, "is_available": True, **body}
    got = item.model_dump()
    assert got == expected, (
        f"ItemCreate changed a valid body on the way in.\n  sent:     {shown(body)}\n"
        f"  expected: {shown(expected)}\n  got:      {shown(got)}\n"
        + "".join(
            f"  {field}: "
            + (
                f"not sent, so its default gave {shown(got.get(field))}"
                if field not in body
                else f"sent {shown(body[field])}, became {shown(got.get(field))} (a "
                f"{type(got.get(field)).__name__})"
            )
            + "\n"
            for field in sorted(name for name in expected if got.get(name) != expected[name])
        )
        + advice_on(
            schemas.ItemCreate, {name for name in expected if got.get(name) != expected[name]}
        )
        + "\nItemCreate keeps what the client sent and fills in only the defaults "
        "(description None, is_available True): no model_config option that changes values "
        "(such as str_strip_whitespace), and no validator that does."
    )


def test_item_create_fills_in_the_defaults(schemas: ModuleType) -> None:
    item = accepted(schemas.ItemCreate, {"title": "Lamp", "price": 20.0})
    assert item.description is None, (
        f"Expected description to default to None, got {item.description!r}. "
        f"What to check in app/schemas.py: `{HOW_TO_WRITE['description']}`."
    )
    assert item.is_available is True, (
        f"Expected is_available to default to True, got {item.is_available!r}. "
        f"What to check in app/schemas.py: `{HOW_TO_WRITE['is_available']}`."
    )


@pytest.mark.parametrize("required", ["title", "price"])
def test_item_create_requires_title_and_price(schemas: ModuleType, required: str) -> None:
    body: dict[str, Any] = {"title": "Lamp", "price": 20.0}
    del body[required]
    error = refusal(schemas.ItemCreate, body, required)
    missing = {str(p["loc"][0]) for p in error.errors() if p["type"] == "missing"}
    assert missing == {required}, (
        f"Expected ItemCreate to report `{required}` as missing, got:\n{problems(error)}"
    )


@pytest.mark.parametrize("field", ["title", "price", "is_available"])
def test_item_create_refuses_null_for_title_price_and_availability(
    schemas: ModuleType, field: str
) -> None:
    body: dict[str, Any] = {"title": "Lamp", "price": 20.0, field: None}
    try:
        made = schemas.ItemCreate.model_validate(body)
    except ValidationError:
        return
    raise AssertionError(
        f"ItemCreate accepted {shown(body)} and made {shown(made.model_dump())}: a new item "
        f"with no {field}. Only the description may be null. What to check in "
        f"app/schemas.py: `{HOW_TO_WRITE[field]}`, without `| None` (or Optional)."
    )


@pytest.mark.parametrize("schema_name", ["ItemCreate", "ItemUpdate"])
def test_a_client_sends_exactly_the_four_fields(schemas: ModuleType, schema_name: str) -> None:
    schema = getattr(schemas, schema_name)
    fields = set(schema.model_fields)
    expected = {"title", "description", "price", "is_available"}
    assert fields == expected, (
        f"{schema_name} should have exactly the fields {sorted(expected)}, and has "
        f"{sorted(fields)}. Extra: {sorted(fields - expected) or 'none'}; missing: "
        f"{sorted(expected - fields) or 'none'}. A field in {schema_name} is one a client "
        "may set: the id, for one, is the database's to choose, and a body with `id` "
        "would change it. What to check in app/schemas.py: the fields of ItemBase and "
        "ItemUpdate; `id` belongs to ItemOut only."
    )


@given(body=create_bodies, title=bad_titles)
@example(body={"title": "x", "price": 1.0}, title="")
@example(body={"title": "x", "price": 1.0}, title="x" * 201)
def test_item_create_refuses_an_empty_or_too_long_title(
    schemas: ModuleType, body: dict[str, Any], title: str
) -> None:
    error = refusal(schemas.ItemCreate, body | {"title": title}, "title")
    expect_complaints_about_only("title", schemas.ItemCreate, body | {"title": title}, error)


@given(body=create_bodies, price=bad_prices)
@example(body={"title": "x", "price": 1.0}, price=0)
@example(body={"title": "x", "price": 1.0}, price=-0.0)
def test_item_create_refuses_a_price_of_zero_or_less(
    schemas: ModuleType, body: dict[str, Any], price: float
) -> None:
    error = refusal(schemas.ItemCreate, body | {"price": price}, "price")
    expect_complaints_about_only("price", schemas.ItemCreate, body | {"price": price}, error)


# --- ItemUpdate ---------------------------------------------------------------------------
@given(body=update_bodies)
@example(body={})
@example(body={"description": None})
# A PATCH obeys the title rule of ItemCreate (at most 200 characters), not a shorter one.
@example(body={"title": "x" * 200})
@example(body={"description": "d" * 1000})
def test_item_update_remembers_exactly_the_fields_sent(
    schemas: ModuleType, body: dict[str, Any]
) -> None:
    update = accepted(schemas.ItemUpdate, body)
    sent = update.model_dump(exclude_unset=True)
    assert sent == body, (
        f"For a PATCH body, model_dump(exclude_unset=True) must give back exactly the fields "
        f"the client sent.\n  sent: {shown(body)}\n  got:  {shown(sent)}\n"
        "What to check in app/schemas.py: every field of ItemUpdate is optional with a "
        "default of None (`title: str | None = None`, ...), and none is missing."
    )


@given(price=bad_prices)
@example(price=0)
def test_item_update_refuses_a_price_of_zero_or_less(schemas: ModuleType, price: float) -> None:
    error = refusal(schemas.ItemUpdate, {"price": price}, "price")
    expect_complaints_about_only("price", schemas.ItemUpdate, {"price": price}, error)


# --- ItemOut ------------------------------------------------------------------------------
@given(fields=st.fixed_dictionaries(valid_values), item_id=st.integers(1, 2**31 - 1))
def test_item_out_reads_every_field_of_an_item_object(
    schemas: ModuleType, models: ModuleType, fields: dict[str, Any], item_id: int
) -> None:
    item = models.Item(id=item_id, **fields)
    out = read_as_item_out(schemas, item)
    expected = {"id": item_id, **fields}
    got = out.model_dump()
    changed = sorted(name for name in expected if got.get(name) != expected[name])
    absent = [name for name in changed if name not in got]
    base = getattr(schemas, "ItemBase", None)
    inherits = isinstance(base, type) and issubclass(schemas.ItemOut, base)
    assert not changed, (
        f"ItemOut did not copy the Item's attributes as they are: {', '.join(changed)} "
        f"changed.\n  expected: {shown(expected)}\n  got:      {shown(got)}\n"
        + (
            f"ItemOut has no field {', '.join(absent)}"
            + (
                ": the lesson's ItemOut inherits them, `class ItemOut(ItemBase):`."
                if base is not None and not inherits
                else "."
            )
            + "\n"
            if absent
            else ""
        )
        + advice_on(schemas.ItemOut, set(changed))
        + "\n  (and no model_config option that changes values, such as str_strip_whitespace)"
    )


def test_item_out_always_has_an_id(schemas: ModuleType) -> None:
    assert schemas.ItemOut.model_fields["id"].is_required(), (
        "ItemOut's `id` has a default, so /docs and generated clients are told an answer "
        "may come without an id; every stored item has one. What to check in "
        "app/schemas.py: `id: int` in ItemOut, with no default and no `| None`."
    )


def test_item_out_reads_an_item_loaded_from_the_database(
    schemas: ModuleType, item_factory: type[factory.Factory]
) -> None:
    stored: Any = item_factory(title="Lamp", description=None, price=20.0, is_available=False)
    out = read_as_item_out(schemas, stored)
    assert out.model_dump() == {
        "id": stored.id,
        "title": "Lamp",
        "description": None,
        "price": 20.0,
        "is_available": False,
    }, f"ItemOut read the stored item as {out.model_dump()!r}; the id must be included."
