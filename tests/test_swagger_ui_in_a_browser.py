"""Swagger UI in a real browser: the article's "Testing With Swagger UI", done by a robot.

The article ends by opening http://127.0.0.1:8000/docs, creating an item with "Try it out",
then changing only its price. This check does exactly that: it serves the app with uvicorn,
drives headless Chromium through Swagger UI (Playwright for Python), reads the status code and
body that Swagger UI shows, and then asks the API itself whether the other fields survived.
Screenshots land in test-artifacts/: swagger-ui-try-it-out.png (the whole final page) and
swagger-ui-patch.png (the PATCH operation: request body, status code, response body).

Target: final/ once it has its app, else steps/07_alembic; `--app-dir PATH` serves your own
project instead. The server runs in a temporary folder, so its SQLite file lands there.

What it needs besides the course's dependencies — without them it is skipped, with this advice
(in CI, where CI=true, a missing piece is a failure instead, so CI cannot go green without it):
  - Debian's Chromium:            apt-get install chromium
  - Playwright for Python:        .venv/bin/pip install playwright   (no `playwright install`:
                                  it drives the Chromium above and downloads nothing)
  - Swagger UI's files, offline:  .venv/bin/pip install fastapi-offline
FastAPI's /docs page loads Swagger UI from a CDN. This machine has no internet, so the browser
gets those files from the fastapi-offline package instead (tests/helpers/swagger_ui.py).
"""

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.helpers.repository import REPO_ROOT
from tests.helpers.swagger_ui import (
    BROWSER_TIMEOUT_MS,
    offline_page,
    operation,
    try_it_out,
    what_is_missing,
)
from tests.helpers.target import target_dir_of
from tests.helpers.uvicorn_server import Server, uvicorn_serving

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow

ARTIFACTS = REPO_ROOT / "test-artifacts"
SCREENSHOT = ARTIFACTS / "swagger-ui-try-it-out.png"  # the whole page at the end
PATCH_SCREENSHOT = ARTIFACTS / "swagger-ui-patch.png"  # the PATCH operation, readable size

ITEMS = "/api/v1/items/"
ONE_ITEM = "/api/v1/items/{item_id}"
NEW_ITEM = {"title": "Mechanical Keyboard", "price": 89.99}  # the article's curl examples
NEW_PRICE = {"price": 79.99}


@pytest.fixture(scope="module")
def target_dir(pytestconfig: pytest.Config) -> Path:
    """The folder holding the `app` package to serve: --app-dir if given, else final/ (see
    tests/helpers/target.py)."""
    return target_dir_of(pytestconfig)


@pytest.fixture
def server(target_dir: Path, tmp_path: Path) -> Iterator[Server]:
    """`uvicorn app.main:app --app-dir TARGET`, started in tmp_path, stopped afterwards."""
    with uvicorn_serving(target_dir, tmp_path) as served:
        yield served


@pytest.fixture
def page() -> Iterator["Page"]:
    """A page in headless Chromium that gets Swagger UI's files without internet."""
    missing = what_is_missing()
    if missing:
        advice = "\n  - ".join(
            ["This check drives Swagger UI in a real browser and needs:", *missing]
        )
        if os.environ.get("CI"):
            pytest.fail(f"{advice}\nIn CI these must be installed (see .ci/run).", pytrace=False)
        pytest.skip(advice)
    # At the end, a screenshot of the final page, whether the check passed or not.
    with offline_page(screenshot=SCREENSHOT) as new_page:
        yield new_page


def test_swagger_ui_creates_an_item_then_changes_only_its_price(
    page: "Page", server: Server
) -> None:
    # `page` comes first: when the browser is missing, the check is skipped before the server
    # is even started.
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(f"{server.url}/docs")
    try:
        page.locator(".opblock").first.wait_for()  # Swagger UI has drawn the operations
    except PlaywrightTimeout:
        pytest.fail(
            f"{server.url}/docs showed no operation within {BROWSER_TIMEOUT_MS // 1000} s: "
            "Swagger UI did not render. What to check: GET /docs and GET /openapi.json answer "
            f"200 (server output below).\n{server.log_tail()}",
            pytrace=False,
        )

    status, shown = try_it_out(operation(page, "post", ITEMS), NEW_ITEM)
    assert status == 201, (
        f"In Swagger UI, POST {ITEMS} with {NEW_ITEM} should show 201 Created, "
        f"but it shows {status}:\n{shown}\nServer output:\n{server.log_tail()}"
    )
    created = json.loads(shown)
    assert {key: created.get(key) for key in NEW_ITEM} == NEW_ITEM, (
        f"The item Swagger UI shows after POST should hold what was sent ({NEW_ITEM}), "
        f"got {created}."
    )

    item_id = str(created["id"])
    status, shown = try_it_out(
        operation(page, "patch", ONE_ITEM), NEW_PRICE, path_parameters={"item_id": item_id}
    )
    ARTIFACTS.mkdir(exist_ok=True)
    operation(page, "patch", ONE_ITEM).screenshot(path=PATCH_SCREENSHOT)
    assert status == 200, (
        f"In Swagger UI, PATCH {ONE_ITEM} (item_id={item_id}) with {NEW_PRICE} should show "
        f"200 OK, but it shows {status}:\n{shown}\nServer output:\n{server.log_tail()}"
    )
    expected = {**created, **NEW_PRICE}  # the created item, with the new price only
    assert json.loads(shown) == expected, (
        f"Swagger UI should show the item with only its price changed: expected {expected}, "
        f"got {shown}. What to check: a PATCH must change only the fields the client sent "
        "(model_dump(exclude_unset=True))."
    )

    stored = httpx.get(f"{server.url}{ITEMS}{item_id}", timeout=5)
    assert stored.status_code == 200, (
        f"GET {ITEMS}{item_id} after the PATCH should answer 200, got {stored.status_code}: "
        f"{stored.text}"
    )
    assert stored.json() == expected, (
        f"After the PATCH in Swagger UI, the API should return the created item with only its "
        f"price changed: expected {expected}, got {stored.json()}."
    )
