"""Swagger UI in headless Chromium, driven by Playwright for Python, without internet.

FastAPI's /docs page loads Swagger UI from a CDN. The browser gets those files
(swagger-ui-bundle.js, swagger-ui.css — Swagger UI 5 — and the favicon) from the
fastapi-offline package instead; every other request outside the app is refused.
"""

import importlib.resources
import importlib.util
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page, Route

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags, Chromium keeps trying to reach Google's services,
# which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_TIMEOUT_MS = 15_000
# The files FastAPI's /docs page asks the CDN for, and their types.
SWAGGER_UI_FILES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.png": "image/png",
}


def what_is_missing() -> list[str]:
    """What a browser check needs and this machine lacks, each with how to install it."""
    missing = []
    if not CHROMIUM.is_file():
        missing.append(f"Debian's Chromium at {CHROMIUM}: apt-get install chromium")
    if importlib.util.find_spec("playwright") is None:
        missing.append("Playwright for Python: .venv/bin/pip install playwright")
    if importlib.util.find_spec("fastapi_offline") is None:
        missing.append("Swagger UI's files for offline use: .venv/bin/pip install fastapi-offline")
    return missing


@contextmanager
def offline_page(screenshot: Path) -> Iterator["Page"]:
    """A page in headless Chromium that gets Swagger UI's files without internet; at the end,
    a screenshot of the whole page goes to `screenshot`."""
    from playwright.sync_api import sync_playwright

    swagger_ui = importlib.resources.files("fastapi_offline") / "static"

    def serve_offline(route: "Route") -> None:
        url = route.request.url
        if url.startswith("http://127.0.0.1:"):
            route.continue_()  # the app under test
            return
        name = url.split("?")[0].rsplit("/", 1)[-1]
        if name in SWAGGER_UI_FILES:
            route.fulfill(
                body=(swagger_ui / name).read_bytes(), content_type=SWAGGER_UI_FILES[name]
            )
        else:
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, timeout=30_000
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(BROWSER_TIMEOUT_MS)
            context.route("**/*", serve_offline)
            new_page = context.new_page()
            yield new_page
            screenshot.parent.mkdir(exist_ok=True)
            new_page.screenshot(path=screenshot, full_page=True)
        finally:
            browser.close()


def operation(page: "Page", method: str, path: str) -> "Locator":
    """The block Swagger UI shows for one operation, e.g. ("patch", "/api/v1/items/{item_id}")."""
    return page.locator(f".opblock-{method}").filter(has=page.locator(f'[data-path="{path}"]'))


def try_it_out(
    block: "Locator", body: dict[str, Any], path_parameters: dict[str, str] | None = None
) -> tuple[int, str]:
    """Open the operation, click "Try it out", fill it in, click "Execute".

    Returns the status code and the response body as Swagger UI shows them.
    """
    block.locator(".opblock-summary-control").click()
    block.get_by_role("button", name="Try it out").click()
    for name, value in (path_parameters or {}).items():
        block.locator(f'tr[data-param-name="{name}"] input').fill(value)
    block.locator("textarea.body-param__text").fill(json.dumps(body))
    block.get_by_role("button", name="Execute").click()
    response = block.locator(".live-responses-table .response")
    # The status cell may add a word under the code, e.g. "500" then "Undocumented".
    status = response.locator(".response-col_status").inner_text().split()[0]
    shown_body = response.locator(".highlight-code code").first.inner_text()
    return int(status), shown_body
