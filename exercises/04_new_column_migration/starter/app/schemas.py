"""Step 3 — the API contract: what clients send and what the server answers."""

from pydantic import BaseModel, ConfigDict, Field


class ItemBase(BaseModel):
    title: str = Field(..., min_length=1, max_length=200)
    description: str | None = None
    price: float = Field(..., gt=0)
    is_available: bool = True


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


class ItemOut(ItemBase):
    """What the server answers: the stored fields plus the id the database chose."""

    id: int

    # Lets Pydantic read attributes of an ORM object, so handlers can return models.Item.
    model_config = ConfigDict(from_attributes=True)
