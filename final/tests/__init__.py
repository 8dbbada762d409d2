"""final's checks. A package, so that they import `item_bodies.py` as `.item_bodies`: pytest
names it `final.tests.item_bodies` (see `consider_namespace_packages` in pyproject.toml)."""
