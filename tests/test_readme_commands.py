"""Every command a README tells you to type, run.

The READMEs (`README.md`, `steps/README.md`, `steps/*/README.md`, `final/README.md`,
`exercises/README.md` and `exercises/*/README.md`) show the commands to type in fenced
```` ```bash ```` blocks, and what to type into Python in ```` ```pycon ```` blocks. This
module runs every block in a fresh temporary copy of the repository, one test per block
(for example `test_readme_block[steps/07_alembic/README.md::block2]`), so that a README
cannot drift from the code: when a command stops working, a test fails, shows the command,
where it ran, its exit status and the end of its output, and names the README line to fix.

Reading a block
    Each line of a bash block is a command, except blank lines and comment lines; a line
    that ends in `\\` continues on the next one. A trailing `# comment` is for the reader
    (bash ignores it). The commands of a block run in order in the same copy, since a
    later one may use what an earlier one wrote, each in a new `bash -c`; the block stops
    at the first command that fails. A copy holds the files a commit would hold (`git
    ls-files --cached --others --exclude-standard`): the tracked files as they are in the
    working tree, and new files that git does not ignore.

What a block prints
    A ```` ```text ```` block right after a bash block (nothing but blank lines between)
    shows what its commands print, and must match it: the output of each command that is
    not a server (standard output and standard error, as in a terminal), one after the
    other, line by line, trailing spaces ignored. In the text, a line that is only `...`
    stands for any number of lines, and `...` inside a line for any text (an address, a
    version number): keep to it what changes from run to run.

A Python session
    A ```` ```pycon ```` block is typed into `python` started in the project folder: each
    `>>> ` line (with its `... ` continuation lines) runs, and what Python prints must be
    the lines under it. It is run by doctest (`python -m doctest -o ELLIPSIS`), so `...`
    inside an expected line stands for any text, and a traceback is matched on its first
    line and its last lines (the exception), not on the stack between them.

Where a command runs
    In the root of the copy (the repository root), unless the command's own comment or the
    sentence that leads into its block says "your project folder" (or "your own project
    folder"): then in the project stand-in of the table below. A Python session always
    runs in the project stand-in.

The shell a command gets
    The one of a reader who activated the virtual environment: the copy's `.venv/bin` first
    on `PATH` and `VIRTUAL_ENV` set (so bare `pytest`, `alembic` and `python` are the
    venv's), `HOME` a temporary folder, and none of the variables the test run itself may
    have set (`HYPOTHESIS_PROFILE`, `COURSE_POSTGRES_URL`, `DATABASE_URL`, and those of
    coverage, pytest and pip).

Servers
    A command that runs `uvicorn` is started in the background. The test waits until
    `/docs` answers (up to three minutes, enough for the set-up chained in front of it in
    the root README), creates an item with POST and reads it back with GET, and stops the
    server with Ctrl+C (SIGINT). A server that exits or never answers fails the test, with
    its output in the message. When more commands follow it in its block (a reader types
    them in a second terminal), the server only has to answer `/docs`, nothing is created
    on it, and it keeps running until the block's last command has finished; those
    commands reach it at their `127.0.0.1:8000` (or `localhost:8000`), which the test
    points at the server's own port.

Markers
    The last non-blank line before a block may be one of two markers, written in italics so
    that a reader sees them too:

    `*Not run by the tests: REASON*`
        The block is not run; its test is skipped and shows REASON.
    `*Fails on purpose (exit status N): REASON*`
        Every command of the block must exit with status N (for pytest, 1 means "some
        tests failed"); any other status, 0 included, fails the test.

    Any other line that starts with `*` and speaks of "not run", "run by the tests", "on
    purpose" or an "exit status" is a malformed marker, and so is a marker that does not
    lead straight into a bash block: `test_markers_are_well_formed` fails on either. Keep
    unrun blocks rare, each with a real reason.

Stand-ins for what only a reader has

    ===============================  ===========================================================
    in a README                      in the test
    ===============================  ===========================================================
    `~` (your home folder)           a new empty folder of the test, as `HOME`
    `~/fastapi-crud` (your project)  in `steps/NN_name/README.md`: what the snapshot
                                     `steps/NN_name` holds of `app/`, `alembic/` and
                                     `alembic.ini`, a learner who finished that step; in
                                     its "Write it" section, the same from the step
                                     before (empty before step 01), a learner writing
                                     the step; elsewhere from `steps/07_alembic`, a
                                     learner who finished the course
    "your project folder" in         `~/fastapi-crud`
    the root README, `steps/`,
    `final/`, `exercises/README.md`
    "your project folder" in         `~/NN_name`, written by `python -m exercises.release
    `exercises/NN_name/README.md`    NN_name --out ~/NN_name` (the learner's copy), with the
                                     exercise's `solution/` copied over it: a learner who
                                     finished the exercise
    `submissions/*`                  `submissions/starter` and `submissions/solution`: the
                                     starter and the solution of the exercise the command
                                     grades, handed in by two learners
    `user@host` in a PostgreSQL URL  the throwaway server of `.ci/postgres` (started once,
                                     before the blocks run), holding a new empty database of
                                     the URL's name, dropped afterwards; without PostgreSQL
                                     installed, the command is skipped
    port 8000, uvicorn's default     a free port, given through `UVICORN_PORT`: the command
                                     itself is run as written
    what `pip install` downloads     the packages of the repository's `.venv` (see below)
    ===============================  ===========================================================

The virtual environment of a copy
    A copy's `.venv` borrows the packages installed in the `.venv` of the interpreter
    running the tests (a fresh machine would download them), all but the installers (pip,
    setuptools, wheel) and the project's own editable install, which `python3 -m venv .venv`
    and `pip install -e .` put in place as on a fresh machine. pip runs offline
    (`PIP_NO_INDEX=1`): a requirement the repository's `.venv` does not satisfy makes the
    command fail instead of downloading it. How, and why a view of site-packages:
    `tests/helpers/readme_commands/venv.py`.

Time
    The blocks run in parallel, the slowest first, each in its own copy and on its own
    port; every test then waits for its own block.

Where the code is
    `tests/helpers/readme_commands/`, one module a job (its `__init__.py` lists them); this
    module keeps the tests and the fixture that starts the blocks.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.readme_commands import RULES
from tests.helpers.readme_commands.environment import INSIDE
from tests.helpers.readme_commands.outcomes import explain
from tests.helpers.readme_commands.output import output_matches
from tests.helpers.readme_commands.parser import Block, all_blocks, parse_readme, readme_paths
from tests.helpers.readme_commands.postgres import start_postgres
from tests.helpers.readme_commands.runner import CACHE_DURATIONS, Runner
from tests.helpers.readme_commands.venv import make_wheelhouse
from tests.helpers.readme_commands.workspace import Shared
from tests.helpers.repository import REPO_ROOT

pytestmark = pytest.mark.skipif(
    INSIDE in os.environ, reason="already running inside a README command"
)

BLOCKS = all_blocks()


# --- Starting the blocks ------------------------------------------------------------------
def _selected_blocks(session: pytest.Session) -> list[Block]:
    selected: list[Block] = []
    for item in session.items:
        if isinstance(item, pytest.Function) and item.function is test_readme_block:
            block = item.callspec.params["block"]
            assert isinstance(block, Block)
            runs = block.marker is None or block.marker.status is not None
            if runs and not block.bad_marker:
                selected.append(block)
    return selected


@pytest.fixture(scope="session")
def readme_runner(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Runner]:
    """Prepare what the copies share, then start every selected block."""
    blocks = _selected_blocks(request.session)
    shared = Shared(tmp_path_factory.mktemp("readme-commands"))
    texts = [command.code for block in blocks for command in block.commands]
    cache: pytest.Cache | None = getattr(request.config, "cache", None)  # None: -p no:cacheprovider
    if any("pip install" in text for text in texts):
        shared.wheelhouse = make_wheelhouse(cache, shared.base)
    if any(".ci/postgres" in text or "user@host" in text for text in texts):
        shared.postgres = start_postgres()
    durations: dict[str, float] = cache.get(CACHE_DURATIONS, {}) if cache is not None else {}
    runner = Runner(blocks, shared, durations)
    yield runner
    finished = runner.close()
    if cache is not None:
        cache.set(CACHE_DURATIONS, durations | finished)


# --- The tests ----------------------------------------------------------------------------
def test_markers_are_well_formed() -> None:
    problems = [str(p) for readme in readme_paths() for p in parse_readme(readme)[1]]
    assert not problems, (
        "Marker lines must be exactly `*Not run by the tests: REASON*` or `*Fails on purpose "
        f"(exit status N): REASON*`, right before a ```bash block (see {RULES}):\n"
        + "\n".join(problems)
    )


def test_every_try_it_of_a_lesson_is_run() -> None:
    # A lesson's "## Try it" section: what it shows must be what the reader will see, so
    # each of its blocks is run, and at least one shows what it prints.
    problems = []
    for readme in sorted(glob.glob("steps/*/README.md", root_dir=REPO_ROOT)):
        text = (REPO_ROOT / readme).read_text(encoding="utf-8")
        start = text.find("\n## Try it\n")
        end = text.find("\n## ", start + 1)
        if start == -1:
            problems.append(f"{readme}: no '## Try it' section")
            continue
        first, last = (text[: start + 1].count("\n") + 1, text[:end].count("\n") + 1)
        blocks = [b for b in BLOCKS if b.readme == readme and first <= b.line <= last]
        if not blocks:
            problems.append(f"{readme}: its Try it holds no ```bash or ```pycon block")
        problems += [
            f"{readme}, line {b.line}: a block of Try it must run (it is marked: not run)"
            for b in blocks
            if b.marker is not None and b.marker.status is None
        ]
        if not any(b.language == "pycon" or b.expected_output is not None for b in blocks):
            problems.append(f"{readme}: its Try it shows nothing the reader should see")
    assert not problems, "\n".join(problems)


def test_output_is_compared_line_by_line_with_ellipses() -> None:
    printed = ["INFO  Context impl SQLiteImpl.", "0001 (head)   ", ""]
    assert output_matches(["INFO  Context impl SQLiteImpl.", "0001 (head)"], printed)
    assert output_matches(["INFO  Context impl ...", "0001 (head)"], printed)
    assert output_matches(["...", "0001 (head)"], printed)
    assert output_matches(["INFO  Context impl SQLiteImpl.", "...", "0001 (head)"], printed)
    assert not output_matches(["0001 (head)"], printed)
    assert not output_matches(["INFO  Context impl SQLiteImpl.", "0002 (head)"], printed)
    assert not output_matches(["INFO  Context impl SQLiteImpl."], printed)
    assert not output_matches(["INFO  ...SQLite", "0001 (head)"], printed)


def test_a_text_block_right_after_a_bash_block_is_its_expected_output(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        "Run:\n\n```bash\necho one\n```\n\n```text\none\n```\n\n"
        "Then:\n\n```bash\necho two\n```\n\nIt says:\n\n```text\ntwo\n```\n\n"
        "```pycon\n>>> 1 + 1\n2\n```\n",
        encoding="utf-8",
    )
    blocks, problems = parse_readme(readme)
    assert not problems
    assert [(b.language, b.expected_output, b.output_line) for b in blocks] == [
        ("bash", ("one",), 7),
        ("bash", None, 0),  # prose between: not its output
        ("pycon", None, 0),
    ]
    assert blocks[2].session == ">>> 1 + 1\n2\n"


def test_every_readme_with_commands_is_read() -> None:
    readmes = {block.readme for block in BLOCKS}
    assert {"README.md", "final/README.md", "exercises/README.md"} <= readmes
    assert any(name.startswith("steps/") for name in readmes)
    assert any(re.match(r"exercises/\d\d_", name) for name in readmes)


@pytest.mark.slow
@pytest.mark.parametrize("block", BLOCKS, ids=[block.id for block in BLOCKS])
def test_readme_block(block: Block, readme_runner: Runner) -> None:
    if block.bad_marker:
        pytest.fail(
            f"{block.readme}, line {block.marker_line}: the line before block {block.number} "
            f"looks like a marker but is not one (see {RULES}), so the block was not run:\n"
            f"    {block.bad_marker}",
            pytrace=False,
        )
    if block.marker is not None and block.marker.status is None:
        pytest.skip(f"{block.id} is marked: not run by the tests: {block.marker.reason}")
    result = readme_runner.result(block)
    failed = [outcome for outcome in result.outcomes if outcome.failure]
    if failed:
        pytest.fail(explain(result, failed[0]), pytrace=False)
    if result.output_failure:
        pytest.fail(result.output_failure, pytrace=False)
    skipped = [outcome for outcome in result.outcomes if outcome.skipped]
    if skipped:
        pytest.skip(
            f"{block.id}: ran {len(result.outcomes) - len(skipped)} of "
            f"{len(result.outcomes)} commands; not run: "
            + "; ".join(f"`{o.command.text}` ({o.skipped})" for o in skipped)
        )
