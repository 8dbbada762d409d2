"""Loads the course's pytest plugin, which lives in steps/items_course/ (see its plugin.py).

`pip install -e .` makes `items_course` importable; a checkout that was not installed (the
README's commands run in a copy of the repository) finds it here all the same.
"""

import importlib.util
import sys
from pathlib import Path

_PACKAGE = Path(__file__).parent / "steps" / "items_course"

if "items_course" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "items_course", _PACKAGE / "__init__.py", submodule_search_locations=[str(_PACKAGE)]
    )
    assert _spec is not None
    assert _spec.loader is not None
    sys.modules["items_course"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["items_course"])

pytest_plugins = ["items_course.plugin"]
