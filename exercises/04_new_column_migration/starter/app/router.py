"""Step 5 — the HTTP endpoints: thin handlers that call the CRUD functions."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy.orm import Session

from app import crud, models, schemas
from app.database import get_db

router = APIRouter(prefix="/items", tags=["Items"])

# One name for "a database session, provided by get_db", reused by every handler.
DbSession = Annotated[Session, Depends(get_db)]


@router.get("/", response_model=list[schemas.ItemOut])
def list_items(
    db: DbSession,
    skip: int = Query(0, ge=0),
    limit: int = Query(20, ge=1, le=100),
) -> list[models.Item]:
    return crud.get_items(db, skip=skip, limit=limit)


@router.get("/{item_id}", response_model=schemas.ItemOut)
def read_item(item_id: int, db: DbSession) -> models.Item:
    item = crud.get_item(db, item_id)
    if not item:
        raise HTTPException(status_code=404, detail="Item not found")
    return item


@router.post("/", response_model=schemas.ItemOut, status_code=status.HTTP_201_CREATED)
def create_item(item: schemas.ItemCreate, db: DbSession) -> models.Item:
    return crud.create_item(db, item)


@router.patch("/{item_id}", response_model=schemas.ItemOut)
def update_item(item_id: int, item: schemas.ItemUpdate, db: DbSession) -> models.Item:
    updated = crud.update_item(db, item_id, item)
    if not updated:
        raise HTTPException(status_code=404, detail="Item not found")
    return updated


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_item(item_id: int, db: DbSession) -> None:
    if not crud.delete_item(db, item_id):
        raise HTTPException(status_code=404, detail="Item not found")
