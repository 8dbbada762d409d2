"""Migrates a database that already holds an item with your Alembic revisions, then starts
your app on it (uvicorn, in a temporary folder).

Your project is the folder that contains tests/ (and app/, alembic/, alembic.ini). To test
another folder, set EXERCISE_PROJECT=/path/to/project.
"""

import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

EXISTING_ITEM = {"title": "Desk lamp", "description": "warm white", "price": 35.0}


def project_dir() -> Path:
    given = os.environ.get("EXERCISE_PROJECT")
    return Path(given).resolve() if given else Path(__file__).resolve().parents[2]


def alembic(project: Path, workdir: Path, *args: str) -> None:
    """Run `alembic ARGS` on WORKDIR/app.db with your alembic.ini; stop with its output."""
    command = [sys.executable, "-m", "alembic", "-c", str(project / "alembic.ini"), *args]
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.exit(f"`alembic {' '.join(args)}` failed:\n{done.stdout}{done.stderr}")


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose app.db was at revision 0001 with one item, then upgraded to head."""
    project = project_dir()
    if not (project / "alembic.ini").is_file():
        pytest.exit(f"No alembic.ini in {project}: run pytest from your project folder.")
    workdir = tmp_path_factory.mktemp("server")  # app.db is created here, not in your project
    alembic(project, workdir, "upgrade", "0001")
    with sqlite3.connect(workdir / "app.db") as connection:
        connection.execute(
            "INSERT INTO items (title, description, price, is_available) VALUES (?, ?, ?, 1)",
            tuple(EXISTING_ITEM.values()),
        )
    connection.close()
    alembic(project, workdir, "upgrade", "head")
    return workdir


@pytest.fixture(scope="session")
def client(migrated: Path) -> Iterator[httpx.Client]:
    """An HTTP client for your app, served on 127.0.0.1 on the migrated database."""
    project = project_dir()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--app-dir", str(project)]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--log-level", "warning"],
        cwd=migrated,
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
