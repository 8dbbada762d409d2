"""Running the blocks: the commands of a block in order, in its own copy; the blocks in
parallel.

The blocks run one per CPU core and at least two at a time, each in its own copy and on its
own port; every test then waits for its own block. The slowest blocks are started first:
their durations are remembered in pytest's cache (`CACHE_DURATIONS`).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from tests.helpers.readme_commands.outcomes import Outcome, Result
from tests.helpers.readme_commands.output import output_failure
from tests.helpers.readme_commands.parser import Block
from tests.helpers.readme_commands.processes import COMMAND_TIMEOUT, tail
from tests.helpers.readme_commands.server import SERVER, on_port, probe, serve
from tests.helpers.readme_commands.workspace import (
    Shared,
    Unavailable,
    Workspace,
    drop_databases,
    exercise_project,
    fastapi_crud,
    in_project_folder,
    make_workspace,
    on_postgres,
    project_description,
    submissions,
)

CACHE_DURATIONS = "readme_commands/durations"
JOBS = max(2, os.cpu_count() or 1)


def run_session(block: Block, ws: Workspace, shared: Shared) -> Outcome:
    """Type a ```pycon block into `python` in the project folder, as doctest does: each
    `>>>` line runs, and what it prints must be what the block shows."""
    cwd = fastapi_crud(ws, block)
    where = project_description(block)
    session = ws.logs / "session.txt"
    # Blank lines first, so that doctest's line numbers are the README's.
    session.write_text("\n" * block.line + block.session, encoding="utf-8")
    text = f"python -m doctest -o ELLIPSIS {session}"
    outcome = Outcome(block.commands[0], text, where, None, 0)
    log = ws.logs / "session.log"
    started = time.monotonic()
    outcome.status = shared.processes.run(text, cwd, ws.env, log)
    if outcome.status == -1:
        outcome.failure = f"it did not finish within {COMMAND_TIMEOUT} s"
    elif outcome.status != 0:
        outcome.failure = (
            "what Python printed differs from what the block shows (doctest's report below: "
            "'Expected' is the README, 'Got' what Python printed)"
        )
    outcome.output = tail(log)
    outcome.seconds = time.monotonic() - started
    return outcome


def run_block(block: Block, shared: Shared) -> Result:
    """Run the commands of a block, in order, in a fresh copy of the repository."""
    started = time.monotonic()
    ws = make_workspace(block, shared)
    exercise = re.fullmatch(r"exercises/(\d\d_\w+)/README\.md", block.readme)
    outcomes: list[Outcome] = []
    printed: list[Path] = []  # the logs of the commands whose output the README may show
    servers: list[subprocess.Popen[bytes]] = []  # left running for the commands after them
    port: int | None = None
    try:
        if block.language == "pycon":
            outcomes.append(run_session(block, ws, shared))
        for index, command in enumerate(block.commands if block.language == "bash" else ()):
            text, cwd, where = command.text, ws.root, "the repository root"
            expected = block.marker.status if block.marker else 0
            code = command.code
            in_project = in_project_folder(block, command)
            try:
                if "~/fastapi-crud" in code:
                    fastapi_crud(ws, block)
                if in_project and exercise:
                    cwd = exercise_project(ws, exercise[1])
                    where = f"~/{exercise[1]} (the exercise released, its solution copied over)"
                elif in_project:
                    cwd, where = fastapi_crud(ws, block), project_description(block)
                if "submissions/" in code:
                    submissions(ws, text)
                if "user@host" in code:
                    text = on_postgres(ws, text, shared)
                if port is not None:
                    text = on_port(text, port)
            except Unavailable as why:
                outcomes.append(Outcome(command, text, where, None, expected, skipped=str(why)))
                continue
            log = ws.logs / f"command{index + 1}.log"
            outcome = Outcome(command, text, where, None, expected)
            command_started = time.monotonic()
            if SERVER.search(code):
                outcome.expected = None
                process, server_port = serve(text, cwd, ws.env, log, shared.processes)
                if index + 1 < len(block.commands):
                    # Commands follow it, as if typed in a second terminal: the server stays
                    # up for them, on an API they alone change.
                    servers.append(process)
                    port = server_port
                    outcome.failure = probe(server_port, process, try_the_api=False)
                else:
                    try:
                        outcome.failure = probe(server_port, process)
                    finally:
                        shared.processes.stop(process)
            else:
                outcome.status = shared.processes.run(text, cwd, ws.env, log)
                printed.append(log)
                if outcome.status == -1:
                    outcome.failure = f"it did not finish within {COMMAND_TIMEOUT} s"
                elif outcome.status != expected:
                    outcome.failure = f"it exited with status {outcome.status}, not {expected}"
            outcome.output = tail(log)
            outcome.seconds = time.monotonic() - command_started
            outcomes.append(outcome)
            if outcome.failure:
                break
    finally:
        for process in servers:
            shared.processes.stop(process)
        drop_databases(ws)
    failure = output_failure(block, outcomes, printed)
    return Result(block, ws.root, outcomes, time.monotonic() - started, failure)


class Runner:
    """Runs the selected blocks in parallel, as soon as the first test asks."""

    def __init__(self, blocks: list[Block], shared: Shared, durations: dict[str, float]) -> None:
        self.shared = shared
        self.pool = ThreadPoolExecutor(max_workers=JOBS)
        ordered = sorted(blocks, key=lambda block: -durations.get(block.id, 0.0))
        self.futures: dict[str, Future[Result]] = {
            block.id: self.pool.submit(run_block, block, shared) for block in ordered
        }

    def result(self, block: Block) -> Result:
        return self.futures[block.id].result()

    def close(self) -> dict[str, float]:
        """Stop what still runs; the durations of the blocks that finished."""
        for future in self.futures.values():
            future.cancel()
        self.shared.processes.stop_all()
        self.pool.shutdown(wait=True)
        return {
            block_id: future.result().seconds
            for block_id, future in self.futures.items()
            if future.done() and not future.cancelled() and future.exception() is None
        }
