"""Fixtures of the grader's attack tests: what of the machine the attacks reach for, and
every hostile submission graded (one pool for all, in namespaces; the fallback without
namespaces by the command line, as an instructor would run it)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from exercises.batch import Batch, grade_batches
from tests.grader_attacks import hostile as h


@pytest.fixture(scope="session")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[h.Host]:
    """A Unix socket listening on the machine (under /run, which runs see read-only; as
    another user than root, in its home folder, which they see read-only too), a root-only
    SQLite database with a secret column name, the path of a file that must never be made,
    a 200 MB sparse file and a root-only secret to hard-link, all outside runs."""
    private = tmp_path_factory.mktemp("host-private")
    private.chmod(0o700)
    visible = Path("/run") if os.access("/run", os.W_OK) else Path.home()
    folder = visible / f"grader-attack-{h.ATTACK_ID}"
    folder.mkdir(mode=0o755)
    found = h.Host(socket_path=folder / "s")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(found.socket_path))
    found.socket_path.chmod(0o777)
    listener.listen()
    listener.settimeout(0.2)
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            with client:
                client.settimeout(1)
                with contextlib.suppress(OSError):
                    found.heard.append(client.recv(100))

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    found.secret_db = private / "secret.db"
    with sqlite3.connect(found.secret_db) as connection:
        connection.execute(f"CREATE TABLE items (TOPSECRET_{h.ATTACK_ID} TEXT)")
    connection.close()
    found.secret_db.chmod(0o600)
    (private / "never").mkdir()
    found.never_made = private / "never" / "made-by-the-grader.db"
    found.big_file = private / "big.bin"
    with found.big_file.open("wb") as big:
        big.truncate(200 * 1024 * 1024)
    found.secret_text = private / "secret.txt"
    found.secret_text.write_text(f"ROOT-ONLY-{h.ATTACK_ID}", encoding="utf-8")
    found.secret_text.chmod(0o600)
    try:
        yield found
    finally:
        stop.set()
        thread.join(2)
        listener.close()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def graded(host: h.Host, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every hostile submission of this folder (and honest ones beside them) graded in one
    pool of two workers, with namespaces: the results by batch, their output folders, and
    the deep trees a grading left in the scratch folder."""
    root = tmp_path_factory.mktemp("attacks")
    batches: dict[str, Batch] = {}

    def batch(name: str, exercise: Any, subs: list[Path]) -> None:
        batches[name] = Batch(exercise, subs, root / f"{name}-out")

    unit = h.limited(h.UNIT, time_limit=30.0)
    forgeries = [
        h.hostile(h.UNIT.starter, root / "forgeries", name, files)
        for name, files in h.UNIT_FORGERIES.items()
    ]
    forgeries.append(h.hostile(h.UNIT.starter, root / "forgeries", "honest_starter", {}))
    batch("forgeries", unit, forgeries)

    put = h.limited(h.PUT, time_limit=h.TIME_LIMIT)
    main = "app/main.py"
    escapes = root / "escapes"
    hard_link = h.hostile(
        h.PUT.starter,
        escapes,
        "hard_link",
        {main: h.appended(h.PUT.starter, main, h.hard_link_reader())},
    )
    os.link(host.secret_text, hard_link / "app" / "notes.txt")
    batch(
        "escapes",
        put,
        [
            h.hostile(h.PUT.starter, escapes, "honest_starter", {}),
            h.hostile(
                h.PUT.starter,
                escapes,
                "app_copies_the_solution",
                {"app/__init__.py": h.APP_COPIES_THE_SOLUTION},
            ),
            h.hostile(
                h.PUT.starter,
                escapes,
                "unix_socket",
                {main: h.appended(h.PUT.starter, main, h.unix_socket_probe(host.socket_path))},
            ),
            h.hostile(
                h.PUT.starter,
                escapes,
                "machine_figures",
                {main: h.appended(h.PUT.starter, main, h.MACHINE_FIGURES_PROBE)},
            ),
            hard_link,
            h.hostile(h.PUT.solution, escapes, "honest_solution", {}),
        ],
    )

    reports = root / "reports"
    noisy = {main: h.appended(h.PUT.starter, main, h.CONTROL_APP)}
    batch(
        "reports",
        put,
        [
            h.hostile(h.PUT.starter, reports, "noisy\x1b[31m\x07", noisy),
            h.hostile(h.PUT.starter, reports, '=HYPERLINK("evil","click")', {}),
            h.hostile(h.PUT.starter, reports, "@SUM(1+1)", {}),
            h.hostile(h.PUT.starter, reports, "-2+3", {}),
        ],
    )

    migration = h.limited(h.MIGRATION, time_limit=20.0)
    revision = "alembic/versions/20261126_add_item_quantity.py"
    links = root / "links"
    batch(
        "links",
        migration,
        [
            h.hostile(
                h.MIGRATION.solution,
                links,
                "database_linked_to_a_secret",
                {revision: h.links_the_database(host.secret_db)},
            ),
            h.hostile(
                h.MIGRATION.solution,
                links,
                "database_linked_to_nowhere",
                {revision: h.links_the_database(host.never_made)},
            ),
        ],
    )

    small_put = h.limited(h.PUT, time_limit=h.TIME_LIMIT, **h.SMALL)
    resources = root / "resources"

    def at_import(name: str, code: str, base: Path = h.PUT.starter) -> Path:
        files: dict[str, str | bytes] = {main: h.appended(base, main, code)}
        if name == "gzip_bomb":
            files["app/bomb.gz"] = h.gzip_bomb()
        return h.hostile(base, resources, name, files)

    batch(
        "resources",
        small_put,
        [
            h.hostile(h.PUT.solution, resources, "honest_solution_0", {}),
            at_import("gzip_bomb", h.BOMB_APP),
            h.hostile(h.PUT.starter, resources, "honest_starter_0", {}),
            at_import("fills_its_area", h.FILLS_ITS_AREA),
            h.hostile(h.PUT.solution, resources, "honest_solution_1", {}),
            at_import("forks_sleepers", h.FORKS_SLEEPERS),
            h.hostile(h.PUT.starter, resources, "honest_starter_1", {}),
            at_import("makes_a_huge_file", h.MAKES_A_HUGE_FILE),
            at_import("leaves_a_deep_tree", h.LEAVES_A_DEEP_TREE),
            h.hostile(h.PUT.solution, resources, "honest_solution_2", {}),
        ],
    )

    small_users = h.limited(h.USERS, time_limit=h.SLOW_MACHINE_LIMIT, **h.SMALL)
    users = root / "users"
    security = "app/security.py"
    batch(
        "files",
        small_users,
        [
            h.hostile(h.USERS.solution, users, "honest_solution_0", {}),
            h.hostile(
                h.USERS.solution,
                users,
                "links_and_fifos",
                {main: h.appended(h.USERS.solution, main, h.links_and_fifos(host.big_file))},
            ),
            h.hostile(h.USERS.starter, users, "honest_starter", {}),
            h.hostile(
                h.USERS.solution,
                users,
                "padded_log",
                {main: h.appended(h.USERS.solution, main, h.PADDED_LOG)},
            ),
            h.hostile(
                h.USERS.solution,
                users,
                "many_tokens",
                {security: h.edited(h.USERS.solution, security, *h.MANY_TOKENS)},
            ),
            h.hostile(h.USERS.solution, users, "honest_solution_1", {}),
        ],
    )

    slow = h.limited(h.PUT, time_limit=h.TIME_LIMIT, check_time_limit=2.0)
    slow_app = {main: h.appended(h.PUT.solution, main, h.SLOW_APP)}
    batch("slow", slow, [h.hostile(h.PUT.solution, root / "slow", "slow_app", slow_app)])

    # Exercise 01 with a hidden check that kills its worker on a marked app.
    killer_root = root / "killer-exercise" / h.PUT.name
    shutil.copytree(h.PUT.root, killer_root, ignore=shutil.ignore_patterns("__pycache__"))
    (killer_root / "tests" / "hidden" / "checks.py").write_text(
        h.kills_its_worker_check_source(), encoding="utf-8"
    )
    killing = dataclasses.replace(put, root=killer_root)
    marked = {main: h.appended(h.PUT.starter, main, "# KILL-THE-WORKER\n")}
    killers = root / "killer"
    batch(
        "killer",
        killing,
        [
            h.hostile(h.PUT.solution, killers, "honest_solution", {}),
            h.hostile(h.PUT.starter, killers, "kills_its_worker", marked),
            h.hostile(h.PUT.starter, killers, "honest_starter", {}),
        ],
    )

    started = time.monotonic()
    results = grade_batches(list(batches.values()), jobs=2)
    elapsed = time.monotonic() - started
    return {
        "results": dict(zip(batches, (dict(r) for r in results), strict=True)),
        "out": {name: b.out for name, b in batches.items()},
        "elapsed": elapsed,
        "deep_trees_left": h.left_in_scratch(h.DEEP_NAME),
    }


@pytest.fixture(scope="session")
def fallback(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The command line grading without namespaces, runs keeping the grader's user (the
    weakest setting): exercise 01 with an app that starts a daemon and one that also kills
    its worker, beside honest ones; exercise 06's solution with a cache folder of its own.
    Then which processes naming the daemons' marker were still alive."""
    root = tmp_path_factory.mktemp("fallback")
    marker = root / f"daemon-{h.ATTACK_ID}"
    main = "app/main.py"
    subs = [
        h.hostile(h.PUT.solution, root, "honest_solution", {}),
        h.hostile(
            h.PUT.starter,
            root,
            "kills_its_worker",
            {main: h.appended(h.PUT.starter, main, h.daemon_code(marker, kill_the_worker=True))},
        ),
        h.hostile(
            h.PUT.starter,
            root,
            "starts_a_daemon",
            {main: h.appended(h.PUT.starter, main, h.daemon_code(marker, kill_the_worker=False))},
        ),
        h.hostile(h.PUT.starter, root, "honest_starter", {}),
    ]
    env = {"GRADER_NO_NAMESPACES": "1", "GRADER_KEEP_USER": "1"}
    api = h.grade_by_command("01_put", subs, root / "out", env, jobs=2)
    alive = h.processes_naming(str(marker))
    cache = root / "cache"
    cache.mkdir()
    unit_env = {"GRADER_NO_NAMESPACES": "1", "XDG_CACHE_HOME": str(cache)}
    solution = h.hostile(h.UNIT.solution, root, "unit_solution", {})
    # The solution's tests need a few seconds of CPU, and the fallback builds Hypothesis's
    # tables afresh: the exercise's own limit, not the small one of the attacks.
    unit = h.grade_by_command(
        "06_property_tests", [solution], root / "unit-out", unit_env, 1, h.UNIT.time_limit
    )
    try:
        yield {
            "api": api,
            "unit": unit,
            "results": h.results_of(root / "out", ["honest_solution", "kills_its_worker"])
            | h.results_of(root / "out", ["starts_a_daemon", "honest_starter"]),
            "unit_results": h.results_of(root / "unit-out", ["unit_solution"]),
            "alive": alive,
            "out": root / "out",
            "cache": cache,
        }
    finally:
        for pid in h.processes_naming(str(marker)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
