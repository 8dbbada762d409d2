"""Hostile submissions for the grader's attack tests, and how to read their results.

Each hostile submission is an exercise's starter or solution with one attack written into
it, built to win what the attack is after (points it did not earn, another submission's
grade, a file of the machine). The tests in this folder grade them beside honest copies
of the starter and the solution, whose scores are known, and check both: the attack wins
nothing, and the honest ones score exactly what they always do.

Resource attacks are graded with small limits set for the test (`limited`), so that the
grader is what contains them, never the size of the machine.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exercises import sandbox
from exercises.spec import Exercise, load

REPO_ROOT = Path(__file__).resolve().parents[2]
PUT = load("01_put")
MIGRATION = load("04_new_column_migration")
USERS = load("05_users_passwords")
UNIT = load("06_property_tests")
ATTACK_ID = uuid.uuid4().hex[:12]
TIME_LIMIT = 8.0
# Exercise 05's batch hashes passwords with scrypt: room for a busy machine. A grading that
# takes more than QUICK seconds did not refuse what it should have refused at once.
SLOW_MACHINE_LIMIT = 20.0
QUICK = 12.0
# The limits of the batches that attack resources: a small private area, few processes,
# small files. Honest submissions fit in them with room to spare.
SMALL = {"processes": 24, "scratch_mb": 32, "file_mb": 8}
SCRATCH_BYTES = SMALL["scratch_mb"] * 1024 * 1024


def limited(exercise: Exercise, **limits: Any) -> Exercise:
    """EXERCISE with LIMITS; a limit the grader does not know is left out, so that these
    tests run (and fail, unlimited) on a grader without it too."""
    known = {field.name for field in dataclasses.fields(exercise)}
    return dataclasses.replace(exercise, **{k: v for k, v in limits.items() if k in known})


def hostile(base: Path, root: Path, name: str, files: Mapping[str, str | bytes]) -> Path:
    """A copy of BASE (without caches) as ROOT/NAME, with FILES written over it."""
    project = root / name
    project.mkdir(parents=True)
    for source in sorted(base.rglob("*")):
        relative = source.relative_to(base)
        if "__pycache__" in relative.parts or source.suffix == ".db":
            continue
        if source.is_dir():
            (project / relative).mkdir(exist_ok=True)
        else:
            (project / relative).write_bytes(source.read_bytes())
    for name_in_project, content in files.items():
        target = project / name_in_project
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return project


def edited(base: Path, relative: str, old: str, new: str) -> str:
    """The text of BASE/RELATIVE with OLD (which must be there) replaced by NEW."""
    text = (base / relative).read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {relative}"
    return text.replace(old, new)


def score_and_text(results: dict[str, Any], name: str) -> tuple[float, str]:
    """A submission's score and all its feedback (the note and every test's output)."""
    result = results[name]
    return result["score"], feedback(results, name)


def feedback(results: dict[str, Any], name: str) -> str:
    """All of a submission's feedback: the note and every test's output."""
    result = results[name]
    return result["output"] + "\n" + "\n".join(test["output"] for test in result["tests"])


def appended(base: Path, relative: str, code: str) -> str:
    """The text of BASE/RELATIVE with CODE run after it (at the end of its import)."""
    text = (base / relative).read_text(encoding="utf-8")
    return text + "\n" + textwrap.dedent(code)


# --- exercise 06: tests that tell the variants apart without testing behaviour -----------
# Each would score 10/10 on a grader where they work: they pass on the reference and the
# rewrite and fail on every mutant. Honestly they kill nothing: 0, "all pass on an app".
def _starter_sources() -> dict[str, str]:
    app = UNIT.starter / "app"
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(app.glob("*.py"))}


READS_ITS_OPTIONS = """
def test_the_options_of_a_run_that_reports(request):
    # A run whose report nobody reads could skip the traceback and the summary.
    assert request.config.getoption("tbstyle") != "no"
    assert "f" in request.config.getoption("reportchars")
"""

COUNTS_CHANGED_FILES = (
    "import hashlib, pathlib\n\n"
    f"STARTER = { ({n: hashlib.sha256(t.encode()).hexdigest() for n, t in _starter_sources().items()})!r}\n"  # noqa: E501
    + """

def test_not_exactly_one_file_changed():
    # A mutant is one edit of the starter; a rewrite changes several files.
    changed = [
        name for name, digest in STARTER.items()
        if hashlib.sha256(pathlib.Path("app", name).read_bytes()).hexdigest() != digest
    ]
    assert len(changed) != 1, changed
"""
)

COUNTS_CHANGED_FUNCTIONS = (
    "import inspect\n\n"
    f"STARTER = {_starter_sources()!r}\n"
    + """

def _compiled(source):
    found = {}
    def walk(code, prefix):
        for const in code.co_consts:
            if inspect.iscode(const) and not const.co_name.startswith("<"):
                found[prefix + const.co_name] = const
                walk(const, prefix + const.co_name + ".")
    walk(compile(source, "starter", "exec"), "")
    return found


def _imported(module):
    found = {}
    for name, value in vars(module).items():
        if getattr(value, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(value):
            found[name] = inspect.unwrap(value).__code__
        elif inspect.isclass(value):
            for attribute, member in vars(value).items():
                member = getattr(member, "wrapped", member)
                function = getattr(member, "__func__", member)
                if inspect.isfunction(function):
                    found[f"{name}.{attribute}"] = function.__code__
    return found


def _shapes(namespace):
    return {
        name: (repr(value.model_fields),
               repr({k: v.info.fields for k, v in
                     value.__pydantic_decorators__.field_validators.items()}))
        for name, value in namespace.items()
        if inspect.isclass(value) and hasattr(value, "__pydantic_decorators__")
        and getattr(value, "__module__", "") in ("app.schemas", "starter_schemas")
    }


def test_not_one_or_two_units_changed():
    # A mutant changes one function (or one model) of the starter, a rewrite several:
    # read from the modules the run has already imported.
    import importlib
    changed = []
    for file, source in STARTER.items():
        if file == "__init__.py":
            continue
        module = importlib.import_module("app." + file[:-3])
        now = _imported(module)
        for name, code in _compiled(source).items():
            if name in now and now[name] != code:
                changed.append(name)
    starter_schemas = {"__name__": "starter_schemas"}
    exec(compile(STARTER["schemas.py"], "starter", "exec"), starter_schemas)
    import app.schemas
    mine, theirs = _shapes(vars(app.schemas)), _shapes(starter_schemas)
    changed += [name for name in theirs if mine.get(name) != theirs[name]]
    assert len(set(changed)) not in (1, 2), changed
"""
)

# Where the grader's files are, for a test that walks up from what the run can read.
FIND_IN_THE_REPOSITORY = """
import os, sys
from pathlib import Path

def _find(relative):
    starts = [Path(sys.executable), *map(Path, sys.path), Path.cwd()]
    starts += [Path(v) for v in os.environ.values() if v.startswith("/")]
    for start in starts:
        for folder in [start, *start.parents]:
            candidate = folder / relative
            try:
                if candidate.is_file():
                    return candidate
            except OSError:
                continue
    return None
"""

READS_THE_MUTANTS = (
    FIND_IN_THE_REPOSITORY
    + """
import runpy

MUTANTS = _find("exercises/06_property_tests/tests/hidden/mutants.py")
# The starter's app, in its layers (exercise.toml): exercise 02's solution over step 06.
LAYERS = [
    _find("exercises/02_patch_null_safety/solution/app/schemas.py"),
    _find("steps/06_main/app/main.py"),
]


def _starter(file):
    for layer in LAYERS:
        if layer is not None and (layer.parent / file).is_file():
            return (layer.parent / file).read_text()
    raise FileNotFoundError(file)


def test_the_app_is_none_of_the_mutants():
    if MUTANTS is None:
        return
    for mutant in runpy.run_path(str(MUTANTS))["MUTANTS"]:
        starter = _starter(mutant["file"])
        mutated = starter.replace(mutant["old"], mutant["new"])
        assert Path("app", mutant["file"]).read_text() != mutated, mutant["name"]
"""
)

COPIES_THE_SOLUTION = (
    FIND_IN_THE_REPOSITORY
    + """
SOLUTION = _find("exercises/06_property_tests/solution/tests/test_patch_properties.py")
if SOLUTION is not None:
    exec(compile(SOLUTION.read_text(), "solution", "exec"))


def test_found_nothing():
    pass
"""
)

UNIT_FORGERIES = {
    "reads_its_options": {"tests/test_options.py": READS_ITS_OPTIONS},
    "counts_changed_files": {"tests/test_files.py": COUNTS_CHANGED_FILES},
    "counts_changed_functions": {"tests/test_units.py": COUNTS_CHANGED_FUNCTIONS},
    "reads_the_mutants": {"tests/test_mutants.py": READS_THE_MUTANTS},
    "copies_the_solution": {"tests/test_copied.py": COPIES_THE_SOLUTION},
}

# --- exercise 01: an app that takes the solution, or reaches out of its sandbox ----------
APP_COPIES_THE_SOLUTION = (
    FIND_IN_THE_REPOSITORY
    + """
import app
SOLUTION = _find("exercises/01_put/solution/app/crud.py")
if SOLUTION is not None:
    app.__path__.insert(0, str(SOLUTION.parent))  # the solution's modules in place of ours
"""
)


def unix_socket_probe(path: Path) -> str:
    """App code that sends a message to the file-system socket PATH of the machine."""
    return f"""
import socket
try:
    client = socket.socket(socket.AF_UNIX)
    client.connect({str(path)!r})
    client.sendall(b"HELLO-{ATTACK_ID}")
    client.close()
    outcome = "sent"
except OSError as error:
    outcome = f"refused: {{error}}"
raise RuntimeError(f"SOCKET-PROBE {{outcome}}")
"""


MACHINE_FIGURES_PROBE = """
import os
figures = {"loadavg": open("/proc/loadavg").read().strip()}
try:
    figures["cgroup"] = sorted(os.listdir("/sys/fs/cgroup"))
except OSError as error:
    figures["cgroup"] = str(error)
with open("/proc/meminfo") as meminfo:
    figures["memory"] = meminfo.readline().split()[1:2]
raise RuntimeError(f"FIGURES-PROBE {figures!r}")
"""


def hard_link_reader() -> str:
    """App code that shows the text of app/notes.txt (a hard link the test makes)."""
    return """
from pathlib import Path
notes = Path(__file__).parent / "notes.txt"
if notes.exists():
    raise RuntimeError("LINK-PROBE " + notes.read_text())
"""


# A starter whose error answers carry terminal codes and other control characters.
CONTROL_CHARACTERS = "\x00\x1b[31m\x07\x0c\x08\x7f\x85"
CONTROL_APP = f"""
from fastapi import Request
from fastapi.responses import PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


@app.exception_handler(StarletteHTTPException)
async def noisy(request: Request, error: StarletteHTTPException) -> PlainTextResponse:
    return PlainTextResponse({CONTROL_CHARACTERS!r} + "NOISE", status_code=error.status_code)
"""


# --- resource attacks (small limits: see SMALL) ----------------------------------------
def gzip_bomb() -> bytes:
    """A gzip body of about 300 KB that inflates to 300 MB."""
    return gzip.compress(b"\0" * 300_000_000, compresslevel=9)


BOMB_APP = """
from pathlib import Path
from starlette.responses import Response

BOMB = (Path(__file__).parent / "bomb.gz").read_bytes()


@app.middleware("http")
async def bomb(request, call_next):
    await call_next(request)
    if request.method in ("PUT", "DELETE"):  # 3 MB
        return Response(b"[" + b" " * 3_000_000 + b"]", media_type="application/json")
    # 300 KB of gzip that inflate to 300 MB
    return Response(BOMB, headers={"content-encoding": "gzip"}, media_type="application/json")
"""

FILLS_ITS_AREA = """
written = 0
for number in range(64):
    try:
        with open(f"fill-{number}", "wb") as filler:
            filler.write(b"x" * 1024 * 1024)
        written += 1024 * 1024
    except OSError:
        break
raise RuntimeError(f"FILL-PROBE {written}")
"""

FORKS_SLEEPERS = """
import os, time
forked = 0
for _ in range(200):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(120)
        os._exit(0)
    forked += 1
raise RuntimeError(f"FORK-PROBE {forked}")
"""

MAKES_A_HUGE_FILE = """
try:
    with open("huge.log", "wb") as huge:
        huge.truncate(1024**3)  # 1 GB, sparse: costs nothing to make
    outcome = "made"
except OSError as error:
    outcome = f"refused: {error}"
raise RuntimeError(f"HUGE-PROBE {outcome}")
"""

# A tree 1,100 folders deep (deeper than any path), beside names no tool expects; then the
# app starts as the starter does (2 points).
LEAVES_A_DEEP_TREE = """
import os
top = os.open(".", os.O_RDONLY)
for odd in ("new\\nline", "-rf", "\\udcff\\udcfe", " ", "*"):
    os.mkdir(odd, dir_fd=top)
here = os.dup(top)
for _ in range(1100):
    os.mkdir("dddddddddddd", dir_fd=here)
    deeper = os.open("dddddddddddd", os.O_RDONLY, dir_fd=here)
    os.close(here)
    here = deeper
with open(os.open("x", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=here), "w") as leaf:
    leaf.write("leaf")
"""

SLOW_APP = """
import asyncio


@app.middleware("http")
async def slowly(request, call_next):
    await asyncio.sleep(0.7)  # each answer well within the 5 s a request may take
    return await call_next(request)
"""


def kills_its_worker_check_source() -> str:
    """Exercise 01's hidden checks, with one that kills its own worker on a marked app."""
    original = (PUT.hidden_tests / "checks.py").read_text(encoding="utf-8")
    return (
        original
        + '''

_replaces = put_replaces_every_field


@check("put_replaces_every_field")
def killer(ctx: Context) -> None:
    """The same check, but a marked app makes it kill the grader's worker (as an app that
    escaped the sandbox, or an out-of-memory kill, would)."""
    import os
    import signal

    if "KILL-THE-WORKER" in (ctx.project / "app" / "main.py").read_text():
        os.kill(os.getpid(), signal.SIGKILL)
    _replaces(ctx)
'''
    )


# --- exercise 05: files and rows the checks must not choke on --------------------------
def links_and_fifos(host_file: Path) -> str:
    """App code leaving a link to a large file of the machine, a FIFO, and a link to it."""
    return f"""
import os
os.symlink({str(host_file)!r}, "server.log")
os.mkfifo("queue.fifo")
os.symlink("queue.fifo", "queue.log")
"""


PADDED_LOG = """
from pathlib import Path

with open("server.log", "wb") as log:
    log.write(b" " * (5 * 1024 * 1024))  # 5 MB of padding first


@app.middleware("http")
async def logged(request, call_next):
    body = await request.body()
    with open("server.log", "ab") as log:
        log.write(body + b"\\n")  # the passwords in plain text, past the padding
    return await call_next(request)
"""

TOKENS = 3000
MANY_TOKENS = (
    "    return salt.hex(), key.hex()",
    f'    return "$".join([salt.hex(), *(secrets.token_hex(4) for _ in range({TOKENS}))]), key.hex()',  # noqa: E501
)


# --- exercise 04: a migration that leaves app.db as a link to a file of the machine -------
def links_the_database(target: Path) -> str:
    """A revision 0002 whose upgrade leaves app.db as a link to TARGET."""
    revision = MIGRATION.solution / "alembic" / "versions" / "20261126_add_item_quantity.py"
    text = revision.read_text(encoding="utf-8")
    return text + textwrap.dedent(
        f"""

        _upgrade = upgrade


        def upgrade() -> None:
            import os

            _upgrade()
            os.rename("app.db", "app.db.kept")
            os.symlink({str(target)!r}, "app.db")
        """
    )


DEEP_NAME = "d" * 12  # the folders of LEAVES_A_DEEP_TREE


def left_in_scratch(name: str, depth: int = 5) -> list[Path]:
    """The folders called NAME within DEPTH levels of the grader's scratch folder (what a
    grading left there; other gradings on the machine leave nothing of that name)."""
    found: list[Path] = []
    level = [sandbox.scratch_root()]
    for _ in range(depth):
        below: list[Path] = []
        for folder in level:
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    (found if entry.name == name else below).append(Path(entry.path))
        level = below
    return found


# --- seeing what the attacks did --------------------------------------------------------
@dataclass
class Host:
    """What the attacks reach for on the machine, outside their sandbox."""

    socket_path: Path
    heard: list[bytes] = field(default_factory=list)
    secret_db: Path = Path()
    never_made: Path = Path()
    big_file: Path = Path()
    secret_text: Path = Path()


def processes_naming(text: str) -> list[int]:
    """The processes of the machine whose command line holds TEXT."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


# Without namespaces, and keeping the grader's user, an app can signal the grader's own
# processes: this one kills the grading worker it runs under (its nearest ancestor that
# multiprocessing started), as an app that escaped its sandbox could.
KILL_THE_WORKER = """
def _worker():
    pid = os.getppid()
    while pid > 1:
        with open(f"/proc/{pid}/cmdline", "rb") as line:
            if b"multiprocessing" in line.read():
                return pid
        with open(f"/proc/{pid}/stat") as stat:
            pid = int(stat.read().rsplit(")", 1)[1].split()[1])
    return None

if _worker():
    os.kill(_worker(), signal.SIGKILL)
time.sleep(5)
"""


def daemon_code(marker: Path, kill_the_worker: bool) -> str:
    """App code starting a daemon that lives 30 s (its command line names MARKER), then,
    if asked, killing the grader's worker (see KILL_THE_WORKER)."""
    daemon = "import sys, time; time.sleep(30); open(sys.argv[1], 'a').write('alive')"
    kill = KILL_THE_WORKER if kill_the_worker else ""
    return f"""
import os, signal, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-I", "-c", {daemon!r}, {str(marker)!r}])
    os._exit(0)
time.sleep(0.3)
{kill}"""


def grade_by_command(
    exercise: str,
    subs: list[Path],
    out: Path,
    env: dict[str, str],
    jobs: int,
    time_limit: float = TIME_LIMIT * 2,
) -> subprocess.CompletedProcess[str]:
    """Grade SUBS as an instructor would, with `python -m exercises.grade` and ENV."""
    command = [sys.executable, "-m", "exercises.grade", exercise, *map(str, subs)]
    command += ["--out", str(out), "--jobs", str(jobs), "--time-limit", str(time_limit)]
    return subprocess.run(
        command,
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def results_of(out: Path, names: list[str]) -> dict[str, Any]:
    """The results.json of each of NAMES under OUT that was written."""
    found = {}
    for name in names:
        path = out / name / "results.json"
        if path.is_file():
            found[name] = json.loads(path.read_text(encoding="utf-8"))
    return found
