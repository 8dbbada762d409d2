"""Checks for step 06: app/main.py — the application, its start-up, and the article's demo.

Unlike step 05, `get_db` is not replaced here: each check runs the real application in an
emptied temporary folder, where the article's relative URL `sqlite:///./app.db` puts the
database, and the lifespan, which runs when `with TestClient(app)` starts the app, has to
create the table.

The `client` fixture is in tests/conftest.py; the paths, the lesson's example bodies and
the helpers that read app.db or wait for uvicorn are in the modules beside this one.
"""

import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from .base_and_engine import own_objects_problem
from .curl_examples import CHEAPER, CREATED_KEYBOARD, KEYBOARD
from .database_file import rows_in_database_file, tables_in_database_file
from .routes import EXPECTED_ROUTES, ITEMS, listed, paths_and_methods
from .uvicorn_server import answer_from, free_port


# --- The application object ---------------------------------------------------------------
def test_app_is_a_fastapi_application(main: ModuleType) -> None:
    assert isinstance(main.app, FastAPI), (
        f"Expected `app = FastAPI(...)` in app/main.py, got {main.app!r}."
    )


def test_app_is_called_items_api_version_1_0_0(main: ModuleType) -> None:
    found = (main.app.title, main.app.version)
    assert found == ("Items API", "1.0.0"), (
        f"Expected the title 'Items API' and the version '1.0.0' (they head the /docs page), "
        f'got {found}. What to check: `FastAPI(title="Items API", version="1.0.0", ...)`.'
    )


def test_items_routes_are_mounted_under_api_v1(main: ModuleType) -> None:
    # app.openapi() lists every route the application serves, with its methods.
    found = paths_and_methods(main.app.openapi())

    # More routes are fine (a PUT, say); these ones must be there.
    missing = {path: methods - found.get(path, set()) for path, methods in EXPECTED_ROUTES.items()}
    assert not any(missing.values()), (
        f"Expected these paths and methods:\n  {listed(EXPECTED_ROUTES)}\nbut the application "
        f"has:\n  {listed(found) or 'no routes at all'}\nWhat to check: "
        '`app.include_router(items_router, prefix="/api/v1")` in app/main.py, with the '
        'router\'s own prefix="/items" in app/router.py, and its decorators\' paths: "/" for '
        'the list and POST, "/{item_id}" for one item (step 05\'s checks compare them exactly).'
    )


# --- Start-up: the lifespan creates the table ----------------------------------------------
def test_starting_the_app_creates_the_items_table(main: ModuleType, database: ModuleType) -> None:
    assert tables_in_database_file() == [], "The check's folder should start without app.db."

    with TestClient(main.app):
        tables = tables_in_database_file()

    assert "items" in tables, (
        f"Once the application has started, ./app.db should hold an `items` table, but "
        f"{'it has the tables ' + str(tables) if tables else 'there is no such table'}.\n"
        + (
            own_objects_problem(main, database)
            or "What to check: the lifespan in app/main.py calls "
            "`Base.metadata.create_all(bind=engine)` before `yield`, and is passed to "
            "`FastAPI(..., lifespan=lifespan)`."
        )
    )


def test_restarting_the_app_keeps_the_stored_items(main: ModuleType) -> None:
    with TestClient(main.app) as first_run:
        created = first_run.post(ITEMS, json=KEYBOARD)
        assert created.status_code == 201, f"POST failed: {created.status_code} {created.text}"

    with TestClient(main.app) as second_run:
        listed = second_run.get(ITEMS)

    assert listed.json() == [created.json()], (
        f"After a restart, the item stored before should still be there; GET {ITEMS} "
        f"answered {listed.status_code} {listed.text}.\nWhat to check: the lifespan should "
        "only create missing tables (`create_all`), never drop existing ones."
    )


# --- Interactive documentation -------------------------------------------------------------
def test_docs_serves_the_swagger_ui_page(client: TestClient) -> None:
    response = client.get("/docs")

    assert response.status_code == 200, (
        f"GET /docs should answer 200, got {response.status_code}. What to check: "
        "`FastAPI(...)` was not given docs_url=None."
    )
    assert response.headers["content-type"].startswith("text/html"), (
        f"/docs should be an HTML page, got {response.headers['content-type']}."
    )
    assert "swagger-ui" in response.text, "/docs should load Swagger UI, but never mentions it."
    assert "/openapi.json" in response.text, (
        "/docs should point Swagger UI at /openapi.json, the description it draws the page from."
    )


def test_openapi_json_describes_the_items_api(client: TestClient) -> None:
    response = client.get("/openapi.json")

    assert response.status_code == 200, f"GET /openapi.json answered {response.status_code}."
    document = response.json()  # fails here if the answer is not valid JSON
    paths = paths_and_methods(document)
    assert set(EXPECTED_ROUTES) <= set(paths), (
        f"/openapi.json should describe {sorted(EXPECTED_ROUTES)}, but its paths are "
        f"{sorted(paths) or 'empty'}."
    )
    schemas = set(document.get("components", {}).get("schemas", {}))
    missing = {"ItemCreate", "ItemUpdate", "ItemOut"} - schemas
    assert not missing, (
        f"/openapi.json should describe the request and response schemas, but {sorted(missing)} "
        f"are missing (found {sorted(schemas)}). What to check: the routes use "
        "`response_model=schemas.ItemOut` and take `schemas.ItemCreate` / `schemas.ItemUpdate` "
        "bodies."
    )


# --- The article's curl examples, against the real application ----------------------------
def test_the_lessons_post_example_creates_item_1(client: TestClient) -> None:
    response = client.post(ITEMS, json=KEYBOARD)

    assert response.status_code == 201, (
        f"POST {ITEMS} {KEYBOARD} should answer 201 Created, got {response.status_code}: "
        f"{response.text}"
    )
    assert response.json() == CREATED_KEYBOARD, (
        f"On an empty database the lesson's POST should give\n  {CREATED_KEYBOARD}\n"
        f"got\n  {response.json()}"
    )
    stored = rows_in_database_file("SELECT id, title, price FROM items")
    assert stored == [(1, "Mechanical Keyboard", 89.99)], (
        f"The new item should be stored in ./app.db, which holds {stored}. What to check: "
        "the application's sessions come from `get_db` in app/database.py."
    )


def test_the_lessons_patch_example_changes_only_the_price(client: TestClient) -> None:
    created = client.post(ITEMS, json=KEYBOARD)
    assert created.status_code == 201, f"POST failed: {created.status_code} {created.text}"

    response = client.patch(f"{ITEMS}1", json=CHEAPER)

    expected = {**CREATED_KEYBOARD, **CHEAPER}
    assert response.status_code == 200, (
        f"PATCH {ITEMS}1 {CHEAPER} should answer 200, got {response.status_code}: {response.text}"
    )
    left_out = sorted(set(expected) - set(response.json()))
    assert response.json() == expected, (
        f"Only the price should change.\n  expected: {expected}\n  got:      {response.json()}\n"
        + (
            f"The answer leaves out {left_out}: a field that is null is still part of it. "
            "What to check: no response_model_exclude_none (or _exclude_unset) on the route."
            if left_out
            else "What to check: crud.update_item uses `item.model_dump(exclude_unset=True)`."
        )
    )
    confirmed = client.get(f"{ITEMS}1")
    assert confirmed.json() == expected, (
        f"GET {ITEMS}1 after the PATCH should show {expected}, got {confirmed.text}."
    )


# --- Served by uvicorn, as the article starts it -------------------------------------------
@pytest.mark.slow
def test_uvicorn_serves_the_app(target: Any, main: ModuleType, tmp_path: Path) -> None:
    # `uvicorn app.main:app`, run from the project folder: --app-dir says where app/ is,
    # while the working directory (where app.db lands) is the check's empty folder.
    # (`main` is loaded first so that a missing or broken app/main.py is reported like in
    # every other check, instead of through uvicorn's own output.)
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--app-dir", str(target.root)]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status = None
        deadline = time.monotonic() + 20
        while status is None and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
            status = answer_from(f"http://127.0.0.1:{port}/openapi.json")
        stopped = server.poll() is not None
    finally:
        server.terminate()
        try:
            output, _ = server.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()

    if status is not None:
        outcome = f"it answered {status}"
    elif stopped:
        outcome = "the server stopped before answering"
    else:
        outcome = "nothing answered within 20 s"
    assert status == 200, (
        f"`uvicorn app.main:app` should serve /openapi.json, but {outcome}.\n"
        f"What uvicorn printed:\n{output[-3000:]}"
    )
    tables = tables_in_database_file(tmp_path / "app.db")
    assert "items" in tables, (
        "uvicorn started the application, but the folder it was started from has no app.db "
        f"with an items table ({'tables: ' + str(tables) if tables else 'no such file'}).\n"
        "What to check: the lifespan creates the tables, and the URL in app/database.py is "
        "the relative 'sqlite:///./app.db'."
    )
