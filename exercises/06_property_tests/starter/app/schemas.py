"""Step 3 — the API contract: what clients send and what the server answers."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ItemBase(BaseModel):
    title: str = Field(..., min_length=1, max_length=200)
    description: str | None = None
    price: float = Field(..., gt=0)
    is_available: bool = True


class ItemCreate(ItemBase):
    """Body of POST /items/: the client sends these fields."""


class ItemUpdate(BaseModel):
    """Body of PATCH /items/{id}: every field may be left out, and what is sent is checked.

    A field that is left out keeps its stored value (exclude_unset in crud.update_item).
    A field that is sent obeys the same rules as in ItemCreate; only `description` may be
    null, because only that column may hold NULL.
    """

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    price: float | None = Field(default=None, gt=0)
    is_available: bool | None = None

    # Validators do not run on defaults, so this only sees values the client sent: leaving
    # a field out is fine, sending null for it is not.
    @field_validator("title", "price", "is_available")
    @classmethod
    def not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out, but may not be null")
        return value


class ItemOut(ItemBase):
    """What the server answers: the stored fields plus the id the database chose."""

    id: int

    # Lets Pydantic read attributes of an ORM object, so handlers can return models.Item.
    model_config = ConfigDict(from_attributes=True)
