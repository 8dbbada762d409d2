"""Valid item values, and what a partial update got wrong, for the checks of steps 04
(crud.py) and 05 (router.py).

Both steps send the same kinds of items and judge an update the same way, so both draw on
this module: a fix to what counts as valid, or to how a wrong field is reported, reaches both
steps at once.
"""

import string
from typing import Any

from hypothesis import strategies as st

FIELDS = ("title", "description", "price", "is_available")

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


def differences(before: dict[str, Any], sent: dict[str, Any], after: dict[str, Any]) -> str:
    """One line per field that does not hold what a partial update should leave there.

    `after` may lack a field (an answer that leaves it out): that field is reported as None.
    """
    lines: list[str] = []
    for field in FIELDS:
        expected = sent.get(field, before[field])
        if after.get(field) == expected:
            continue
        if field in sent:
            lines.append(f"  {field}: sent {expected!r}, but it holds {after.get(field)!r}")
        else:
            lines.append(
                f"  {field}: was not sent, yet it changed from {before[field]!r} to "
                f"{after.get(field)!r}"
            )
    return "\n".join(lines)
