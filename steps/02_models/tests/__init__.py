"""Step 02's checks. A package, so that they import their helpers as `.tables`,
`.declarations` and `.rows`: pytest names these modules `steps.02_models.tests.NAME` (see
`consider_namespace_packages` in pyproject.toml)."""
