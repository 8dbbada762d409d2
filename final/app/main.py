"""The application: bring the database schema up to date at start-up, mount the router,
and answer every invalid request with a 422 that can always be written as JSON.

Differences from the article:
- start-up runs the Alembic migrations (`upgrade head`) instead of
  Base.metadata.create_all(): the migrations are the one source of truth for the schema,
  and an existing database gets the changes too (create_all never alters a table);
- a handler for RequestValidationError replaces FastAPI's default one, whose 422 answer
  echoes the invalid input and crashes into a 500 when that input cannot be written as JSON
  (1e999, NaN, a lone UTF-16 surrogate, bytes that are not UTF-8);
- a 405 answer lists in its Allow header every method the path accepts (FastAPI lists only
  the methods of the first route it tried, e.g. GET but not POST for /api/v1/items/);
- what start-up made is frozen for the garbage collector (gc.freeze), which shortens the
  pauses that slowed a request now and then.
"""

import gc
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from fastapi import FastAPI, Request, Response, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.database import Base, engine
from app.router import router as items_router

# final/alembic.ini, next to the app/ package.
ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


def upgrade_database(bind: Engine) -> None:
    """Apply every migration the database does not have yet (`alembic upgrade head`)."""
    config = Config(ALEMBIC_INI)
    with bind.begin() as connection:
        # alembic/env.py uses these instead of importing `app` and opening its own connection.
        config.attributes["connection"] = connection
        config.attributes["target_metadata"] = Base.metadata
        command.upgrade(config, "head")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Runs once when the server starts.
    upgrade_database(engine)
    # Everything that exists by now (the imported libraries, the routes, the migrations'
    # machinery) lives as long as the server. gc.freeze() tells Python's garbage collector
    # to stop looking through it: otherwise each full collection walks all of it while the
    # requests in flight wait (it halved the benchmark's p99). Thawed when the server stops.
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def json_safe(value: Any) -> Any:
    """`value` with everything JSON cannot hold replaced by readable text."""
    if isinstance(value, dict):
        return {json_safe(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, str):
        # A lone surrogate (JSON "\ud800") cannot be encoded as UTF-8: show it escaped.
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # "inf", "-inf" or "nan"
    if value is None or isinstance(value, bool | int | float):
        return value
    return json_safe(str(value))  # anything else Pydantic puts in an error, e.g. an exception


app = FastAPI(title="Items API", version="1.0.0", lifespan=lifespan)
app.include_router(items_router, prefix="/api/v1")


@app.exception_handler(RequestValidationError)
async def validation_error_handler(request: Request, error: RequestValidationError) -> JSONResponse:
    """FastAPI's own 422 answer, made safe to write as JSON."""
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": json_safe(error.errors())},
    )


HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(path: str) -> list[str]:
    """The methods some route of the app accepts at `path` (asked of the routes themselves)."""
    return [
        method
        for method in HTTP_METHODS
        if any(
            route.matches({"type": "http", "path": path, "root_path": "", "method": method})[0]
            == Match.FULL
            for route in app.router.routes
        )
    ]


@app.exception_handler(StarletteHTTPException)
async def http_error_handler(request: Request, error: StarletteHTTPException) -> Response:
    """FastAPI's own answer, except that a 405 lists every method the path accepts."""
    if error.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        allow = ", ".join(allowed_methods(request.url.path))
        error = StarletteHTTPException(error.status_code, error.detail, {"Allow": allow})
    return await http_exception_handler(request, error)
