"""The paths and methods the application should serve, and how the checks read them from an
OpenAPI document.

Used by the checks of the routes and of /openapi.json, and (ITEMS) by every check that calls
the API.
"""

from typing import Any

ITEMS = "/api/v1/items/"
ONE_ITEM = "/api/v1/items/{item_id}"
EXPECTED_ROUTES = {ITEMS: {"GET", "POST"}, ONE_ITEM: {"GET", "PATCH", "DELETE"}}


def paths_and_methods(openapi: dict[str, Any]) -> dict[str, set[str]]:
    """Every path an OpenAPI document describes, with its HTTP methods in capitals."""
    return {
        path: {method.upper() for method in operations}
        for path, operations in openapi.get("paths", {}).items()
    }


def listed(routes: dict[str, set[str]]) -> str:
    """One line per path, its methods in alphabetical order (a set prints in any order)."""
    return "\n  ".join(f"{path}  {', '.join(sorted(methods))}" for path, methods in routes.items())
