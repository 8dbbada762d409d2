"""Step 05's checks. A package, so that they import their helpers as `.routes` and
`.answers`: pytest names these modules `steps.05_router.tests.NAME` (see
`consider_namespace_packages` in pyproject.toml)."""
