"""Step 01's fixture: how many of the app engine's connections are in use.

The fixtures every step shares come from steps/conftest.py and the course's plugin
(`database`, `target`...); the helpers the checks call are in sessions.py and source.py.
"""

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import event


@pytest.fixture
def connections_in_use(database: ModuleType) -> Iterator[list[int]]:
    """A one-element list holding how many of the engine's connections are checked out."""
    in_use = [0]

    def checked_out(*_: Any) -> None:
        in_use[0] += 1

    def checked_in(*_: Any) -> None:
        in_use[0] -= 1

    event.listen(database.engine, "checkout", checked_out)
    event.listen(database.engine, "checkin", checked_in)
    yield in_use
    event.remove(database.engine, "checkout", checked_out)
    event.remove(database.engine, "checkin", checked_in)
