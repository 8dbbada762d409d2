"""A request a check sent and what came back, and the values inside a request's JSON body."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

ITEMS = "/api/v1/items/"


@dataclass
class Exchange:
    """One request a check sent, and what came back: an answer, or an error in the app."""

    method: str
    url: str
    body: Any = None
    status: int | None = None
    answer: Any = None
    error: Exception | None = None

    def __str__(self) -> str:
        sent = "" if self.body is None else f" {self.body!r}"
        if self.error is not None:
            came_back = f"raised {type(self.error).__name__}: {first_line(self.error)}"
        else:
            came_back = f"answered {self.status} {self.answer!r}"
        return f"{self.method} {self.url}{sent} -> {came_back}"


def first_line(error: BaseException) -> str:
    """The start of an error's message: its first two lines that are not blank."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return " / ".join(lines[:2])[:300]


def body_of(request_arguments: dict[str, Any]) -> Any:
    """The JSON body of a request as the check wrote it (with json= or content=)."""
    if "json" in request_arguments:
        return request_arguments["json"]
    content = request_arguments.get("content")
    # Python's json reads NaN and Infinity back, as the app does.
    return None if content is None else json.loads(content)


NOT_SENT: Any = object()


def field_of(body: Any, name: str) -> Any:
    """body[name], or NOT_SENT when the body has no such field (None means a JSON null)."""
    return body.get(name, NOT_SENT) if isinstance(body, dict) else NOT_SENT


def values_in(body: Any) -> Iterator[Any]:
    """Every value inside a JSON body, the nested ones too."""
    if isinstance(body, dict):
        for value in body.values():
            yield from values_in(value)
    elif isinstance(body, list):
        for value in body:
            yield from values_in(value)
    else:
        yield body


def texts_in(body: Any) -> list[str]:
    return [value for value in values_in(body) if isinstance(value, str)]
