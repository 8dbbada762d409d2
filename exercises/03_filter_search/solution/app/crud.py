"""Step 4 — the database operations the routes delegate to."""

from sqlalchemy.orm import Session

from app import models, schemas


def get_items(
    db: Session,
    skip: int = 0,
    limit: int = 20,
    q: str | None = None,
    min_price: float | None = None,
    max_price: float | None = None,
    available: bool | None = None,
) -> list[models.Item]:
    query = db.query(models.Item)
    # Each filter the client gave narrows the query; the ones it left out do nothing.
    if q is not None:
        # ilike: case-insensitive; escape % and _ so they match themselves, not "anything".
        pattern = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.filter(models.Item.title.ilike(f"%{pattern}%", escape="\\"))
    # (The article's untyped Column makes mypy read `>=` as a plain bool, hence the ignores.)
    if min_price is not None:
        query = query.filter(models.Item.price >= min_price)  # type: ignore[arg-type]
    if max_price is not None:
        query = query.filter(models.Item.price <= max_price)  # type: ignore[arg-type]
    if available is not None:
        query = query.filter(models.Item.is_available == available)
    # Paging needs a fixed order, or skip/limit could show a row twice or never.
    return query.order_by(models.Item.id).offset(skip).limit(limit).all()


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
