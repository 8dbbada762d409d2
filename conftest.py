"""The course's pytest plugin, shared by every check in the repository.

What it adds to pytest:

* ``--app-dir PATH`` — run the checks against the ``app`` package in PATH (a learner's
  project) instead of the snapshot next to the checks.
* the ``target`` fixture and one fixture per article module (``database``, ``models``,
  ``schemas``, ``crud``, ``router``, ``main``) — the ``app`` package under test, loaded so
  that many packages all called ``app`` (one per step, plus final/) live side by side in
  one pytest run, and failing with a message a beginner understands when a file or name
  is missing.
* Hypothesis profiles — ``fast`` by default, ``thorough`` when ``HYPOTHESIS_PROFILE=thorough``.
* a progress summary at the end of a run with ``--app-dir``: which steps pass, and the next
  step to work on.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import sys
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

REPO_ROOT = Path(__file__).parent

# --- Loading an `app` package in isolation ------------------------------------------------
# Every snapshot has a package called `app`, and Python keeps one `app` in sys.modules.
# AppPackage imports one folder's `app` with sys.modules emptied of every other `app`,
# keeps the module objects it got, and puts the previous state back afterwards. Tests use
# the module objects they are handed; nothing imports `app` by name outside `activated()`.

PACKAGE = "app"

# The names each article module defines and the checks rely on, with what each one is.
EXPECTED_NAMES: dict[str, dict[str, str]] = {
    "database": {
        "engine": "the SQLAlchemy engine (create_engine(...))",
        "SessionLocal": "the session factory (sessionmaker(...))",
        "Base": "the declarative base the models inherit from",
        "get_db": "the dependency that yields a session and closes it",
    },
    "models": {"Item": "the ORM model of the items table"},
    "schemas": {
        "ItemCreate": "the schema of a POST body",
        "ItemUpdate": "the schema of a PATCH body (every field optional)",
        "ItemOut": "the schema of a response (includes id)",
    },
    "crud": {
        name: "a CRUD function"
        for name in ("get_items", "get_item", "create_item", "update_item", "delete_item")
    },
    "router": {"router": "the APIRouter with prefix /items"},
    "main": {"app": "the FastAPI application", "lifespan": "the start-up context manager"},
}

STEP_OF_MODULE = {
    "database": "01_database",
    "models": "02_models",
    "schemas": "03_schemas",
    "crud": "04_crud",
    "router": "05_router",
    "main": "06_main",
}


def _is_app_module(name: str) -> bool:
    return name == PACKAGE or name.startswith(PACKAGE + ".")


class AppPackage:
    """The `app` package inside one folder, imported apart from every other `app`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules: dict[str, ModuleType] = {}
        self._failures: dict[str, str] = {}
        # The package is imported and run with this empty folder as working directory.
        # SQLAlchemy resolves a relative SQLite URL such as sqlite:///./app.db when the
        # engine is created, on import: the app's own database file lands here, never in
        # the learner's project or the repository.
        self.workdir = Path(tempfile.mkdtemp(prefix="course-app-"))

    @contextmanager
    def activated(self) -> Iterator[None]:
        """Make `import app...` mean this folder's package while the block runs.

        Needed when other code imports `app` by name at run time (Alembic's env.py,
        uvicorn's "app.main:app"). Modules first imported inside the block are kept.
        The block runs in the package's working folder, `workdir`.
        """
        saved = {name: sys.modules.pop(name) for name in list(sys.modules) if _is_app_module(name)}
        sys.modules.update(self.modules)
        sys.path.insert(0, str(self.root))
        importlib.invalidate_caches()
        previous_cwd = os.getcwd()
        os.chdir(self.workdir)
        try:
            yield
        finally:
            os.chdir(previous_cwd)
            sys.path.remove(str(self.root))
            for name in [name for name in sys.modules if _is_app_module(name)]:
                module = sys.modules.pop(name)
                if self._belongs_here(module):
                    self.modules[name] = module
            sys.modules.update(saved)

    def module(self, name: str, asked_by: str | None) -> ModuleType:
        """Import ``app.<name>`` from this folder, or fail with a message for a learner."""
        full_name = f"{PACKAGE}.{name}"
        if full_name in self.modules:
            return self.modules[full_name]
        if full_name not in self._failures:
            self._failures[full_name] = self._import(name, asked_by) or ""
        message = self._failures[full_name]
        if message:
            pytest.fail(message, pytrace=False)
        return self.modules[full_name]

    def _belongs_here(self, module: ModuleType) -> bool:
        file = getattr(module, "__file__", None)
        if file is None:  # a namespace package (app/ without __init__.py)
            return any(Path(p).resolve() == self.root / PACKAGE for p in module.__path__)
        return Path(file).resolve().is_relative_to(self.root / PACKAGE)

    def _import(self, name: str, asked_by: str | None) -> str | None:
        """Import the module; on failure return the message to show (else None)."""
        full_name = f"{PACKAGE}.{name}"
        relative = f"{PACKAGE}/{name}.py"
        who = _who_expects(name, asked_by)
        if not (self.root / PACKAGE).is_dir():
            return (
                f"There is no {PACKAGE}/ folder in {self.root}.\n"
                f"What to check: --app-dir must be the folder that CONTAINS {PACKAGE}/."
            )
        if not (self.root / relative).is_file():
            return (
                f"{who} expects the file {relative}, but {self.root / relative} does not exist.\n"
                f"What to do: create {relative} as the step's README describes, then run the "
                "checks again."
            )
        with self.activated():
            try:
                module = importlib.import_module(full_name)
            except SyntaxError as error:
                return (
                    f"{relative} has a syntax error at line {error.lineno}: {error.msg}\n"
                    f"    {(error.text or '').strip()}\n"
                    "Python could not even read the file; fix that line first."
                )
            except Exception as error:  # anything the learner's module raises on import
                return (
                    f"Importing {relative} failed: {type(error).__name__}: {error}\n"
                    f"{_where_in(error, self.root)}"
                    "This error comes from your code, not from the checks; fix it first."
                )
        if not self._belongs_here(module):
            return (
                f"`import {full_name}` found {module.__file__}, not a file in {self.root}.\n"
                "What to check: another package called app is shadowing yours."
            )
        missing = [
            f"  - {attr}: {meaning}"
            for attr, meaning in EXPECTED_NAMES.get(name, {}).items()
            if not hasattr(module, attr)
        ]
        if missing:
            return (
                f"{who} expects {relative} to define these names, which it does not:\n"
                + "\n".join(missing)
                + "\nWhat to check: the spelling (Python is case-sensitive), and that each is "
                "defined at the top level of the file, not inside a function."
            )
        return None


def _who_expects(module_name: str, asked_by: str | None) -> str:
    """'Step 03 (schemas)', plus where the file comes from when an earlier step wrote it."""
    if asked_by is None:
        return "These checks"
    who = "Step {} ({})".format(*asked_by.split("_", 1))
    written_in = STEP_OF_MODULE.get(module_name)
    if written_in is None or written_in == asked_by:
        return who
    return f"{who}, building on step {written_in},"


def _where_in(error: BaseException, root: Path) -> str:
    """The last line of the learner's own code in the traceback, if any."""
    last = None
    for frame in traceback.extract_tb(error.__traceback__):
        if Path(frame.filename).resolve().is_relative_to(root):
            last = frame
    if last is None:
        return ""
    where = Path(last.filename).resolve().relative_to(root)
    return f"It happened in {where}, line {last.lineno}:\n    {last.line}\n"


def step_of(test_file: Path) -> str | None:
    """'03_schemas' for a check under steps/03_schemas/, else None."""
    parts = test_file.parts
    if "steps" in parts:
        index = len(parts) - 1 - parts[::-1].index("steps")
        if index + 1 < len(parts) and re.fullmatch(r"\d\d_[a-z]+", parts[index + 1]):
            return parts[index + 1]
    return None


def resolve_app_dir(raw: Path, invocation_dir: Path) -> Path:
    """Turn the --app-dir value into the folder that contains app/, or stop with advice."""
    path = (invocation_dir / raw.expanduser()).resolve()
    if not path.exists():
        raise pytest.UsageError(f"--app-dir {raw}: {path} does not exist.")
    if path.name == PACKAGE and not (path / PACKAGE).is_dir():
        path = path.parent  # the learner pointed at app/ itself; they meant its parent
    if not (path / PACKAGE).is_dir():
        raise pytest.UsageError(
            f"--app-dir {raw}: there is no {PACKAGE}/ folder in {path}.\n"
            f"Give the folder that contains your {PACKAGE}/ package (your project folder)."
        )
    return path


@dataclass(frozen=True)
class Target:
    """The package under test, as seen by one step's checks (for messages)."""

    package: AppPackage
    step: str | None

    @property
    def root(self) -> Path:
        return self.package.root

    def module(self, name: str) -> ModuleType:
        return self.package.module(name, asked_by=self.step)

    def activated(self) -> AbstractContextManager[None]:
        return self.package.activated()


# --- Hypothesis -----------------------------------------------------------------------
# The example database lives at the repository root: the checks run in temporary working
# directories, and a failure found once should be replayed first the next time.
_examples = DirectoryBasedExampleDatabase(REPO_ROOT / ".hypothesis" / "examples")
# deadline=None: every example talks to a real database, whose timing varies from run to run.
# No explain phase: it re-runs a failing example hundreds of times under a tracer, which
# turned a one-second failure into a minute; the shrunk example is what a learner needs.
_NO_EXPLAIN = tuple(phase for phase in Phase if phase is not Phase.explain)
settings.register_profile(
    "fast", max_examples=25, deadline=None, database=_examples, phases=_NO_EXPLAIN
)
settings.register_profile(
    "thorough",
    max_examples=300,
    deadline=None,
    database=None,
    phases=_NO_EXPLAIN,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


# --- Command line ---------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--app-dir",
        metavar="PATH",
        default=None,
        help="check the `app` package inside PATH (your project folder) instead of the snapshots",
    )


def pytest_configure(config: pytest.Config) -> None:
    raw = config.getoption("app_dir")
    if raw is not None:
        # Checked once, up front, so a typo gives one clear message instead of 100 failures.
        config.stash[_APP_DIR] = resolve_app_dir(Path(raw), config.invocation_params.dir)


def pytest_unconfigure(config: pytest.Config) -> None:
    for package in config.stash.get(_PACKAGES, {}).values():
        shutil.rmtree(package.workdir, ignore_errors=True)


def pytest_report_header(config: pytest.Config) -> str:
    app_dir = config.stash.get(_APP_DIR, None)
    if app_dir is None:
        return "checking: the snapshot next to each step's checks"
    return f"checking: your app package in {app_dir}"


_APP_DIR = pytest.StashKey[Path]()
_PACKAGES = pytest.StashKey[dict[Path, AppPackage]]()


# --- The package under test -------------------------------------------------------------
def app_package_for(config: pytest.Config, root: Path) -> AppPackage:
    """One AppPackage per folder for the whole run, so its modules are imported once."""
    packages = config.stash.setdefault(_PACKAGES, {})
    root = root.resolve()
    if root not in packages:
        packages[root] = AppPackage(root)
    return packages[root]


@pytest.fixture
def app_package_at(pytestconfig: pytest.Config) -> Callable[[Path], AppPackage]:
    """`app_package_at(folder)`: the run's AppPackage for the `app` inside `folder`."""
    return lambda root: app_package_for(pytestconfig, root)


@pytest.fixture
def loaded_app_packages(pytestconfig: pytest.Config) -> list[AppPackage]:
    """Every AppPackage this run has loaded so far (for the isolation checks)."""
    return list(pytestconfig.stash.get(_PACKAGES, {}).values())


@pytest.fixture(scope="module")
def target(request: pytest.FixtureRequest) -> Target:
    """The `app` package these checks test: the snapshot beside them, or ``--app-dir``."""
    test_file = request.path
    app_dir = request.config.stash.get(_APP_DIR, None)
    root = app_dir if app_dir is not None else _snapshot_root(test_file)
    return Target(app_package_for(request.config, root), step=step_of(test_file))


def _module_fixture(name: str) -> object:
    def load(target: Target) -> ModuleType:
        return target.module(name)

    load.__name__ = name
    load.__doc__ = f"The target's app/{name}.py (fails with advice when it is missing or broken)."
    return pytest.fixture(scope="module", name=name)(load)


database = _module_fixture("database")
models = _module_fixture("models")
schemas = _module_fixture("schemas")
crud = _module_fixture("crud")
router = _module_fixture("router")
main = _module_fixture("main")


def _snapshot_root(test_file: Path) -> Path:
    for folder in test_file.parents:
        if (folder / "app").is_dir():
            return folder
    raise pytest.UsageError(f"{test_file} has no snapshot: no app/ folder above it")


# --- Progress summary -------------------------------------------------------------------
_OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
_STEP_IN_NODEID = re.compile(r"(?:^|/)steps/(\d\d_[a-z]+)/")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """After a run against a learner's project: one line per step, then what to do next."""
    app_dir = terminalreporter.config.stash.get(_APP_DIR, None)
    if app_dir is None:
        return
    counts: dict[str, Counter[str]] = {}
    for outcome in _OUTCOMES:
        for report in terminalreporter.stats.get(outcome, []):
            match = _STEP_IN_NODEID.search(getattr(report, "nodeid", ""))
            if match:
                counts.setdefault(match.group(1), Counter())[outcome] += 1
    if not counts:
        return
    terminalreporter.write_sep("=", f"your progress ({app_dir})")
    next_step = None
    for step in sorted(counts):
        tally = counts[step]
        broken = tally["failed"] + tally["error"]
        verdict = "FAIL" if broken else "PASS"
        details = ", ".join(f"{n} {outcome}" for outcome, n in tally.items())
        terminalreporter.write_line(f"  {verdict}  step {step.replace('_', ' ', 1):14} {details}")
        if broken and next_step is None:
            next_step = step
    if next_step is None:
        terminalreporter.write_line("Every step checked here passes. Well done!")
        return
    terminalreporter.write_line(
        f"Next: step {next_step}. Read steps/{next_step}/README.md, then run\n"
        f"  pytest steps/{next_step} --app-dir {app_dir}"
    )
