"""Starts your app for the public tests: uvicorn, in a temporary folder, on a fresh database
(or on the one a test module's own `server_folder` fixture prepares).

Your project is the folder that contains tests/ (and app/). To test another folder, set
EXERCISE_PROJECT=/path/to/project.
"""

# The one source of every exercise's tests/public/conftest.py: `python -m exercises.release`
# writes it there. An exercise whose app must start on a database that already holds data
# (04) gives its own `server_folder` fixture in its public test module.

import os
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


@pytest.fixture(scope="session")
def project() -> Path:
    """Your project folder: EXERCISE_PROJECT, or the folder that holds tests/public/."""
    given = os.environ.get("EXERCISE_PROJECT")
    return Path(given).resolve() if given else Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def server_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder your app is started in: its app.db is created here, not in your project."""
    return tmp_path_factory.mktemp("server")


@pytest.fixture(scope="session")
def client(project: Path, server_folder: Path) -> Iterator[httpx.Client]:
    """An HTTP client for your app, served on 127.0.0.1 with the database of server_folder."""
    if not (project / "app").is_dir():
        pytest.exit(f"No app/ folder in {project}: run pytest from your project folder.")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--app-dir", str(project)]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--log-level", "warning"],
        cwd=server_folder,
        stderr=subprocess.PIPE,
        text=True,
    )
    # What the app prints goes on to pytest (shown under a failing test) and its last lines
    # are kept, to say why the app stopped if it cannot start.
    last_lines: deque[str] = deque(maxlen=25)

    def relay() -> None:
        assert server.stderr is not None
        for line in server.stderr:
            last_lines.append(line)
            sys.stderr.write(line)

    relaying = threading.Thread(target=relay, daemon=True)
    relaying.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            if server.poll() is not None:
                relaying.join(timeout=2)
                pytest.exit(
                    f"Your app stopped while starting (exit code {server.returncode}). "
                    f"The end of what it printed:\n{''.join(last_lines)}"
                )
            try:
                httpx.get(base_url + "/docs", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.exit("Your app did not start within 20 s.")
                time.sleep(0.1)
        with httpx.Client(base_url=base_url, timeout=10) as http:
            yield http
    finally:
        server.terminate()
        server.wait()
