"""What the failure messages advise: how each field is written in the lesson's
app/schemas.py, and what the learner's schema declares instead (an alias, a field inherited
with its requirement, a model_config key Pydantic does not know).

Used by refusals.py and by the checks of test_schemas.py.
"""

import difflib

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
