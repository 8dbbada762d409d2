"""Step 01's checks. A package, so that they import their helpers as `.sessions` and
`.source`: pytest names these modules `steps.01_database.tests.NAME` (see
`consider_namespace_packages` in pyproject.toml)."""
