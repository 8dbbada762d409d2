"""The HTTP endpoints: thin handlers that call the CRUD functions.

Differences from the article: ids and paging values are bounded, so that no number can
overflow the database's INTEGER (a 422 instead of a 500); PUT replaces a whole item; and
the 404 and 400 answers are documented in OpenAPI.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from sqlalchemy.orm import Session

from app import crud, models, schemas
from app.database import get_db

router = APIRouter(prefix="/items", tags=["Items"])

# One name for "a database session, provided by get_db", reused by every handler.
SessionDep = Annotated[Session, Depends(get_db)]

# The largest value of a 32-bit INTEGER column (PostgreSQL's INTEGER; SQLite allows more).
MAX_INTEGER = 2_147_483_647
ItemId = Annotated[int, Path(ge=1, le=MAX_INTEGER, description="The item's id")]
Skip = Annotated[int, Query(ge=0, le=MAX_INTEGER, description="How many items to skip")]
Limit = Annotated[int, Query(ge=1, le=100, description="How many items to return at most")]

NOT_FOUND = "Item not found"
# Answers OpenAPI (and so /docs and API clients) should know these routes may give:
# 404 for an id no item has, and 400 for a body FastAPI cannot even read as text (bytes that
# are not UTF-8), before any validation.
MAY_BE_NOT_FOUND: dict[int | str, dict[str, str]] = {404: {"description": NOT_FOUND}}
UNREADABLE_BODY: dict[int | str, dict[str, str]] = {
    400: {"description": "The body could not be read (it is not UTF-8 text)"}
}


@router.get("/", response_model=list[schemas.ItemOut])
def list_items(db: SessionDep, skip: Skip = 0, limit: Limit = 20) -> list[models.Item]:
    return crud.get_items(db, skip=skip, limit=limit)


@router.get("/{item_id}", response_model=schemas.ItemOut, responses=MAY_BE_NOT_FOUND)
def read_item(item_id: ItemId, db: SessionDep) -> models.Item:
    item = crud.get_item(db, item_id)
    if item is None:
        raise HTTPException(status_code=404, detail=NOT_FOUND)
    return item


@router.post(
    "/",
    response_model=schemas.ItemOut,
    status_code=status.HTTP_201_CREATED,
    responses=UNREADABLE_BODY,
)
def create_item(item: schemas.ItemCreate, db: SessionDep) -> models.Item:
    return crud.create_item(db, item)


@router.put(
    "/{item_id}",
    response_model=schemas.ItemOut,
    responses={**MAY_BE_NOT_FOUND, **UNREADABLE_BODY},
)
def replace_item(item_id: ItemId, item: schemas.ItemCreate, db: SessionDep) -> models.Item:
    replaced = crud.replace_item(db, item_id, item)
    if replaced is None:
        raise HTTPException(status_code=404, detail=NOT_FOUND)
    return replaced


@router.patch(
    "/{item_id}",
    response_model=schemas.ItemOut,
    responses={**MAY_BE_NOT_FOUND, **UNREADABLE_BODY},
)
def update_item(item_id: ItemId, item: schemas.ItemUpdate, db: SessionDep) -> models.Item:
    updated = crud.update_item(db, item_id, item)
    if updated is None:
        raise HTTPException(status_code=404, detail=NOT_FOUND)
    return updated


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT, responses=MAY_BE_NOT_FOUND)
def delete_item(item_id: ItemId, db: SessionDep) -> None:
    if not crud.delete_item(db, item_id):
        raise HTTPException(status_code=404, detail=NOT_FOUND)
