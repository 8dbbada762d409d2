"""Step 07's checks. A package, so that they import their helpers as `.migrations`,
`.tables`, `.command_line`, `.alembic_project`, `.history` and `.env_calls`: pytest names
these modules `steps.07_alembic.tests.NAME` (see `consider_namespace_packages` in
pyproject.toml)."""
