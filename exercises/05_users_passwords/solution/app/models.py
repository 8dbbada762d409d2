"""The ORM models: items, and users (exercise 05) whose passwords are stored hashed."""

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


class User(Base):
    __tablename__ = "users"

    id = Column(Integer, primary_key=True, index=True)
    email = Column(String(254), unique=True, index=True, nullable=False)
    # Never the password itself: a random salt and scrypt(password, salt), both in hex.
    password_salt = Column(String(32), nullable=False)
    password_hash = Column(String(128), nullable=False)
