"""Valid item values, for the property checks of steps 04 (crud.py) and 05 (router.py).

Both steps send the same kinds of items, so both draw them from here: a fix to what counts as
valid reaches both checks at once.
"""

import string
from typing import Any

from hypothesis import strategies as st

# Titles and descriptions: 1 to 200 characters, some of them beyond ASCII, with no space at
# either end (so the checks also hold for an app that strips whitespace).
ALPHABET = string.ascii_letters + string.digits + string.punctuation + " éüñß€中日🎹"
texts = st.text(ALPHABET, min_size=1, max_size=200).map(str.strip).filter(bool)
prices = st.floats(min_value=0.01, max_value=1_000_000, allow_nan=False, allow_infinity=False)
field_values: dict[str, st.SearchStrategy[Any]] = {
    "title": texts,
    "description": st.none() | texts,
    "price": prices,
    "is_available": st.booleans(),
}
# A complete item, as it could be stored.
complete_items = st.fixed_dictionaries(field_values)
# Any subset of the fields (possibly none), each with a valid value: a PATCH body.
partial_updates = st.fixed_dictionaries({}, optional=field_values)
