"""What the repository checks in `tests/` are built from: importable modules, one job each.

The test modules keep the checks and their fixtures; the code the checks need (a README
reader, the bug museum's client, a browser driving Swagger UI, ...) lives here, where it is
linted, type-checked and imported as `tests.helpers.NAME`. pytest collects nothing here:
no module is called `test_*.py`.
"""
