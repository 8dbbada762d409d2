"""The ORM model, as an SQLAlchemy 2.0 typed mapping.

`Mapped[...]` states each column's Python type (mypy and your editor see it), and whether
it may be NULL: `Mapped[str | None]` is nullable, `Mapped[str]` is NOT NULL.
"""

from sqlalchemy import Float, true
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True, index=True)
    title: Mapped[str] = mapped_column(index=True)
    description: Mapped[str | None]
    # Float, as in the article (SQLAlchemy 2.1 would map a bare Mapped[float] to Double).
    price: Mapped[float] = mapped_column(Float)
    # NOT NULL, unlike the article's column: an item is available or it is not.
    # default=True fills it in for the ORM; server_default makes the database itself do
    # the same for any INSERT that leaves it out (and for rows added by a migration).
    is_available: Mapped[bool] = mapped_column(default=True, server_default=true())
