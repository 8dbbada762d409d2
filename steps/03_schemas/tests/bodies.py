"""The bodies the checks send to the schemas, as Hypothesis strategies: bodies a client may
send (create_bodies for ItemCreate, update_bodies for ItemUpdate, valid_values for an Item
object) and the values the API must refuse (bad_titles, bad_prices).

Used by the properties of test_schemas.py. They differ on purpose from
items_course/item_values.py (steps 04 and 05, whose texts have no space at either end, so
that they also suit an app that strips them): a schema must keep any text a client may
send, spaces included, and take a price of any size, whole or fractional.
"""

from typing import Any

from hypothesis import strategies as st

# --- Bodies a client may send -----------------------------------------------------------
# Any character a database can store: whatever UTF-8 can encode (so no lone surrogate such
# as "\ud800"), except NUL, which no database keeps (a hardened app refuses both).
storable = st.characters(codec="utf-8", exclude_characters="\x00")


def texts(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    """Texts in any alphabet, from min_size to max_size characters long."""
    return st.text(storable, min_size=min_size, max_size=max_size)


titles = texts(1, 200)
descriptions = st.none() | texts(0, 500)
# JSON numbers: fractional or whole, always finite and above zero.
prices = st.floats(min_value=0, exclude_min=True, allow_nan=False, allow_infinity=False) | (
    st.integers(min_value=1, max_value=10**9)
)
valid_values: dict[str, st.SearchStrategy[Any]] = {
    "title": titles,
    "description": descriptions,
    "price": prices,
    "is_available": st.booleans(),
}
# A POST body: title and price always, description and is_available sometimes.
create_bodies = st.fixed_dictionaries(
    {"title": titles, "price": prices},
    optional={"description": descriptions, "is_available": st.booleans()},
)
# A PATCH body: any subset of the four fields (maybe none), each with a valid value.
update_bodies = st.fixed_dictionaries({}, optional=valid_values)

# --- Values the API must refuse -----------------------------------------------------------
bad_titles = st.just("") | texts(201, 400)
# Zero and below; infinities are left out on purpose (that question belongs to final/).
bad_prices = st.floats(max_value=0, allow_nan=False, allow_infinity=False) | st.integers(
    max_value=0
)
