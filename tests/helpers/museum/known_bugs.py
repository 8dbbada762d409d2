"""The article's known bugs, each told apart by the requests that show it (by what they send).

final/README.md numbers them; the museum has an exhibit for bugs 1 to 7.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from tests.helpers.museum.exchanges import ITEMS, NOT_SENT, field_of, texts_in, values_in

_TYPE_OF_FIELD: dict[str, TypeAdapter[Any]] = {
    "price": TypeAdapter(float),
    "is_available": TypeAdapter(bool),
}


def converted_from_another_json_type(name: str, value: Any) -> bool:
    """Whether Pydantic's lax mode turns `value` into the field's type, but strict mode not.

    "12" or true for a price, 1 or "yes" for is_available: the article's app converts them.
    """
    adapter = _TYPE_OF_FIELD.get(name)
    if adapter is None or value is NOT_SENT:
        return False
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    try:
        adapter.validate_python(value, strict=True)
    except ValidationError:
        return True
    return False


@dataclass(frozen=True)
class KnownBug:
    """A bug of the article's app, and which requests show it (by what they send)."""

    name: str
    shown_by: Callable[[Any], bool]  # the request's JSON body -> whether it shows the bug
    # (method, URL) -> whether the request shows the bug, whatever its body.
    shown_by_request: Callable[[str, str], bool] = lambda _method, _url: False


NULL_AVAILABILITY = KnownBug(
    'bug 1: PATCH {"is_available": null} stores NULL; every later read of the item is a 500',
    lambda body: field_of(body, "is_available") is None,
)
NULL_TITLE_OR_PRICE = KnownBug(
    'bug 2: PATCH {"title": null} or {"price": null} is a 500 (NOT NULL constraint)',
    lambda body: None in (field_of(body, "title"), field_of(body, "price")),
)
TITLE_OUTSIDE_THE_RULES = KnownBug(
    "bug 3: PATCH accepts an empty title, or one over 200 characters (ItemUpdate skips "
    "the rules of ItemCreate)",
    lambda body: isinstance(title := field_of(body, "title"), str) and not 1 <= len(title) <= 200,
)
NON_FINITE_NUMBER = KnownBug(
    "bug 4: a price of Infinity is stored and shown as null; a 422 that repeats a "
    "non-finite number is a 500",
    lambda body: any(
        isinstance(value, float) and not math.isfinite(value) for value in values_in(body)
    ),
)
NUL_IN_TEXT = KnownBug(
    "bug 6: a title holding the NUL character is accepted and stored (final/ answers 422; "
    "PostgreSQL cannot store it and answers 500)",
    lambda body: any("\x00" in text for text in texts_in(body)),
)
LARGEST_ID = 2_147_483_647


def id_in(url: str) -> int | None:
    """The item id at the end of an /items/{id} URL, or None for other URLs."""
    tail = url.removeprefix(ITEMS)
    return int(tail) if tail != url and tail.lstrip("-").isdigit() else None


def beyond_64_bits(item_id: int | None) -> bool:
    return item_id is not None and not -(2**63) <= item_id < 2**63


ID_BEYOND_64_BITS = KnownBug(
    "bug 5: an id beyond 64 bits (GET /items/99999999999999999999999) is a 500: it overflows "
    "the SQLite driver's integers",
    lambda _body: False,
    lambda _method, url: beyond_64_bits(id_in(url)),
)
# Found by the same checks, listed in final/README.md, but without an exhibit here.
IMPOSSIBLE_ID_IS_A_404 = KnownBug(
    "an id outside 1..2147483647 that fits in 64 bits (0, -1, 2147483648) is a 404; final/ "
    "answers 422",
    lambda _body: False,
    lambda _method, url: (
        (item_id := id_in(url)) is not None
        and not 1 <= item_id <= LARGEST_ID
        and not beyond_64_bits(item_id)
    ),
)
NO_PUT_ROUTE = KnownBug(
    "PUT /items/{id} is a 405: the article has no PUT",
    lambda _body: False,
    lambda method, _url: method == "PUT",
)
LONE_SURROGATE = KnownBug(
    "a lone UTF-16 surrogate in a text is a 500",
    lambda body: any("\ud800" <= char <= "\udfff" for text in texts_in(body) for char in text),
)
WRONG_JSON_TYPE = KnownBug(
    'a value of the wrong JSON type is converted ("12" for a price, 1 for is_available)',
    lambda body: any(
        converted_from_another_json_type(name, field_of(body, name))
        for name in ("price", "is_available")
    ),
)
KNOWN_BUGS = (
    NULL_AVAILABILITY,
    NULL_TITLE_OR_PRICE,
    TITLE_OUTSIDE_THE_RULES,
    NON_FINITE_NUMBER,
    NUL_IN_TEXT,
    ID_BEYOND_64_BITS,
    LONE_SURROGATE,
    WRONG_JSON_TYPE,
    IMPOSSIBLE_ID_IS_A_404,
    NO_PUT_ROUTE,
)
# Seen in the order of a list, whatever the requests send: no input shows it.
NO_ORDER_BY = KnownBug(
    "bug 7: the list has no ORDER BY, so the database decides the order of a page",
    lambda _body: False,
)
