"""Repository checks. A package, so that its helper modules import as `tests.NAME` for
pytest and mypy alike."""
