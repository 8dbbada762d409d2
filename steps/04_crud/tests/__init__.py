"""Step 04's checks. A package, so that they import their helpers as `.items`, `.calls`
and `.update_advice`: pytest names these modules `steps.04_crud.tests.NAME` (see
`consider_namespace_packages` in pyproject.toml)."""
