"""Public tests of exercise 04: run them with `pytest tests/public` from your project.

Your app is started (by conftest.py) on a database that your Alembic revisions migrated:
it was at revision 0001 holding one item, then went through `alembic upgrade head`.
"""

import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

ITEMS = "/api/v1/items/"
EXISTING_ITEM = {"title": "Desk lamp", "description": "warm white", "price": 35.0}


def alembic(project: Path, workdir: Path, *args: str) -> None:
    """Run `alembic ARGS` on WORKDIR/app.db with your alembic.ini; stop with its output."""
    command = [sys.executable, "-m", "alembic", "-c", str(project / "alembic.ini"), *args]
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.exit(f"`alembic {' '.join(args)}` failed:\n{done.stdout}{done.stderr}")


@pytest.fixture(scope="session")
def server_folder(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose app.db was at revision 0001 with one item, then upgraded to head (the
    app is started in it instead of an empty folder)."""
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


def test_the_item_stored_before_the_migration_has_quantity_0(client: httpx.Client) -> None:
    response = client.get(f"{ITEMS}1")
    assert response.status_code == 200, f"GET {ITEMS}1 answered {response.status_code}"
    item = response.json()
    assert item.get("title") == "Desk lamp", "the existing item was lost or changed"
    assert item.get("quantity") == 0, (
        f"After `alembic upgrade head`, the item stored before should have quantity 0; it "
        f"reads {item}. Does your migration give the new column a server default?"
    )


def test_a_new_item_defaults_to_quantity_0(client: httpx.Client) -> None:
    response = client.post(ITEMS, json={"title": "Mug", "price": 4.5})
    assert response.status_code == 201, response.text
    assert response.json().get("quantity") == 0, response.json()


def test_a_negative_quantity_is_refused(client: httpx.Client) -> None:
    response = client.post(ITEMS, json={"title": "Mug", "price": 4.5, "quantity": -1})
    assert response.status_code == 422, "quantity must be 0 or more"
