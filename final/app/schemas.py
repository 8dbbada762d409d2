"""The API contract: what clients send and what the server answers.

Differences from the article, each one closing a hole the tests found:
- one set of rules per field (Title, Text, Price, Available), shared by every schema, so a
  PATCH obeys the same rules as a POST;
- strict types: `"price": "12"` or `"is_available": 1` are refused, as the OpenAPI schema
  says they are, instead of being converted;
- prices must be finite: Python's JSON reader turns 1e999 into infinity, and NaN and
  Infinity are accepted too;
- no NUL character in any text (PostgreSQL cannot store it), and no lone UTF-16 surrogate
  (JSON can spell one, "\\ud800", but it is no character and no database can store it);
- ItemUpdate tells "left out" (MISSING) from "sent as null": null clears the description and
  is refused for every other field.
"""

from typing import Annotated

from pydantic import MISSING, AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError


def _storable(text: str) -> str:
    """`text`, if a database can store it; else a clear validation error."""
    if "\x00" in text:
        raise PydanticCustomError(
            "nul_character",
            "Text must not contain the NUL character (\\u0000): databases cannot store it",
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # JSON may spell half of a UTF-16 pair on its own ("\ud800"); it is no character.
        raise PydanticCustomError(
            "lone_surrogate",
            "Text must not contain a lone surrogate such as \\ud800: it is not a character",
        ) from None
    return text


# Text: a JSON string (strict: no number or boolean turned into text) that a database can
# store. The pattern documents the NUL rule in OpenAPI; _storable enforces the rules.
Text = Annotated[
    str,
    Field(strict=True, json_schema_extra={"pattern": "^[^\\u0000]*$"}),
    AfterValidator(_storable),
]
Title = Annotated[Text, Field(min_length=1, max_length=200)]
# A JSON number above zero; allow_inf_nan=False refuses 1e999, NaN and Infinity.
Price = Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]
Available = Annotated[bool, Field(strict=True)]


class ItemBase(BaseModel):
    title: Title
    description: Text | None = None
    price: Price
    is_available: Available = True


class ItemCreate(ItemBase):
    """Body of POST /items/ and of PUT /items/{id}: a whole item."""


class ItemUpdate(BaseModel):
    """Body of PATCH /items/{id}: any of the fields, each obeying the rules of ItemBase.

    A field left out of the body stays MISSING (and is not in model_dump()); only
    `description` accepts null.
    """

    title: Title | MISSING = MISSING
    description: Text | MISSING | None = MISSING
    price: Price | MISSING = MISSING
    is_available: Available | MISSING = MISSING


class ItemOut(ItemBase):
    """What the server answers: the stored fields plus the id the database chose."""

    id: int

    # Lets Pydantic read attributes of an ORM object, so handlers can return models.Item.
    model_config = ConfigDict(from_attributes=True)
