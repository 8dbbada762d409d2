"""Step 03's checks. A package, so that they import their helpers as `.bodies`, `.advice` and
`.refusals`: pytest names these modules `steps.03_schemas.tests.NAME` (see
`consider_namespace_packages` in pyproject.toml).

refusals.py states what it expects with `assert`, as the checks do. pytest rewrites the asserts
of a test module, and of a helper only when told before the helper is imported (here): without
that, its messages would be laid out differently from the checks' own.
"""

import pytest

pytest.register_assert_rewrite(f"{__name__}.refusals")
