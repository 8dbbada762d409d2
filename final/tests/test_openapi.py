"""What /openapi.json (and so /docs, and every client generated from it) says about the API.

The schema is the API's public promise: it must state the rules the server really applies.
"""

from types import ModuleType
from typing import Any

import pytest

ITEMS = "/api/v1/items/"
ONE_ITEM = "/api/v1/items/{item_id}"


@pytest.fixture(scope="module")
def openapi(main: ModuleType) -> dict[str, Any]:
    document: dict[str, Any] = main.app.openapi()
    return document


def schema_of(openapi: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = openapi["components"]["schemas"][name]
    return schema


def accepts_null(field_schema: dict[str, Any]) -> bool:
    variants = field_schema.get("anyOf", [field_schema])
    return any(variant.get("type") == "null" for variant in variants)


def strings_in(field_schema: dict[str, Any]) -> dict[str, Any]:
    """The part of a field's schema that describes it as a string."""
    for variant in field_schema.get("anyOf", [field_schema]):
        if variant.get("type") == "string":
            return dict(variant)
    return {}


@pytest.mark.parametrize("schema", ["ItemCreate", "ItemUpdate"])
def test_only_the_description_may_be_null(openapi: dict[str, Any], schema: str) -> None:
    fields = schema_of(openapi, schema)["properties"]

    nullable = sorted(name for name, field in fields.items() if accepts_null(field))

    assert nullable == ["description"], (
        f"In {schema}, only description may be null, but the schema lets {nullable} be null."
    )


@pytest.mark.parametrize("schema", ["ItemCreate", "ItemUpdate"])
def test_the_title_rules_are_stated(openapi: dict[str, Any], schema: str) -> None:
    title = strings_in(schema_of(openapi, schema)["properties"]["title"])

    found = {rule: title.get(rule) for rule in ("minLength", "maxLength", "pattern")}
    assert found == {"minLength": 1, "maxLength": 200, "pattern": "^[^\\u0000]*$"}, (
        f"{schema}: the title is 1 to 200 characters without NUL; the schema says {found}."
    )


@pytest.mark.parametrize("schema", ["ItemCreate", "ItemUpdate"])
def test_the_price_must_be_above_zero(openapi: dict[str, Any], schema: str) -> None:
    price = schema_of(openapi, schema)["properties"]["price"]

    assert (price.get("type"), price.get("exclusiveMinimum")) == ("number", 0), (
        f"{schema}: price is a number above 0; the schema says {price}."
    )


def test_a_patch_body_requires_no_field(openapi: dict[str, Any]) -> None:
    assert schema_of(openapi, "ItemUpdate").get("required", []) == []


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_the_404_answer_is_documented(openapi: dict[str, Any], method: str) -> None:
    answers = openapi["paths"][ONE_ITEM][method]["responses"]

    assert "404" in answers, (
        f"{method.upper()} {ONE_ITEM} may answer 404, but the schema lists only "
        f"{sorted(answers)}. What to check: responses={{404: ...}} on the route."
    )


@pytest.mark.parametrize(
    ("where", "method"), [(ITEMS, "post"), (ONE_ITEM, "put"), (ONE_ITEM, "patch")]
)
def test_the_400_for_an_unreadable_body_is_documented(
    openapi: dict[str, Any], where: str, method: str
) -> None:
    # FastAPI answers 400 itself when a body is not even text (bytes that are not UTF-8).
    answers = openapi["paths"][where][method]["responses"]

    assert "400" in answers, (
        f"{method.upper()} {where} may answer 400, but the schema lists only {sorted(answers)}."
    )


@pytest.mark.parametrize(
    ("where", "name", "bounds"),
    [
        (ONE_ITEM, "item_id", {"minimum": 1, "maximum": 2_147_483_647}),
        (ITEMS, "skip", {"minimum": 0, "maximum": 2_147_483_647}),
        (ITEMS, "limit", {"minimum": 1, "maximum": 100}),
    ],
)
def test_the_bounds_of_ids_and_paging_are_stated(
    openapi: dict[str, Any], where: str, name: str, bounds: dict[str, int]
) -> None:
    [parameter] = [p for p in openapi["paths"][where]["get"]["parameters"] if p["name"] == name]

    found = {key: parameter["schema"].get(key) for key in bounds}
    assert found == bounds, f"{name}: expected the bounds {bounds}, the schema says {found}."
