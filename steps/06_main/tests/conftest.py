"""Step 06's fixture: the real application, started.

The fixtures every step shares (run_in_empty_folder, main, database...) are in
steps/conftest.py and the course's plugin; the helpers the checks call are in routes.py,
curl_examples.py, database_file.py, base_and_engine.py and uvicorn_server.py.
"""

from collections.abc import Iterator
from types import ModuleType

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def client(main: ModuleType) -> Iterator[TestClient]:
    """The real application, started: its lifespan runs on entry, as under uvicorn."""
    with TestClient(main.app) as started:
        yield started
