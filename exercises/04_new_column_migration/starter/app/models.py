"""Step 2 — the ORM model: one class, one table, one attribute per column."""

from sqlalchemy import Boolean, Column, Float, Integer, String

from app.database import Base


class Item(Base):
    __tablename__ = "items"

    id = Column(Integer, primary_key=True, index=True)
    title = Column(String, index=True, nullable=False)
    description = Column(String, nullable=True)
    price = Column(Float, nullable=False)
    # The default is applied by SQLAlchemy when an INSERT leaves the column out.
    # The column itself stays nullable: final/ shows why that matters.
    is_available = Column(Boolean, default=True)
