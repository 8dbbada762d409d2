"""Step 07's checks. A package, so that they import their helpers as `.migrations`,
`.tables` and `.command_line`: pytest names these modules `steps.07_alembic.tests.NAME`
(see `consider_namespace_packages` in pyproject.toml)."""
