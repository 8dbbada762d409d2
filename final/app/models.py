"""The ORM model, as an SQLAlchemy 2.0 typed mapping.

`Mapped[...]` states each column's Python type (mypy and your editor see it), and whether
it may be NULL: `Mapped[str | None]` is nullable, `Mapped[str]` is NOT NULL.
"""

from sqlalchemy import String, true
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True, index=True)
    title: Mapped[str] = mapped_column(String, index=True)
    description: Mapped[str | None] = mapped_column(String)
    price: Mapped[float]
    # NOT NULL, unlike the article's column: an item is available or it is not.
    # default=True fills it in for the ORM; server_default makes the database itself do
    # the same for any INSERT that leaves it out (and for rows added by a migration).
    is_available: Mapped[bool] = mapped_column(default=True, server_default=true())
