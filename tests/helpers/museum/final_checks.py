"""final's own checks, which the exhibits run on the article's app.

Each is the very module object pytest uses for final's checks (`final.tests.NAME`). They are
imported by name, so that mypy sees modules of unknown content: the museum hands final's
checks its own client where their annotations say TestClient, and it only has to behave
like one.
"""

import importlib
from types import ModuleType


def final_tests_module(name: str) -> ModuleType:
    """final/tests/<name>.py, as pytest imports it."""
    return importlib.import_module(f"final.tests.{name}")


final_conftest = final_tests_module("conftest")
item_bodies = final_tests_module("item_bodies")
patch_properties = final_tests_module("test_patch_properties")
state_machine = final_tests_module("test_state_machine")
