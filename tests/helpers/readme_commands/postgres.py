"""The throwaway PostgreSQL server of `.ci/postgres`, and the databases that README commands
naming `user@host/DATABASE` get on it."""

from __future__ import annotations

import glob
import re
import subprocess
from dataclasses import dataclass

import psycopg

from tests.helpers.readme_commands.environment import clean_environment
from tests.helpers.repository import REPO_ROOT


@dataclass(frozen=True)
class PostgresServer:
    """Where the server is ("user@host:port"), or None and why there is none."""

    address: str | None = None
    problem: str = "no PostgreSQL server"


def start_postgres() -> PostgresServer:
    """Start (or find) the throwaway PostgreSQL server of `.ci/postgres`."""
    if not glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"):
        return PostgresServer(
            problem=(
                "no PostgreSQL server is installed (Debian/Ubuntu: sudo apt-get install "
                "postgresql); .ci/run installs one"
            )
        )
    started = subprocess.run(
        ["bash", ".ci/postgres"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_environment(),
    )
    found = re.search(r"COURSE_POSTGRES_URL=postgresql\+psycopg://([^/\s]+)/", started.stdout)
    if started.returncode != 0 or found is None:
        raise RuntimeError(f"bash .ci/postgres failed:\n{started.stdout}{started.stderr}")
    return PostgresServer(found[1])


def create_empty_database(address: str, name: str) -> str:
    """A new empty database NAME on the server (dropped first if it exists); the URL of the
    server's maintenance database, from which `drop_database` drops it again."""
    url = f"postgresql://{address}/postgres"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return url


def drop_database(url: str, name: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
