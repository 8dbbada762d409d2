"""How the checks have a schema read a body or an Item object, and read Pydantic's
refusals: a valid body refused, an invalid one accepted, a complaint about the wrong field,
each with its message and advice (advice.py).

Used by the checks of test_schemas.py.
"""

from types import ModuleType
from typing import Any

from pydantic import BaseModel, ValidationError

from .advice import advice_on, how_to_write, inherited_requirements, unknown_settings


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
