"""The database operations the routes delegate to, in SQLAlchemy 2.0 style.

`select(...)` builds a query, `db.scalars(...)` runs it and gives ORM objects, and
`db.get(Item, id)` looks an item up by primary key (from the session's memory if it is
already loaded there).
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import models, schemas


def get_items(db: Session, skip: int = 0, limit: int = 20) -> list[models.Item]:
    # ORDER BY id: without it the database may return rows in any order, and paging
    # could show an item twice or never.
    query = select(models.Item).order_by(models.Item.id).offset(skip).limit(limit)
    return list(db.scalars(query))


def get_item(db: Session, item_id: int) -> models.Item | None:
    return db.get(models.Item, item_id)


def create_item(db: Session, item: schemas.ItemCreate) -> models.Item:
    db_item = models.Item(**item.model_dump())
    db.add(db_item)
    # The INSERT (sent by commit) gives db_item the id the database chose; no refresh()
    # is needed to see it, since the session does not expire objects on commit.
    db.commit()
    return db_item


def update_item(db: Session, item_id: int, item: schemas.ItemUpdate) -> models.Item | None:
    """PATCH: change exactly the fields the client sent."""
    db_item = get_item(db, item_id)
    if db_item is None:
        return None
    # exclude_unset: only the fields the client actually sent.
    for key, value in item.model_dump(exclude_unset=True).items():
        setattr(db_item, key, value)
    db.commit()
    return db_item


def replace_item(db: Session, item_id: int, item: schemas.ItemCreate) -> models.Item | None:
    """PUT: the item becomes exactly the body; a field left out gets its default again."""
    db_item = get_item(db, item_id)
    if db_item is None:
        return None
    for key, value in item.model_dump().items():
        setattr(db_item, key, value)
    db.commit()
    return db_item


def delete_item(db: Session, item_id: int) -> bool:
    db_item = get_item(db, item_id)
    if db_item is None:
        return False
    db.delete(db_item)
    db.commit()
    return True
