"""The ORM model: one class, one table, one attribute per column (exercise 04: quantity)."""

from sqlalchemy import Boolean, Column, Float, Integer, String, text

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
    # How many are in stock. server_default: the database itself fills in 0, for new rows
    # that leave the column out and, during the migration, for every row that existed.
    quantity = Column(Integer, nullable=False, default=0, server_default=text("0"))
