"""Step 3 — the API contract: what clients send and what the server answers."""

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ItemBase(BaseModel):
    title: str = Field(..., min_length=1, max_length=200)
    description: str | None = None
    price: float = Field(..., gt=0)
    is_available: bool = True
    quantity: int = Field(default=0, ge=0)


class ItemCreate(ItemBase):
    """Body of POST /items/: the client sends these fields."""


class ItemUpdate(BaseModel):
    """Body of PATCH /items/{id}: every field may be left out.

    Note: only `price` keeps a rule here, and every field accepts null.
    final/ shows what that lets through.
    """

    title: str | None = None
    description: str | None = None
    price: float | None = Field(default=None, gt=0)
    is_available: bool | None = None
    quantity: int | None = Field(default=None, ge=0)

    @field_validator("quantity")
    @classmethod
    def quantity_is_not_null(cls, value: int | None) -> int:
        # Left out: unchanged (validators skip defaults). Sent: a number, as the column
        # is NOT NULL.
        if value is None:
            raise ValueError("quantity may be left out, but not null")
        return value


class ItemOut(ItemBase):
    """What the server answers: the stored fields plus the id the database chose."""

    id: int

    # Lets Pydantic read attributes of an ORM object, so handlers can return models.Item.
    model_config = ConfigDict(from_attributes=True)
