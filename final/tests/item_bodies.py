"""Request bodies for the property tests and the state machine: valid ones, and invalid ones;
and an item as the API shows it.

The rules, as final/README.md states them:
- title: text of 1 to 200 characters; never null;
- description: text, or null (which clears it);
- price: a finite number above zero; never null;
- is_available: true or false; never null;
- no text may hold the NUL character or a lone UTF-16 surrogate (no database stores them).
"""

import json
import math
from typing import Any

from hypothesis import strategies as st

FIELDS = ("title", "description", "price", "is_available")
DEFAULTS = {"description": None, "is_available": True}

# --- Valid values ---------------------------------------------------------------------
# Any character a database can store: everything UTF-8 can encode (so no lone surrogate),
# but NUL.
storable = st.characters(codec="utf-8", exclude_characters="\x00")
titles = st.text(storable, min_size=1, max_size=200)
descriptions = st.none() | st.text(storable, max_size=300)
# JSON numbers above zero: fractions, tiny and huge ones, and whole numbers (which JSON
# readers keep exact up to 2**53; beyond that a float would round them).
prices = st.floats(min_value=0, exclude_min=True, allow_nan=False, allow_infinity=False) | (
    st.integers(min_value=1, max_value=10**6)
)
valid_values: dict[str, st.SearchStrategy[Any]] = {
    "title": titles,
    "description": descriptions,
    "price": prices,
    "is_available": st.booleans(),
}
# A POST (or PUT) body: title and price always, the optional fields sometimes.
new_items = st.fixed_dictionaries(
    {"title": titles, "price": prices},
    optional={"description": descriptions, "is_available": st.booleans()},
)
# A PATCH body: any subset of the four fields (maybe none), each with a valid value.
patches = st.fixed_dictionaries({}, optional=valid_values)

# --- Invalid values -------------------------------------------------------------------
some_text = st.text(max_size=20)
with_nul = st.tuples(some_text, some_text).map("\x00".join)
with_lone_surrogate = st.tuples(some_text, st.characters(categories=["Cs"]), some_text).map("".join)
unstorable_text = with_nul | with_lone_surrogate
non_finite = st.sampled_from([math.inf, -math.inf, math.nan])
# JSON values of the wrong type for each field (JSON has no other types than these).
numbers = st.integers() | st.floats()
containers = st.lists(st.integers(), max_size=2) | st.dictionaries(
    st.text(max_size=3), st.integers(), max_size=2
)

invalid_values: dict[str, st.SearchStrategy[Any]] = {
    "title": st.one_of(
        st.none(),
        st.just(""),
        st.text(storable, min_size=201, max_size=250),
        unstorable_text,
        numbers,
        st.booleans(),
        containers,
    ),
    "description": st.one_of(unstorable_text, numbers, st.booleans(), containers),
    "price": st.one_of(
        st.none(),
        st.floats(max_value=0),  # zero, negative, and -infinity
        st.integers(max_value=0),
        non_finite,
        st.text(max_size=10),  # even "12": a price is a JSON number, not text
        st.booleans(),
        containers,
    ),
    "is_available": st.one_of(
        st.none(),
        numbers,  # even 0 and 1: a JSON boolean is true or false
        st.text(max_size=10),
        containers,
    ),
}


@st.composite
def invalid_patches(draw: st.DrawFn, field: str) -> dict[str, Any]:
    """PATCH bodies whose `field` is invalid; the other fields sent (if any) are valid."""
    others = {name: strategy for name, strategy in valid_values.items() if name != field}
    body = draw(st.fixed_dictionaries({}, optional=others))
    body[field] = draw(invalid_values[field])
    return body


def as_json_text(body: Any) -> str:
    """`body` as JSON text, the way Python's own json module writes (and reads) it.

    Python's json accepts NaN, Infinity and -Infinity, and spells a lone surrogate as
    "\\ud800": a client can send all of them, so the checks do too.
    """
    return json.dumps(body)


def expected_after_create(body: dict[str, Any]) -> dict[str, Any]:
    """The item the API should store for a POST or PUT `body` (without its id)."""
    return {**DEFAULTS, **body}


def as_json(item: Any) -> dict[str, Any]:
    """An ORM item as the API shows it: its id and its four fields."""
    return {"id": item.id, **{field: getattr(item, field) for field in FIELDS}}
