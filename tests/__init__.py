"""Repository checks. A package, so that its helper modules import as `tests.NAME` for
pytest and mypy alike.

pytest rewrites the asserts of test modules only; the helpers under tests/helpers/ state what
they expect with assert too, so they are registered here, before any of them is imported, and
fail with the same detail as a check.
"""

import pytest

pytest.register_assert_rewrite("tests.helpers")
