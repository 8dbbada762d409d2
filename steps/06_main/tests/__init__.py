"""Step 06's checks. A package, so that they import their helpers as `.routes`,
`.curl_examples`, `.database_file`, `.base_and_engine` and `.uvicorn_server`: pytest names
these modules `steps.06_main.tests.NAME` (see `consider_namespace_packages` in pyproject.toml)."""
