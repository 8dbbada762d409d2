"""The database operations the routes delegate to (items, and users for exercise 05)."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import models, schemas
from app.security import hash_password


def get_items(db: Session, skip: int = 0, limit: int = 20) -> list[models.Item]:
    # No ORDER BY: the database may return rows in any order (final/ sorts by id).
    return db.query(models.Item).offset(skip).limit(limit).all()


def get_item(db: Session, item_id: int) -> models.Item | None:
    return db.query(models.Item).filter(models.Item.id == item_id).first()


def create_item(db: Session, item: schemas.ItemCreate) -> models.Item:
    db_item = models.Item(**item.model_dump())
    db.add(db_item)
    db.commit()
    db.refresh(db_item)  # reload the row, so db_item.id holds the id the database chose
    return db_item


def update_item(db: Session, item_id: int, item: schemas.ItemUpdate) -> models.Item | None:
    db_item = get_item(db, item_id)
    if not db_item:
        return None
    # exclude_unset: only the fields the client actually sent, not every field of ItemUpdate.
    update_data = item.model_dump(exclude_unset=True)
    for key, value in update_data.items():
        setattr(db_item, key, value)
    db.commit()
    db.refresh(db_item)
    return db_item


def delete_item(db: Session, item_id: int) -> bool:
    db_item = get_item(db, item_id)
    if not db_item:
        return False
    db.delete(db_item)
    db.commit()
    return True


def get_users(db: Session, skip: int = 0, limit: int = 20) -> list[models.User]:
    return db.query(models.User).order_by(models.User.id).offset(skip).limit(limit).all()


def get_user(db: Session, user_id: int) -> models.User | None:
    return db.query(models.User).filter(models.User.id == user_id).first()


def create_user(db: Session, user: schemas.UserCreate) -> models.User | None:
    """The new user, or None when the email is taken already."""
    salt, hashed = hash_password(user.password)
    db_user = models.User(email=user.email, password_salt=salt, password_hash=hashed)
    db.add(db_user)
    try:
        db.commit()  # the UNIQUE index on email refuses a second user with the same email
    except IntegrityError:
        db.rollback()
        return None
    db.refresh(db_user)
    return db_user
