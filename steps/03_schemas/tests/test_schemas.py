"""Checks for step 03: app/schemas.py — ItemCreate, ItemUpdate and ItemOut.

Most checks are properties: Hypothesis invents many request bodies that follow (or break) the
rules of the API contract, and each check states what must hold for every one of them. When a
check fails, Hypothesis prints the smallest body it found that breaks the rule.

The rules come from the schemas of the article:
- title: text of 1 to 200 characters (required when creating);
- description: text or null (optional, null by default);
- price: a number greater than 0 (required when creating);
- is_available: true or false (optional, true by default).
"""

import difflib
from types import ModuleType
from typing import Any

import factory
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, ValidationError

# How each field is written in the article's app/schemas.py, for the failure messages.
HOW_TO_WRITE = {
    "title": "title: str = Field(..., min_length=1, max_length=200)",
    "description": "description: str | None = None",
    "price": "price: float = Field(..., gt=0)",
    "is_available": "is_available: bool = True",
    "id": "id: int (in ItemOut)",
}
HOW_TO_WRITE_IN_UPDATE = {
    "title": "title: str | None = None",
    "description": "description: str | None = None",
    "price": "price: float | None = Field(default=None, gt=0)",
    "is_available": "is_available: bool | None = None",
}


def how_to_write(schema: type[BaseModel], field: str) -> str:
    hints = HOW_TO_WRITE_IN_UPDATE if schema.__name__ == "ItemUpdate" else HOW_TO_WRITE
    return hints.get(field, f"the field {field}")


# --- Bodies a client may send -----------------------------------------------------------
# Any character a database can store: whatever UTF-8 can encode (so no lone surrogate such
# as "\ud800"), except NUL, which no database keeps (a hardened app refuses both).
storable = st.characters(codec="utf-8", exclude_characters="\x00")


def texts(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    """Texts in any alphabet, from min_size to max_size characters long."""
    return st.text(storable, min_size=min_size, max_size=max_size)


titles = texts(1, 200)
descriptions = st.none() | texts(0, 500)
# JSON numbers: fractional or whole, always finite and above zero.
prices = st.floats(min_value=0, exclude_min=True, allow_nan=False, allow_infinity=False) | (
    st.integers(min_value=1, max_value=10**9)
)
valid_values: dict[str, st.SearchStrategy[Any]] = {
    "title": titles,
    "description": descriptions,
    "price": prices,
    "is_available": st.booleans(),
}
# A POST body: title and price always, description and is_available sometimes.
create_bodies = st.fixed_dictionaries(
    {"title": titles, "price": prices},
    optional={"description": descriptions, "is_available": st.booleans()},
)
# A PATCH body: any subset of the four fields (maybe none), each with a valid value.
update_bodies = st.fixed_dictionaries({}, optional=valid_values)

# --- Values the API must refuse -----------------------------------------------------------
bad_titles = st.just("") | texts(201, 400)
# Zero and below; infinities are left out on purpose (that question belongs to final/).
bad_prices = st.floats(max_value=0, allow_nan=False, allow_infinity=False) | st.integers(
    max_value=0
)


# --- Helpers ------------------------------------------------------------------------------
def shown(value: Any) -> str:
    """repr() with long texts cut short, so that messages stay readable."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {shown(item)}" for key, item in value.items()) + "}"
    if isinstance(value, str) and len(value) > 30:
        return f"{value[:10]!r}… ({len(value)} characters)"
    return repr(value)


def problems(error: ValidationError) -> str:
    """Pydantic's complaints, one line per field."""
    return "\n".join(
        f"  - {'.'.join(map(str, problem['loc'])) or '(the whole input)'}: {problem['msg']}"
        for problem in error.errors(include_url=False)
    )


def accepted(schema: type[BaseModel], body: dict[str, Any]) -> Any:
    """The schema's object for `body`, which must be valid."""
    try:
        return schema.model_validate(body)
    except ValidationError as error:
        raise AssertionError(
            f"{schema.__name__} refused a valid body:\n  {shown(body)}\n{problems(error)}\n"
            + inherited_requirements(schema, error)
            + advice_on(schema, fields_named_in(error) or set(body))
        ) from None


def advice_on(schema: type[BaseModel], fields: set[str]) -> str:
    """How the fields that drew a complaint should be written in app/schemas.py.

    A name Pydantic complains about may be a field's alias (Field(alias="name")): the advice
    is then about the field, and says that the alias is what Pydantic reads.
    """
    if not fields:
        return "What to check in app/schemas.py: a validator of the whole model (no field named)."
    aliases = aliases_of(schema)
    notes = [
        f"`{name}` is the alias of the field {aliases[name]} (Field(alias={name!r})): Pydantic "
        f"reads the key {name!r} instead of {aliases[name]!r}, so a body that sends "
        f"{aliases[name]!r} is refused. Leave alias= out.\n"
        for name in sorted(fields)
        if name in aliases
    ]
    fields = {aliases.get(name, name) for name in fields}
    return (
        "".join(notes)
        + "What to check in app/schemas.py: the fields named above, written like\n  "
        + "\n  ".join(how_to_write(schema, field) for field in sorted(fields))
    )


def aliases_of(schema: type[BaseModel]) -> dict[str, str]:
    """{alias: field name} for each field of SCHEMA read under another name."""
    found = {}
    for name, info in schema.model_fields.items():
        for alias in (info.alias, info.validation_alias):
            if isinstance(alias, str) and alias != name:
                found[alias] = name
    return found


def inherited_requirements(schema: type[BaseModel], error: ValidationError) -> str:
    """Which required fields ItemUpdate got from a parent class, when Pydantic says they are
    missing (every field of a PATCH body is optional; ItemCreate inherits required ones on
    purpose)."""
    if schema.__name__ != "ItemUpdate":
        return ""
    missing = sorted(
        str(problem["loc"][0])
        for problem in error.errors()
        if problem["type"] == "missing" and problem["loc"]
    )
    parents: dict[str, list[str]] = {}
    for field in missing:
        owner = next(
            (cls for cls in schema.__mro__ if field in vars(cls).get("__annotations__", {})), None
        )
        if owner is not None and owner is not schema:
            parents.setdefault(owner.__name__, []).append(field)
    return "".join(
        f"{schema.__name__} inherits {', '.join(fields)} from {parent}, where "
        f"{'it is' if len(fields) == 1 else 'they are'} required; {schema.__name__} has to "
        "declare its own fields, each with a default (the lesson's "
        f"`class {schema.__name__}(BaseModel):` and `title: str | None = None`...).\n"
        for parent, fields in parents.items()
    )


def unknown_settings(schema: type[BaseModel]) -> str:
    """The keys of SCHEMA's model_config that Pydantic has no setting for, with the one meant."""
    known = set(ConfigDict.__annotations__)
    lines = []
    for key in sorted(set(schema.model_config) - known):
        near = difflib.get_close_matches(key, sorted(known), n=1)
        lines.append(
            f"{schema.__name__}'s model_config has `{key}`, which is no setting of Pydantic's "
            "(it ignores it)" + (f": did you mean `{near[0]}`?" if near else ".")
        )
    return "".join(line + "\n" for line in lines)


def refusal(schema: type[BaseModel], body: dict[str, Any], field: str) -> ValidationError:
    """The ValidationError the schema must raise for `body`, whose `field` is wrong or missing."""
    try:
        made = schema.model_validate(body)
    except ValidationError as error:
        return error
    problem = f"{field}={shown(body[field])}" if field in body else f"no {field} at all"
    raise AssertionError(
        f"{schema.__name__} accepted a body with {problem}, which the API must refuse:\n"
        f"  {shown(body)}\nand made:\n  {shown(made.model_dump())}\n"
        f"What to check in app/schemas.py: `{how_to_write(schema, field)}`."
    )


def fields_named_in(error: ValidationError) -> set[str]:
    return {str(problem["loc"][0]) for problem in error.errors() if problem["loc"]}


def expect_complaints_about_only(
    field: str, schema: type[BaseModel], body: dict[str, Any], error: ValidationError
) -> None:
    """`body` is wrong only in `field`: Pydantic must name that field, and no other."""
    others = fields_named_in(error) - {field}
    assert not others, (
        f"{schema.__name__} also refused {', '.join(f'`{name}`' for name in sorted(others))}, "
        f"although only `{field}` was wrong. The body:\n  {shown(body)}\nPydantic said:\n"
        f"{problems(error)}\n" + advice_on(schema, others)
    )
    assert field in fields_named_in(error), (
        f"{schema.__name__} refused {shown(body)}, but named no field: expected a complaint "
        f"about `{field}`, got:\n{problems(error)}\n"
        f"What to check in app/schemas.py: `{how_to_write(schema, field)}`."
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


def read_as_item_out(schemas: ModuleType, item: Any) -> Any:
    try:
        return schemas.ItemOut.model_validate(item)
    except ValidationError as error:
        fields = fields_named_in(error)
        if fields:
            # It read the object, but a field refused the stored value: the field's type.
            advice = advice_on(schemas.ItemOut, fields)
        else:
            advice = unknown_settings(schemas.ItemOut) + (
                "What to check in app/schemas.py: ItemOut needs "
                "`model_config = ConfigDict(from_attributes=True)` to read an object's "
                "attributes (without it, Pydantic only reads dictionaries), and an `id: int` "
                "field."
            )
        raise AssertionError(
            f"ItemOut.model_validate(item) could not read an Item object:\n{problems(error)}\n"
            + advice
        ) from None
