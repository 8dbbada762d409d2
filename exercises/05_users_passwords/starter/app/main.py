"""Step 6 — the application: create the tables at start-up and mount the router."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.database import Base, engine
from app.router import router as items_router


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Runs once when the server starts: create any table that does not exist yet.
    Base.metadata.create_all(bind=engine)
    yield


app = FastAPI(title="Items API", version="1.0.0", lifespan=lifespan)
app.include_router(items_router, prefix="/api/v1")
