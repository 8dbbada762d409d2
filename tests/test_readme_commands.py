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
    A fresh machine downloads the dependencies; the copies borrow the ones installed in the
    `.venv` of the interpreter running the tests (found with `sysconfig`, never changed).
    Each copy's `.venv` is made by `venv` without pip and holds one `.pth` file that adds a
    view of that site-packages: every package except the installers (pip, setuptools,
    wheel) and the project's own editable install, which `python3 -m venv .venv` and
    `pip install -e .` put in place as on a fresh machine. (A view, not the folder itself:
    pip's isolated build hides only the venv's own site-packages, so an older setuptools
    seen through the `.pth` file would build the project instead of the one that
    `[build-system] requires`.) `.venv/bin` gets launchers for the console scripts of the
    borrowed packages (`pytest`, `uvicorn`, `alembic`, ...). pip runs offline
    (`PIP_NO_INDEX=1`): a requirement the repository's `.venv` does not satisfy makes the
    command fail instead of downloading it. The build backend that `pip install -e .`
    installs into its isolated build comes from a folder of wheels downloaded once per
    machine into pytest's cache (`.pytest_cache/d/readme_commands_wheelhouse`), the
    module's only download. Python writes its bytecode caches into one folder of the test
    session (`PYTHONPYCACHEPREFIX`), so nothing is ever written into the repository's
    `.venv`.

Time
    The blocks run in parallel, one per CPU core and at least two at a time, each in its
    own copy and on its own port; every test then waits for its own block. The slowest
    blocks are started first: their durations are remembered in pytest's cache.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import importlib.metadata
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import threading
import time
import tomllib
import venv
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
THIS_FILE = Path(__file__).resolve().relative_to(REPO_ROOT).as_posix()
# Set in the environment of every README command: a command that ran this module again
# inside a copy would otherwise start every README command again, without end.
INSIDE = "COURSE_README_COMMANDS"
COMMAND_TIMEOUT = 600  # seconds a command may take (the bug museum takes one to three minutes)
SERVER_TIMEOUT = 180  # seconds a server may take to answer, set-up chained in front included
OUTPUT_TAIL = 40  # lines of output shown in a failure message
CACHE_DURATIONS = "readme_commands/durations"
JOBS = max(2, os.cpu_count() or 1)

pytestmark = pytest.mark.skipif(
    INSIDE in os.environ, reason="already running inside a README command"
)


def readme_paths() -> list[Path]:
    """Every README whose commands are run, relative to the repository root."""
    patterns = [
        "README.md",
        "steps/README.md",
        "steps/*/README.md",
        "final/README.md",
        "exercises/README.md",
        "exercises/*/README.md",
    ]
    found = [
        Path(p) for pattern in patterns for p in sorted(glob.glob(pattern, root_dir=REPO_ROOT))
    ]
    return list(dict.fromkeys(found))


# --- Reading the READMEs ------------------------------------------------------------------
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<language>\S*)\s*$")
NOT_RUN = re.compile(r"^\*Not run by the tests: (?P<reason>[^*]*[^*\s])\*$")
FAILS = re.compile(
    r"^\*Fails on purpose \(exit status (?P<status>[1-9][0-9]{0,2})\): (?P<reason>[^*]*[^*\s])\*$"
)
# An italic line (not a `* ` bullet) that speaks like a marker.
MARKER_LIKE = re.compile(
    r"^\*(?=[^*\s]).*(not run|run by the tests|on purpose|exit status)", re.IGNORECASE
)
# Fences a reader would take for commands, but which are not run: write ```bash instead.
SHELL_LIKE = {"sh", "shell", "console", "zsh", "shell-session"}
PROJECT_FOLDER = re.compile(r"\byour (own )?project folder\b", re.IGNORECASE)
SERVER = re.compile(r"(?:^|[\s/])uvicorn\s")


@dataclass(frozen=True)
class Command:
    """One command of a block, as a reader types it."""

    text: str  # continuation lines joined; the trailing comment kept (bash ignores it)
    line: int  # line number of its first line in the README
    comment: str  # the trailing comment, without `#`, or ""

    @property
    def code(self) -> str:
        """The command without its comment."""
        start = _comment_start(self.text)
        return self.text if start is None else self.text[:start].rstrip()


@dataclass(frozen=True)
class Marker:
    """A marker line before a block: not run, or expected to fail with `status`."""

    reason: str
    status: int | None  # None: not run


@dataclass(frozen=True)
class Block:
    """A ```bash block of a README."""

    readme: str  # path relative to the repository root, e.g. "steps/07_alembic/README.md"
    number: int  # 1 for the README's first bash block
    line: int  # line number of the opening fence
    commands: tuple[Command, ...]
    lead_in: str  # the last line of prose before the block (markers skipped)
    marker: Marker | None
    bad_marker: str = ""  # a line before the block that looks like a marker but is not one
    marker_line: int = 0  # line number of the marker (or of the bad marker), 0 if none
    language: str = "bash"  # or "pycon": a session typed into `python`
    session: str = ""  # pycon: the lines of the block, each ending in "\n"
    expected_output: tuple[str, ...] | None = None  # the ```text block right after it
    output_line: int = 0  # line number of that block's opening fence
    section: str = ""  # the title of the `## ` section the block is in

    @property
    def id(self) -> str:
        return f"{self.readme}::block{self.number}"


@dataclass(frozen=True)
class Problem:
    """A malformed or misplaced marker."""

    readme: str
    line: int
    text: str
    why: str

    def __str__(self) -> str:
        return f"{self.readme}, line {self.line}: {self.why}\n    {self.text}"


def _comment_start(line: str) -> int | None:
    """Where the trailing `# comment` of a shell line starts (outside quotes), or None."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return index
    return None


def _commands(lines: list[tuple[int, str]]) -> tuple[Command, ...]:
    commands: list[Command] = []
    pending: list[str] = []
    first = 0
    for number, raw in lines:
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if not pending:
            first = number
        if line.endswith("\\"):
            pending.append(line[:-1].strip())
            continue
        text = " ".join([*pending, line])
        pending = []
        start = _comment_start(text)
        comment = text[start + 1 :].strip() if start is not None else ""
        commands.append(Command(text=text, line=first, comment=comment))
    if pending:
        commands.append(Command(text=" ".join(pending), line=first, comment=""))
    return tuple(commands)


def _marker(line: str) -> Marker | None:
    if not_run := NOT_RUN.match(line):
        return Marker(reason=not_run["reason"], status=None)
    if fails := FAILS.match(line):
        return Marker(reason=fails["reason"], status=int(fails["status"]))
    return None


def _expected_output(lines: list[str], end: int) -> tuple[tuple[str, ...] | None, int, int]:
    """The ```text block that follows the bash block closing at line index `end`, with only
    blank lines between: (its lines, index of its opening fence, index of its closing
    fence), or (None, 0, end) when there is none."""
    after = end + 1
    while after < len(lines) and not lines[after].strip():
        after += 1
    if after >= len(lines) or lines[after].strip() != "```text":
        return None, 0, end
    close = after + 1
    while close < len(lines) and lines[close].strip() != "```":
        close += 1
    return tuple(lines[after + 1 : close]), after, close


def parse_readme(readme: Path) -> tuple[list[Block], list[Problem]]:
    """The bash blocks of a README, and the problems of its markers."""
    name = readme.as_posix()
    lines = (REPO_ROOT / readme).read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    problems: list[Problem] = []
    used_markers: set[int] = set()
    index = 0
    section = ""
    while index < len(lines):
        fence = FENCE.match(lines[index])
        if fence is None:
            if lines[index].startswith("## "):
                section = lines[index][3:].strip()
            index += 1
            continue
        start = index
        end = start + 1
        while end < len(lines) and not re.match(r"^\s*```\s*$", lines[end]):
            end += 1
        if fence["language"] in SHELL_LIKE:
            why = "commands are run only from ```bash blocks; write ```bash"
            problems.append(Problem(name, start + 1, lines[start].strip(), why))
        if fence["language"] == "pycon":
            session = "".join(lines[number] + "\n" for number in range(start + 1, end))
            typed = Command(text="python", line=start + 1, comment="")
            blocks.append(
                Block(
                    name,
                    len(blocks) + 1,
                    start + 1,
                    (typed,),
                    "",
                    None,
                    language="pycon",
                    session=session,
                    section=section,
                )
            )
        if fence["language"] == "bash":
            before = [i for i in range(start) if lines[i].strip()]
            last = lines[before[-1]].strip() if before else ""
            marker = _marker(last)
            bad_marker = last if marker is None and MARKER_LIKE.search(last) else ""
            marker_line = 0
            if marker is not None or bad_marker:
                used_markers.add(before[-1])
                marker_line = before[-1] + 1
                before = before[:-1]
            lead_in = lines[before[-1]].strip() if before else ""
            lead_in = "" if lead_in.startswith("```") else lead_in
            body = [(number + 1, lines[number]) for number in range(start + 1, end)]
            commands = _commands(body)
            output, output_start, end = _expected_output(lines, end)
            blocks.append(
                Block(
                    name,
                    len(blocks) + 1,
                    start + 1,
                    commands,
                    lead_in,
                    marker,
                    bad_marker,
                    marker_line,
                    expected_output=output,
                    output_line=output_start + 1 if output is not None else 0,
                    section=section,
                )
            )
        index = end + 1
    for number, line in enumerate(lines):
        text = line.strip()
        if not MARKER_LIKE.search(text) or (number in used_markers and _marker(text)):
            continue
        if _marker(text) is not None:
            why = "a marker must be the last line before a ```bash block"
        else:
            why = (
                "this looks like a marker but is not one; write `*Not run by the tests: "
                "REASON*` or `*Fails on purpose (exit status N): REASON*`"
            )
        problems.append(Problem(name, number + 1, text, why))
    return blocks, problems


def _line_matches(expected: str, actual: str) -> bool:
    """`...` inside an expected line stands for any text (an address, a version)."""
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual) is not None


def output_matches(expected: list[str], actual: list[str]) -> bool:
    """Whether the output a README shows matches what the commands printed: line by line,
    trailing spaces and blank lines at either end ignored; a line that is only `...`
    stands for any number of lines, none included."""

    def trimmed(lines: list[str]) -> list[str]:
        stripped = [line.rstrip() for line in lines]
        while stripped and not stripped[-1]:
            stripped.pop()
        while stripped and not stripped[0]:
            stripped.pop(0)
        return stripped

    want, got = trimmed(expected), trimmed(actual)

    @functools.cache
    def matches_from(i: int, j: int) -> bool:
        if i == len(want):
            return j == len(got)
        if want[i].strip() == "...":
            return any(matches_from(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and _line_matches(want[i], got[j]) and matches_from(i + 1, j + 1)

    return matches_from(0, 0)


def _all_blocks() -> list[Block]:
    return [block for readme in readme_paths() for block in parse_readme(readme)[0]]


BLOCKS = _all_blocks()


# --- What every copy shares: the site-packages view, wheels, PostgreSQL -------------------
class Unavailable(Exception):
    """A stand-in cannot be provided on this machine; the command is skipped."""


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Shared:
    """What the test session prepares once for every copy."""

    base: Path  # a folder of the test session
    view: Path = field(init=False)
    launchers: dict[str, bytes | Path] = field(init=False)  # name -> script text or binary
    wheelhouse: Path | None = None
    postgres: str | None = None  # "user@host:port" of the throwaway server
    postgres_problem: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    running: set[subprocess.Popen[bytes]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._make_view()

    def _make_view(self) -> None:
        """A folder of symbolic links to the installed packages, without the installers and
        the project's own install (see the module docstring), and the launchers of their
        console scripts."""
        paths = sysconfig.get_paths()
        purelib, scripts = Path(paths["purelib"]), Path(paths["scripts"]).resolve()
        project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        hidden_names = {"pip", "setuptools", "wheel", _normalized(project["project"]["name"])}
        hidden: set[str] = {"__pycache__"}
        self.launchers = {}
        shebang = f"#!{scripts / 'python'}".encode()
        for dist in importlib.metadata.distributions(path=[str(purelib)]):
            files = dist.files or []
            if _normalized(dist.metadata["Name"]) in hidden_names:
                hidden.update(Path(f).parts[0] for f in files if Path(f).parts[0] != "..")
                continue
            for file in files:
                installed = (purelib / file).resolve()
                if installed.parent != scripts or not installed.is_file():
                    continue
                content = installed.read_bytes()
                if content.startswith(shebang + b"\n"):
                    self.launchers[installed.name] = content.split(b"\n", 1)[1]
                else:
                    self.launchers[installed.name] = installed
        self.view = self.base / "site-packages-view"
        self.view.mkdir()
        for entry in purelib.iterdir():
            if entry.name not in hidden:
                (self.view / entry.name).symlink_to(entry)

    def make_venv(self, folder: Path) -> None:
        """A `.venv` in FOLDER that borrows the installed packages."""
        venv.EnvBuilder(symlinks=True, with_pip=False).create(folder)
        bin_dir = folder / "bin"
        where = {"base": str(folder), "platbase": str(folder)}
        site_packages = sysconfig.get_path("purelib", scheme="venv", vars=where)
        line = f"import site; site.addsitedir({str(self.view)!r})\n"
        (Path(site_packages) / "_borrowed_packages.pth").write_text(line, encoding="utf-8")
        for name, launcher in self.launchers.items():
            target = bin_dir / name
            if isinstance(launcher, Path):
                target.symlink_to(launcher)
            else:
                target.write_bytes(f"#!{bin_dir / 'python'}\n".encode() + launcher)
                target.chmod(0o755)

    def make_wheelhouse(self, cache: pytest.Cache | None) -> None:
        """The wheels of `[build-system] requires`, for pip's isolated build: downloaded once
        into pytest's cache, then found there offline."""
        project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        requires: list[str] = project["build-system"]["requires"]
        folder = (
            cache.mkdir("readme_commands_wheelhouse")
            if cache is not None
            else self.base / "wheelhouse"
        )
        download = [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check"]
        download += ["--only-binary=:all:", "--dest", str(folder), *requires]
        env = _clean_environment()
        offline = subprocess.run(
            [*download, "--no-index", "--find-links", str(folder)],
            capture_output=True,
            timeout=120,
            env=env,
        )
        if offline.returncode != 0:
            online = subprocess.run(download, capture_output=True, text=True, timeout=300, env=env)
            if online.returncode != 0:
                raise RuntimeError(
                    f"Could not download the build backend {requires} for `pip install -e .` "
                    f"(this needs the network once per machine):\n{online.stderr[-2000:]}"
                )
        self.wheelhouse = folder

    def start_postgres(self) -> None:
        """Start (or find) the throwaway PostgreSQL server of `.ci/postgres`."""
        if not glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"):
            self.postgres_problem = (
                "no PostgreSQL server is installed (Debian/Ubuntu: sudo apt-get install "
                "postgresql); .ci/run installs one"
            )
            return
        started = subprocess.run(
            ["bash", ".ci/postgres"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env=_clean_environment(),
        )
        found = re.search(r"COURSE_POSTGRES_URL=postgresql\+psycopg://([^/\s]+)/", started.stdout)
        if started.returncode != 0 or found is None:
            raise RuntimeError(f"bash .ci/postgres failed:\n{started.stdout}{started.stderr}")
        self.postgres = found[1]

    def stop_all(self) -> None:
        """Stop the process groups of every command still running."""
        with self.lock:
            running = list(self.running)
        for process in running:
            _kill_group(process)


def _kill_group(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


# --- Running a block ----------------------------------------------------------------------
@dataclass
class Outcome:
    """What happened to one command."""

    command: Command
    run_as: str
    cwd: str  # as a reader would say it
    status: int | None  # exit status; None for a server that answered or a skipped command
    expected: int | None
    output: str = ""
    failure: str = ""  # why the command failed, or ""
    skipped: str = ""  # why the command was not run, or ""
    seconds: float = 0.0


@dataclass
class Result:
    """What happened to a block."""

    block: Block
    copy: Path
    outcomes: list[Outcome]
    seconds: float
    output_failure: str = ""  # how the output differs from the README's ```text block


@dataclass
class Workspace:
    """One block's copy of the repository, its home folder and its environment."""

    root: Path
    home: Path
    logs: Path
    env: dict[str, str]
    cleanups: list[tuple[str, str]] = field(default_factory=list)  # PostgreSQL databases


def _repository_files() -> list[str]:
    """The files a commit would hold: tracked ones and new ones git does not ignore."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted({name for name in listed.split("\0") if (REPO_ROOT / name).is_file()})


def _clean_environment() -> dict[str, str]:
    """This process's environment without what the test run itself may have set."""
    dropped = ("COV_CORE_", "COVERAGE_", "PYTEST_", "HYPOTHESIS_", "PIP_", "UVICORN_")
    singles = {"COURSE_POSTGRES_URL", "DATABASE_URL", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}
    singles |= {"PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX", "EXERCISE_PROJECT"}
    return {
        name: value
        for name, value in os.environ.items()
        if name not in singles and not name.startswith(dropped)
    }


def _environment(home: Path, root: Path, shared: Shared) -> dict[str, str]:
    env = _clean_environment()
    own_scripts = str(Path(sysconfig.get_paths()["scripts"]))
    path = [
        entry for entry in env.get("PATH", os.defpath).split(os.pathsep) if entry != own_scripts
    ]
    env |= {
        "HOME": str(home),
        "PATH": os.pathsep.join([str(root / ".venv" / "bin"), *path]),
        "VIRTUAL_ENV": str(root / ".venv"),
        "PYTHONPYCACHEPREFIX": str(shared.base / "pycache"),
        "PIP_NO_INDEX": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        INSIDE: "1",
    }
    if shared.wheelhouse is not None:
        env["PIP_FIND_LINKS"] = str(shared.wheelhouse)
    return env


def _workspace(block: Block, shared: Shared) -> Workspace:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", block.id).strip("-")
    base = shared.base / slug
    root, home, logs = base / "repo", base / "home", base / "logs"
    for folder in (root, home, logs):
        folder.mkdir(parents=True)
    for name in _repository_files():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, root / name)
    shared.make_venv(root / ".venv")
    return Workspace(root, home, logs, _environment(home, root, shared))


def _project_snapshot(block: Block) -> str:
    """The step whose snapshot stands in for ~/fastapi-crud in this block: the lesson's own
    step, the one before it while the lesson's "Write it" is being followed, step 07
    outside the lessons ("" for the empty project before step 01)."""
    step = re.fullmatch(r"steps/(\d\d_\w+)/README\.md", block.readme)
    if step is None:
        return "07_alembic"
    if block.section == "Write it":
        steps = sorted(p.name for p in (REPO_ROOT / "steps").glob("[0-9][0-9]_*"))
        index = steps.index(step[1])
        return steps[index - 1] if index else ""
    return step[1]


def _project_description(block: Block) -> str:
    snapshot = _project_snapshot(block)
    return f"~/fastapi-crud (a copy of steps/{snapshot})" if snapshot else "~/fastapi-crud (empty)"


def _fastapi_crud(ws: Workspace, block: Block) -> Path:
    """~/fastapi-crud: the project of a learner at this block (see `_project_snapshot`)."""
    project = ws.home / "fastapi-crud"
    step = _project_snapshot(block)
    if not project.exists():
        project.mkdir()
        if not step:
            return project  # before step 01: an empty folder
        snapshot = ws.root / "steps" / step
        for name in ("app", "alembic"):
            if (snapshot / name).is_dir():
                shutil.copytree(snapshot / name, project / name)
        if (snapshot / "alembic.ini").is_file():
            shutil.copy2(snapshot / "alembic.ini", project / "alembic.ini")
    return project


def _exercise_project(ws: Workspace, exercise: str) -> Path:
    """~/NN_name: the learner's copy of the exercise, finished (the solution over it)."""
    project = ws.home / exercise
    if not project.exists():
        release = subprocess.run(
            ["python", "-m", "exercises.release", exercise, "--out", str(project)],
            cwd=ws.root,
            env=ws.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if release.returncode != 0:
            raise RuntimeError(f"releasing {exercise} failed:\n{release.stdout}{release.stderr}")
        shutil.copytree(ws.root / "exercises" / exercise / "solution", project, dirs_exist_ok=True)
    return project


def _submissions(ws: Workspace, text: str) -> None:
    """submissions/: the starter and the solution of the exercise the command grades."""
    graded = re.search(r"exercises\.grade\s+(\S+)", text)
    exercise = ws.root / "exercises" / (graded[1] if graded else "01_put")
    folder = ws.root / "submissions"
    if not folder.exists():
        for part in ("starter", "solution"):
            shutil.copytree(exercise / part, folder / part)


def _postgres(ws: Workspace, text: str, shared: Shared) -> str:
    """Replace `user@host` by the throwaway server, with a new empty database."""
    if shared.postgres is None:
        raise Unavailable(shared.postgres_problem or "no PostgreSQL server")
    database = re.search(r"user@host/(\w+)", text)
    if database is None:
        raise RuntimeError("`user@host` should be followed by /DATABASE in the command")
    url = f"postgresql://{shared.postgres}/postgres"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database[1]}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{database[1]}"')
    ws.cleanups.append((url, database[1]))
    return text.replace("user@host", shared.postgres)


def _drop_databases(ws: Workspace) -> None:
    for url, database in ws.cleanups:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(
    text: str, cwd: Path, env: dict[str, str], log: Path, shared: Shared
) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["bash", "-c", text],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    with shared.lock:
        shared.running.add(process)
    return process


def _finish(process: subprocess.Popen[bytes], shared: Shared) -> None:
    with shared.lock:
        shared.running.discard(process)


def _tail(log: Path) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(lines[-OUTPUT_TAIL:])


def _run_shell(text: str, cwd: Path, env: dict[str, str], log: Path, shared: Shared) -> int:
    """Run a command to its end; its exit status (-1 after the timeout)."""
    process = _start(text, cwd, env, log, shared)
    try:
        return process.wait(timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.wait()
        return -1
    finally:
        _finish(process, shared)


def _probe(port: int, process: subprocess.Popen[bytes], *, try_the_api: bool = True) -> str:
    """Wait until the server answers, then (with `try_the_api`) create and read an item;
    "" or what went wrong."""
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_TIMEOUT
    with httpx.Client(base_url=base, timeout=10) as client:
        while True:
            if process.poll() is not None:
                return f"the server stopped (exit status {process.returncode}) before answering"
            try:
                docs = client.get("/docs")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    return f"the server did not answer on {base}/docs within {SERVER_TIMEOUT} s"
                time.sleep(0.2)
        if docs.status_code != 200:
            return f"GET /docs answered {docs.status_code}: {docs.text[:300]}"
        if not try_the_api:
            return ""
        body = {"title": "From the README test", "price": 12.5}
        created = client.post("/api/v1/items/", json=body)
        if created.status_code != 201:
            return f"POST /api/v1/items/ answered {created.status_code}: {created.text[:300]}"
        item_id = created.json().get("id")
        read = client.get(f"/api/v1/items/{item_id}")
        if read.status_code != 200 or read.json().get("title") != body["title"]:
            return f"GET /api/v1/items/{item_id} answered {read.status_code}: {read.text[:300]}"
    return ""


def _serve(
    text: str, cwd: Path, env: dict[str, str], log: Path, shared: Shared
) -> tuple[subprocess.Popen[bytes], int]:
    """Start a server in the background; the process and its port."""
    port_option = re.search(r"--port[ =](\d+)", text)
    port = int(port_option[1]) if port_option else _free_port()
    return _start(text, cwd, env | {"UVICORN_PORT": str(port)}, log, shared), port


def _stop(process: subprocess.Popen[bytes], shared: Shared) -> None:
    _kill_group(process, signal.SIGINT)  # Ctrl+C
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.wait()
    _finish(process, shared)


def _on_port(text: str, port: int) -> str:
    """A command that talks to uvicorn's default address, sent to the server's own port."""
    return re.sub(r"\b(127\.0\.0\.1|localhost):8000\b", rf"\g<1>:{port}", text)


def _run_session(block: Block, ws: Workspace, shared: Shared) -> Outcome:
    """Type a ```pycon block into `python` in the project folder, as doctest does: each
    `>>>` line runs, and what it prints must be what the block shows."""
    cwd = _fastapi_crud(ws, block)
    where = _project_description(block)
    session = ws.logs / "session.txt"
    # Blank lines first, so that doctest's line numbers are the README's.
    session.write_text("\n" * block.line + block.session, encoding="utf-8")
    text = f"python -m doctest -o ELLIPSIS {session}"
    outcome = Outcome(block.commands[0], text, where, None, 0)
    log = ws.logs / "session.log"
    started = time.monotonic()
    outcome.status = _run_shell(text, cwd, ws.env, log, shared)
    if outcome.status == -1:
        outcome.failure = f"it did not finish within {COMMAND_TIMEOUT} s"
    elif outcome.status != 0:
        outcome.failure = (
            "what Python printed differs from what the block shows (doctest's report below: "
            "'Expected' is the README, 'Got' what Python printed)"
        )
    outcome.output = _tail(log)
    outcome.seconds = time.monotonic() - started
    return outcome


def _compare_output(block: Block, outcomes: list[Outcome], logs: list[Path]) -> str:
    """ "" if the commands printed what the ```text block after them shows, else why not."""
    if block.expected_output is None or any(o.failure or o.skipped for o in outcomes):
        return ""
    printed = [
        line
        for log in logs
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
    ]
    if output_matches(list(block.expected_output), printed):
        return ""
    return "\n".join(
        [
            f"{block.readme}, line {block.output_line}: the block says the commands of block "
            f"{block.number} (line {block.line}) print",
            *(f"    | {line}" for line in block.expected_output),
            "  but they printed",
            *(f"    | {line}" for line in printed[-OUTPUT_TAIL:]),
            f"Fix the ```text block (a line `...` stands for any lines, `...` in a line for "
            f"any text) or the code it describes; see {THIS_FILE}.",
        ]
    )


def run_block(block: Block, shared: Shared) -> Result:
    """Run the commands of a block, in order, in a fresh copy of the repository."""
    started = time.monotonic()
    ws = _workspace(block, shared)
    exercise = re.fullmatch(r"exercises/(\d\d_\w+)/README\.md", block.readme)
    outcomes: list[Outcome] = []
    printed: list[Path] = []  # the logs of the commands whose output the README may show
    servers: list[subprocess.Popen[bytes]] = []  # left running for the commands after them
    port: int | None = None
    try:
        if block.language == "pycon":
            outcomes.append(_run_session(block, ws, shared))
        for index, command in enumerate(block.commands if block.language == "bash" else ()):
            text, cwd, where = command.text, ws.root, "the repository root"
            expected = block.marker.status if block.marker else 0
            code = command.code
            in_project = PROJECT_FOLDER.search(command.comment) or PROJECT_FOLDER.search(
                block.lead_in
            )
            try:
                if "~/fastapi-crud" in code:
                    _fastapi_crud(ws, block)
                if in_project and exercise:
                    cwd = _exercise_project(ws, exercise[1])
                    where = f"~/{exercise[1]} (the exercise released, its solution copied over)"
                elif in_project:
                    cwd, where = _fastapi_crud(ws, block), _project_description(block)
                if "submissions/" in code:
                    _submissions(ws, text)
                if "user@host" in code:
                    text = _postgres(ws, text, shared)
                if port is not None:
                    text = _on_port(text, port)
            except Unavailable as why:
                outcomes.append(Outcome(command, text, where, None, expected, skipped=str(why)))
                continue
            log = ws.logs / f"command{index + 1}.log"
            outcome = Outcome(command, text, where, None, expected)
            command_started = time.monotonic()
            if SERVER.search(code):
                outcome.expected = None
                process, server_port = _serve(text, cwd, ws.env, log, shared)
                if index + 1 < len(block.commands):
                    # Commands follow it, as if typed in a second terminal: the server stays
                    # up for them, on an API they alone change.
                    servers.append(process)
                    port = server_port
                    outcome.failure = _probe(server_port, process, try_the_api=False)
                else:
                    try:
                        outcome.failure = _probe(server_port, process)
                    finally:
                        _stop(process, shared)
            else:
                outcome.status = _run_shell(text, cwd, ws.env, log, shared)
                printed.append(log)
                if outcome.status == -1:
                    outcome.failure = f"it did not finish within {COMMAND_TIMEOUT} s"
                elif outcome.status != expected:
                    outcome.failure = f"it exited with status {outcome.status}, not {expected}"
            outcome.output = _tail(log)
            outcome.seconds = time.monotonic() - command_started
            outcomes.append(outcome)
            if outcome.failure:
                break
    finally:
        for process in servers:
            _stop(process, shared)
        _drop_databases(ws)
    output_failure = _compare_output(block, outcomes, printed)
    return Result(block, ws.root, outcomes, time.monotonic() - started, output_failure)


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
        self.shared.stop_all()
        self.pool.shutdown(wait=True)
        return {
            block_id: future.result().seconds
            for block_id, future in self.futures.items()
            if future.done() and not future.cancelled() and future.exception() is None
        }


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
        shared.make_wheelhouse(cache)
    if any(".ci/postgres" in text or "user@host" in text for text in texts):
        shared.start_postgres()
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
        f"(exit status N): REASON*`, right before a ```bash block (see {THIS_FILE}):\n"
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


def _explain(result: Result, outcome: Outcome) -> str:
    block, command = result.block, outcome.command
    lines = [
        f"{block.readme}, line {command.line} (block {block.number}): the command",
        f"    $ {command.text}",
    ]
    if outcome.run_as != command.text:
        lines.append(f"  ran as (with the stand-ins of {THIS_FILE}):\n    $ {outcome.run_as}")
    later = len(block.commands) - block.commands.index(command) - 1
    lines += [
        f"  failed: {outcome.failure}"
        + (f" (the {later} after it did not run)." if later else "."),
        f"  It ran in {outcome.cwd}, in a copy of the repository at {result.copy}.",
        f"  The last {OUTPUT_TAIL} lines of its output:",
        *(f"    | {line}" for line in outcome.output.splitlines()),
        f"Fix {block.readme} (line {command.line}) or the code it describes. A command that "
        f"must not run in the tests needs a marker line before its block: see {THIS_FILE}.",
    ]
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize("block", BLOCKS, ids=[block.id for block in BLOCKS])
def test_readme_block(block: Block, readme_runner: Runner) -> None:
    if block.bad_marker:
        pytest.fail(
            f"{block.readme}, line {block.marker_line}: the line before block {block.number} "
            f"looks like a marker but is not one (see {THIS_FILE}), so the block was not run:\n"
            f"    {block.bad_marker}",
            pytrace=False,
        )
    if block.marker is not None and block.marker.status is None:
        pytest.skip(f"{block.id} is marked: not run by the tests: {block.marker.reason}")
    result = readme_runner.result(block)
    failed = [outcome for outcome in result.outcomes if outcome.failure]
    if failed:
        pytest.fail(_explain(result, failed[0]), pytrace=False)
    if result.output_failure:
        pytest.fail(result.output_failure, pytrace=False)
    skipped = [outcome for outcome in result.outcomes if outcome.skipped]
    if skipped:
        pytest.skip(
            f"{block.id}: ran {len(result.outcomes) - len(skipped)} of "
            f"{len(result.outcomes)} commands; not run: "
            + "; ".join(f"`{o.command.text}` ({o.skipped})" for o in skipped)
        )
