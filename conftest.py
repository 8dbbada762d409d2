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
* a progress summary at the end of a run with ``--app-dir``: which steps pass, why a step
  could not even start (a missing file...), and the next step to work on.
* readable failures: a problem that stops many checks is shown in full once (the repeats
  point back to it), and a learner's run (``--app-dir`` without ``--tb``) shows short
  tracebacks and each check's own message without pytest's assert introspection.
"""

from __future__ import annotations

import builtins
import difflib
import importlib
import os
import re
import shutil
import sys
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, ModuleType

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
        # app.<name> -> (message, headline) of why it cannot be loaded, or None if it can.
        self._failures: dict[str, tuple[str, str] | None] = {}
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
            self._failures[full_name] = self._import(name, asked_by)
        problem = self._failures[full_name]
        if problem is not None:
            message, HEADLINE_OF[message] = problem
            pytest.fail(message, pytrace=False)
        return self.modules[full_name]

    def _belongs_here(self, module: ModuleType) -> bool:
        file = getattr(module, "__file__", None)
        if file is None:  # a namespace package (app/ without __init__.py)
            return any(Path(p).resolve() == self.root / PACKAGE for p in module.__path__)
        return Path(file).resolve().is_relative_to(self.root / PACKAGE)

    def _import(self, name: str, asked_by: str | None) -> tuple[str, str] | None:
        """Import the module; on failure return (message, headline) to show, else None."""
        full_name = f"{PACKAGE}.{name}"
        relative = f"{PACKAGE}/{name}.py"
        who = _who_expects(name, asked_by)
        if not (self.root / PACKAGE).is_dir():
            return (
                f"There is no {PACKAGE}/ folder in {self.root}.\n"
                f"What to check: --app-dir must be the folder that CONTAINS {PACKAGE}/.",
                f"there is no {PACKAGE}/ folder",
            )
        if not (self.root / relative).is_file():
            return (
                f"{who} expects the file {relative}, but {self.root / relative} does not exist.\n"
                f"What to do: create {relative} as the step's README describes, then run the "
                "checks again.",
                f"{relative} does not exist yet",
            )
        with self.activated():
            try:
                module = importlib.import_module(full_name)
            except SyntaxError as error:
                where = self._relative(error.filename) or relative
                return (
                    f"{where} has a syntax error at line {error.lineno}: {error.msg}\n"
                    f"    {(error.text or '').strip()}\n"
                    "Python could not even read the file; fix that line first.",
                    f"{where} has a syntax error at line {error.lineno}",
                )
            except Exception as error:  # anything the learner's module raises on import
                return (
                    f"Importing {relative} failed: {type(error).__name__}: {error}\n"
                    f"{_where_in(error, self.root)}"
                    f"{_hint_for(error, self.root)}"
                    "This error comes from your code, not from the checks; fix it first.",
                    _shortened(f"importing {relative} raised {type(error).__name__}: {error}"),
                )
        if not self._belongs_here(module):
            return (
                f"`import {full_name}` found {module.__file__}, not a file in {self.root}.\n"
                "What to check: another package called app is shadowing yours.",
                f"`import {full_name}` finds another package's file",
            )
        expected = EXPECTED_NAMES.get(name, {})
        absent = [attr for attr in expected if not hasattr(module, attr)]
        if absent:
            # Names the file defines beyond the expected ones: a misspelt name is among them
            # (an expected name that is there is no typo of another one).
            others = [
                attr for attr in vars(module) if not attr.startswith("_") and attr not in expected
            ]
            missing = []
            for attr in absent:
                line = f"  - {attr}: {expected[attr]}"
                near = _close_to(attr, others)
                if near is not None:
                    line += f"; {relative} has `{near}`, spelt differently: a typo?"
                missing.append(line)
            own = [
                f"`{attr}`"
                for attr in others
                if getattr(getattr(module, attr), "__module__", None) == module.__name__
            ]
            if own:
                which = "is it" if len(own) == 1 else "is one of them"
                missing.append(
                    f"  ({relative} also defines {', '.join(own)}, which no step asks for: "
                    f"{which} a name above, called differently?)"
                )
            return (
                f"{who} expects {relative} to define these names, which it does not:\n"
                + "\n".join(missing)
                + "\nWhat to check: the spelling (Python is case-sensitive), and that each is "
                "defined at the top level of the file, not inside a function.",
                f"{relative} does not define {', '.join(absent)}",
            )
        return None

    def _relative(self, filename: str | None) -> str | None:
        """FILENAME as app/..., when it is a file of this package (else None)."""
        if not filename:
            return None
        path = Path(filename).resolve()
        if not path.is_relative_to(self.root):
            return None
        return path.relative_to(self.root).as_posix()


# The one-line reason behind each message AppPackage.module() failed with, for the
# progress summary ("app/models.py does not exist yet").
HEADLINE_OF: dict[str, str] = {}


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


# Libraries whose names the article imports; a NameError for one of their names means a
# missing import line rather than a typo.
_ARTICLE_LIBRARIES = ("sqlalchemy", "sqlalchemy.orm", "fastapi", "pydantic", "typing")


def _close_to(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate NAME was most likely meant to be (a typo or a case slip), if any."""
    others = sorted({candidate for candidate in candidates if candidate != name})
    same_letters = [other for other in others if other.lower() == name.lower()]
    if same_letters:
        return same_letters[0]
    close = difflib.get_close_matches(name, others, n=1, cutoff=0.75)
    return close[0] if close else None


def _library_with(name: str) -> str | None:
    """The first of the article's libraries that defines NAME, if any."""
    for library in _ARTICLE_LIBRARIES:
        try:
            module = importlib.import_module(library)
        except ImportError:
            continue
        if hasattr(module, name):
            return library
    return None


# Old habits that libraries warn about (and the checks turn warnings into errors): Pydantic
# v1's spellings, and FastAPI's start-up events from before lifespan.
_DEPRECATED_HABITS = {
    "class-based `config`": (
        "That is Pydantic v1's style. In Pydantic 2 a model's settings go in its class body as "
        "`model_config = ConfigDict(...)`: `class Config: orm_mode = True` becomes "
        "`model_config = ConfigDict(from_attributes=True)` (from pydantic import ConfigDict).\n"
    ),
    "'orm_mode' has been renamed": (
        "Pydantic 2 calls it from_attributes: `model_config = ConfigDict(from_attributes=True)`.\n"
    ),
    "on_event is deprecated": (
        "FastAPI now runs start-up code in a lifespan, as the article's main.py does: "
        "`@asynccontextmanager async def lifespan(app: FastAPI):` creates the tables, then "
        "`yield`s; and `app = FastAPI(..., lifespan=lifespan)`.\n"
    ),
}
_WARNINGS_ARE_ERRORS = (
    "(The checks treat warnings as errors: a deprecation warning is a library saying that a "
    "coming version will refuse this code, so it is fixed now.)\n"
)


def _hint_for(error: BaseException, root: Path) -> str:
    """What probably went wrong, for the errors beginners meet most, as a line (or "")."""
    if isinstance(error, Warning):
        for clue, hint in _DEPRECATED_HABITS.items():
            if clue in str(error):
                return hint + _WARNINGS_ARE_ERRORS
        return _WARNINGS_ARE_ERRORS
    if isinstance(error, ModuleNotFoundError) and error.name:
        return _hint_for_missing_module(error.name, root)
    if isinstance(error, ImportError) and error.name:
        wanted = re.match(r"cannot import name '(\w+)'", str(error))
        source = sys.modules.get(error.name)
        if wanted is None or source is None:
            return ""
        name = wanted.group(1)
        if error.name == PACKAGE:
            # `from app import schema`: the learner's own files come before any library.
            own_files = sorted(path.stem for path in (root / PACKAGE).glob("*.py"))
            near = _close_to(name, own_files)
            if near is not None:
                return (
                    f"Did you mean `{near}`? Your file is {PACKAGE}/{near}.py: "
                    f"`from {PACKAGE} import {near}`.\n"
                )
        near = _close_to(name, dir(source))
        if near is not None:
            return f"Did you mean `{near}`? That is the name {error.name} defines.\n"
        home = _library_with(name)
        if home is not None and home != error.name:
            return f"`{name}` comes from {home}: `from {home} import {name}`.\n"
        return ""
    if isinstance(error, NameError) and error.name:
        frame = _last_frame_in(error, root)
        own = [*frame.f_globals, *frame.f_locals] if frame is not None else []
        near = _close_to(error.name, own)
        home = _library_with(error.name)
        if near is None and home is not None:
            return (
                f"`{error.name}` comes from {home}, and the file does not import it: add it "
                f"to the import line at the top, e.g. `from {home} import {error.name}`.\n"
            )
        near = near or _close_to(error.name, vars(builtins))
        return f"Did you mean `{near}`?\n" if near is not None else ""
    if isinstance(error, AttributeError) and error.name and error.obj is not None:
        near = _close_to(error.name, dir(error.obj))
        return f"Did you mean `{near}`?\n" if near is not None else ""
    return ""


def _hint_for_missing_module(name: str, root: Path) -> str:
    own_files = sorted(path.stem for path in (root / PACKAGE).glob("*.py"))
    top, _, rest = name.partition(".")
    if top in own_files and not rest:
        return (
            f"`{name}` is your file {PACKAGE}/{name}.py: inside the {PACKAGE} package, import "
            f"it as `{PACKAGE}.{name}`, e.g. `from {PACKAGE}.{name} import ...` (as the "
            "article does).\n"
        )
    if top == PACKAGE and rest:
        near = _close_to(rest, own_files)
        if near is not None:
            return f"Did you mean `{PACKAGE}.{near}`? There is no {PACKAGE}/{rest}.py.\n"
        return f"There is no {PACKAGE}/{rest}.py in {root}.\n"
    return (
        f"`{name}` is neither a file of your project nor installed in the Python that runs "
        f"the checks ({sys.executable}). If it is a library, install it there; if it is "
        "meant to be one of your files, check its name.\n"
    )


def _last_frame_in(error: BaseException, root: Path) -> FrameType | None:
    """The frame of the last line of the learner's own code that the error went through."""
    frame = None
    tb = error.__traceback__
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename).resolve().is_relative_to(root):
            frame = tb.tb_frame
        tb = tb.tb_next
    return frame


def _shortened(text: str, width: int = 110) -> str:
    """TEXT on one line, cut to WIDTH characters."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


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
        raise pytest.UsageError(
            f"--app-dir {raw}: {path} does not exist.\n" + _why_not_found(raw, path, invocation_dir)
        )
    if path.is_file():
        holder = next((folder for folder in path.parents if (folder / PACKAGE).is_dir()), None)
        raise pytest.UsageError(
            f"--app-dir {raw}: {path} is a file.\n"
            f"Give the folder that contains your {PACKAGE}/ package (your project folder)"
            + (f": here, --app-dir {holder}" if holder is not None else "")
            + "."
        )
    if path.name == PACKAGE and not (path / PACKAGE).is_dir():
        path = path.parent  # the learner pointed at app/ itself; they meant its parent
    if not (path / PACKAGE).is_dir():
        raise pytest.UsageError(
            f"--app-dir {raw}: there is no {PACKAGE}/ folder in {path}.\n"
            f"Give the folder that contains your {PACKAGE}/ package (your project folder).\n"
            + _why_no_app_folder(path)
        )
    return path


def _why_not_found(raw: Path, path: Path, invocation_dir: Path) -> str:
    """Advice for an --app-dir that does not exist: backslashes, a typo, the starting folder."""
    backslash = "\\"
    if backslash in str(raw) and os.sep == "/":
        return (
            f"Folders are separated by / here ({backslash} is Windows' separator): try "
            f"--app-dir {str(raw).replace(backslash, '/')}"
        )
    existing = next(folder for folder in path.parents if folder.is_dir())
    wanted = path.relative_to(existing).parts[0]
    folders = [child.name for child in existing.iterdir() if child.is_dir()]
    near = _close_to(wanted, folders)
    if near is not None:
        return f"Did you mean {existing / near}?"
    if raw.expanduser().is_absolute():
        return "What to check: the spelling of each folder in the path."
    return (
        f"A relative path starts from the folder you run pytest in, {invocation_dir}; "
        "an absolute path (or one starting with ~) works from anywhere."
    )


def _why_no_app_folder(path: Path) -> str:
    """What the folder given as --app-dir holds instead of app/, and what to do about it."""
    loose = sorted(f"{module}.py" for module in EXPECTED_NAMES if (path / f"{module}.py").is_file())
    if loose:
        return (
            f"{path} holds {', '.join(loose)} directly; the article keeps them in a package: "
            f"move them into {path / PACKAGE}/, next to an empty {PACKAGE}/__init__.py."
        )
    inside = sorted(child for child in path.iterdir() if (child / PACKAGE).is_dir())
    if inside:
        return f"Did you mean {inside[0]}? It contains {PACKAGE}/."
    return (
        f"Starting from scratch? Create {path / PACKAGE}/ with an empty __init__.py and "
        "database.py in it (step 01), then run the checks again."
    )


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
# report_multiple_bugs=False: when two mistakes break one property, the learner gets the
# simplest failure, fixes it and runs again, instead of an ExceptionGroup of both.
settings.register_profile(
    "fast",
    max_examples=25,
    deadline=None,
    database=_examples,
    phases=_NO_EXPLAIN,
    report_multiple_bugs=False,
)
settings.register_profile(
    "thorough",
    max_examples=300,
    deadline=None,
    database=None,
    phases=_NO_EXPLAIN,
    suppress_health_check=[HealthCheck.too_slow],
    report_multiple_bugs=False,
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
        if config.option.tbstyle == "auto":
            # A learner's run: each failure shows the check's message and the line that
            # failed, not the check's whole source. `--tb=long` brings the details back.
            config.option.tbstyle = "short"
            config.stash[_BRIEF] = True


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
# Set when a learner's run chose the short failure reports (see pytest_configure).
_BRIEF = pytest.StashKey[bool]()


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


# --- Failure reports --------------------------------------------------------------------
# One problem often stops many checks: a missing app/models.py makes every check of step 02
# fail with the same message. It is shown in full once; the repeats point back to it.
_SHOWN = pytest.StashKey[dict[str, str]]()  # failure text -> the check that showed it first
_HEADLINES = pytest.StashKey[dict[str, str]]()  # nodeid -> one line: why the check failed


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    if call.excinfo is not None and item.config.stash.get(_BRIEF, False):
        _drop_assertion_details(call.excinfo.value)
        _drop_fixture_arguments(call.excinfo.value, getattr(item, "fixturenames", []))
    report: pytest.TestReport = yield
    if report.failed and call.excinfo is not None:
        advice = _framework_advice(call.excinfo.value)
        app_dir = item.config.stash.get(_APP_DIR, None)
        if advice is not None and item.config.stash.get(_BRIEF, False):
            # FastAPI's own frames say nothing to a learner: the error and the advice do.
            report.longrepr = f"{type(call.excinfo.value).__name__}: {call.excinfo.value}\n{advice}"
        elif item.config.stash.get(_BRIEF, False) and app_dir is not None:
            short = _error_in_learner_code(call.excinfo.value, item.path, app_dir)
            if short:
                report.longrepr = short
        headline = _headline(call.excinfo.value)
        item.config.stash.setdefault(_HEADLINES, {})[item.nodeid] = headline
        _point_back_at_repeats(item, report, headline)
    return report


def _error_in_learner_code(error: BaseException, check_file: Path, app_dir: Path) -> str:
    """An error the learner's code raised while a check ran, with only the lines that matter.

    A crash deep in the learner's code (SQLAlchemy called with the wrong arguments, a table
    that does not exist) comes with 50 to 150 frames of library code. Kept: the check's line
    and the learner's own lines, in calling order, then a hint. "" for any other failure.
    """
    if isinstance(error, (AssertionError, pytest.fail.Exception, pytest.skip.Exception)):
        return ""
    own, lines = (app_dir / PACKAGE).resolve(), []
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(own):
            where = path.relative_to(app_dir.resolve()).as_posix()
        elif path == check_file.resolve():
            where = f"the check, {check_file.name}"
        else:
            continue
        lines.append(f"  {where}, line {frame.lineno}, in {frame.name}:\n      {frame.line}")
    hint = _runtime_hint(error)
    if not hint and not any(PACKAGE + "/" in line for line in lines):
        return ""  # not the learner's code: pytest's own report is the right one
    notes = "".join(f"\n{note}" for note in getattr(error, "__notes__", []))
    return (
        f"{type(error).__name__}: {error}{notes}\n{_WHERE_IT_HAPPENED}\n"
        + "\n".join(lines)
        + "\n"
        + hint
        + "(Frames of libraries are left out; --tb=long shows them.)"
    )


# Heads the lines of a learner's error; what comes before it is the same for every check
# that meets the error, so repeats are recognised by that part.
_WHERE_IT_HAPPENED = "Where it happened, from the check down to the line that failed:"

# Methods of a database session: called on something else, the arguments were mixed up.
_SESSION_METHODS = {"query", "add", "commit", "refresh", "delete", "get", "execute", "scalars"}


def _a(noun: str) -> str:
    """'an int', 'a str'."""
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def _runtime_hint(error: BaseException) -> str:
    """What probably went wrong, for errors beginners meet while a check runs (or "")."""
    if (
        isinstance(error, AttributeError)
        and error.name in _SESSION_METHODS
        and not hasattr(error.obj, "bind")
    ):
        return (
            f"`.{error.name}(...)` was called on {_a(type(error.obj).__name__)}, where a database "
            "session was expected: the arguments of a call above are in the wrong order "
            "(the article's functions take the session first: crud.update_item(db, item_id, "
            "item)).\n"
        )
    if "no such table" in str(error):
        return (
            "The database has no such table: nothing created it. What to check: main.py's "
            "lifespan runs Base.metadata.create_all(bind=engine) before `yield`, and "
            "FastAPI(..., lifespan=lifespan) uses it.\n"
        )
    not_null = re.search(r"NOT NULL constraint failed: items\.(\w+)", str(error))
    if not_null:
        return _NOT_NULL_HINTS.get(not_null.group(1), "")
    if "Not a boolean value: '" in str(error):
        return (
            "A text was given where SQLAlchemy expects True or False: a Boolean column's "
            "default is the value True (`default=True`), not the text 'True'.\n"
        )
    return ""


# The database refused NULL in a column of items: why that column got none, and the fix.
_NOT_NULL_HINTS = {
    "id": (
        "The database did not number the new item. SQLite numbers a row by itself only when "
        "its primary key is an INTEGER column: `id = Column(Integer, primary_key=True, "
        "index=True)`, with no BigInteger, autoincrement=False or default.\n"
    ),
    "description": (
        "The item had no description, which the article allows (it is optional), but the "
        "column refuses NULL. What to check in app/models.py: "
        "`description = Column(String, nullable=True)`.\n"
    ),
    "is_available": (
        "The item was saved without is_available, and the column refuses NULL with no "
        "default to fill in. What to check in app/models.py: "
        "`is_available = Column(Boolean, default=True)`.\n"
    ),
    "title": (
        "An item reached the database with no title. If this happened while updating one, "
        "every field the client did not send was written as None: "
        "item.model_dump(exclude_unset=True) gives only the fields sent.\n"
    ),
}
_NOT_NULL_HINTS["price"] = _NOT_NULL_HINTS["title"].replace("title", "price")


def _drop_assertion_details(error: BaseException) -> None:
    """Keep only the check's own message of a failed `assert ..., message`.

    pytest appends its introspection of the assert expression (`assert False`,
    `+  where False = isinstance(<...>)`) to the message; every check's message already
    says what was expected and what was found, so for a learner that part is noise.
    """
    if not isinstance(error, AssertionError) or len(error.args) != 1:
        return
    text = error.args[0]
    if not isinstance(text, str) or text.startswith("assert "):
        return  # an assert without a message: the introspection is all there is
    message, found, _ = text.partition("\nassert ")
    if found:
        error.args = (message,)


def _drop_fixture_arguments(error: BaseException, fixtures: list[str]) -> None:
    """Keep only the invented values in the example Hypothesis reports for a failed property.

    Its "Failing test case" note lists every argument of the check, the pytest fixtures too
    (`crud=<module 'app.crud' from '…'>`, `read_back=read`): the same in every run, and no
    help in reproducing the failure.
    """
    notes = getattr(error, "__notes__", None)
    if not notes or not fixtures:
        return
    fixture_argument = re.compile(rf"^\s+(?:{'|'.join(map(re.escape, fixtures))})=.*,$")
    error.__notes__ = [
        "\n".join(line for line in note.splitlines() if not fixture_argument.match(line))
        for note in notes
    ]


# Errors FastAPI raises because of the learner's code: (headline, what to check).
_FRAMEWORK_ERRORS = {
    "ResponseValidationError": (
        "a handler returned something its response_model does not describe",
        "A handler returned something its response_model does not describe (the File line "
        "above names it). What to check, the likeliest first: for an id no item has, the "
        'handler must raise HTTPException(status_code=404, detail="Item not found") instead of '
        "returning None; it returns what the CRUD function gave (the stored item, or the "
        "list), not its own body parameter; and that body parameter has the schema the "
        "article gives (ItemCreate for POST): a schema with looser rules lets in values that "
        "ItemOut then refuses.",
    ),
}


# TypeErrors Starlette raises when main.py's lifespan does not have the shape it calls.
_LIFESPAN_MISTAKES = ("'coroutine' object is not an async iterator", "lifespan() takes")
_LIFESPAN_ADVICE = (
    "app/main.py's lifespan does not have the shape FastAPI expects: when the app starts, "
    "FastAPI calls lifespan(app) and runs it up to its `yield` (what comes after runs at "
    "shutdown). What to check: the parameter `app` and the `yield` are both there:\n"
    "    @asynccontextmanager\n"
    "    async def lifespan(app: FastAPI):\n"
    "        Base.metadata.create_all(bind=engine)\n"
    "        yield"
)


# Alembic's warning when a migration's down_revision names no existing revision.
_MISSING_REVISION = re.compile(r"Revision (\S+) referenced from .*-> (\S+) .*is not present")


def _framework_advice(error: BaseException) -> str | None:
    """Advice for an error a library raised because of the learner's code, or None."""
    if type(error).__name__ in _FRAMEWORK_ERRORS:
        return _FRAMEWORK_ERRORS[type(error).__name__][1]
    if isinstance(error, TypeError) and any(clue in str(error) for clue in _LIFESPAN_MISTAKES):
        return _LIFESPAN_ADVICE
    missing = _MISSING_REVISION.search(str(error)) if isinstance(error, Warning) else None
    if missing:
        return (
            f"The migration {missing[2]} in alembic/versions/ has down_revision = "
            f"'{missing[1]}', and no migration has that revision id, so Alembic cannot put "
            "the migrations in order. What to check: the first migration's down_revision is "
            "None; each later one names the revision of the migration before it (the "
            "`revision = ...` line of that file)."
        )
    return None


def _headline(error: BaseException) -> str:
    """Why a check failed, in one line: its message's first sentence, or the error."""
    if str(error) in HEADLINE_OF:
        return HEADLINE_OF[str(error)]
    if type(error).__name__ in _FRAMEWORK_ERRORS:
        return _FRAMEWORK_ERRORS[type(error).__name__][0]
    # Memory addresses differ from one run of a check to the next; the problem does not.
    text = re.sub(r" at 0x[0-9a-f]+", "", str(error))
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    first = lines[0] if lines else ""
    # A first line that ends in ":" only introduces the problem ("With 25 items stored:"):
    # the line after it says what it is.
    if first.endswith(":") and len(lines) > 1:
        first = f"{first} {lines[1]}"
    if not isinstance(error, (AssertionError, pytest.fail.Exception)):
        return _shortened(f"{type(error).__name__}: {first}")
    sentence, stop, _ = first.partition(". ")
    return _shortened(sentence + stop.strip() if first else type(error).__name__)


def _point_back_at_repeats(item: pytest.Item, report: pytest.TestReport, headline: str) -> None:
    text = str(report.longrepr).partition(f"\n{_WHERE_IT_HAPPENED}")[0]
    shown = item.config.stash.setdefault(_SHOWN, {})
    if text not in shown:
        shown[text] = item.name
        return
    report.longrepr = f"The same problem as in {shown[text]} above: {headline}"


# --- Progress summary -------------------------------------------------------------------
_STEP_IN_NODEID = re.compile(r"(?:^|/)steps/(\d\d_[a-z]+)/")
# How each outcome reads in a step's line ("error": the check could not even start).
_OUTCOME_WORDS = {
    "passed": "passed",
    "failed": "failed",
    "error": "could not run",
    "skipped": "skipped",
    "xfailed": "xfailed",
    "xpassed": "xpassed",
}
_SHOWN_PROBLEMS = 5


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter,
) -> Generator[None, None, None]:
    """After a run against a learner's project: one line per step, then what to do next.

    Written last, after pytest's own short summary, so that it is what the learner reads.
    """
    yield
    config = terminalreporter.config
    app_dir = config.stash.get(_APP_DIR, None)
    if app_dir is None:
        return
    counts: dict[str, Counter[str]] = {}
    broken_checks: dict[str, list[str]] = {}
    for outcome in _OUTCOME_WORDS:
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            match = _STEP_IN_NODEID.search(nodeid)
            if match:
                step = match.group(1)
                counts.setdefault(step, Counter())[outcome] += 1
                if outcome in ("failed", "error"):
                    broken_checks.setdefault(step, []).append(nodeid)
    if not counts:
        return
    # Checks left out by -m or -k: a step is not done while some of its checks never ran.
    left_out: Counter[str] = Counter()
    for item in terminalreporter.stats.get("deselected", []):
        match = _STEP_IN_NODEID.search(getattr(item, "nodeid", ""))
        if match:
            left_out[match.group(1)] += 1
    headlines = config.stash.get(_HEADLINES, {})
    write = terminalreporter.write_line
    terminalreporter.write_sep("=", f"your progress ({app_dir})")
    next_step = None
    for step in sorted(counts):
        tally = counts[step]
        broken = broken_checks.get(step, [])
        verdict = "FAIL" if broken else "PASS"
        details = ", ".join(f"{n} {_OUTCOME_WORDS[outcome]}" for outcome, n in tally.items())
        reason = _common_headline(broken, headlines)
        if left_out[step]:
            details += f", {left_out[step]} not run (-m/-k)"
        if reason in HEADLINE_OF.values() and not tally["passed"]:
            details += f": {reason}"  # the step could not even start: a file is missing...
        write(f"  {verdict}  step {step.replace('_', ' ', 1):14} {details}")
        if broken and next_step is None:
            next_step = step
    command = f"{_pytest_command(config)} steps/{{}} --app-dir {app_dir}"
    unfinished = sorted(step for step in counts if left_out[step])
    if next_step is None and unfinished:
        total = sum(left_out.values())
        write(
            f"Every check that ran passes, but {total} {'was' if total == 1 else 'were'} left "
            "out by -m or -k. Run them too before you move on:\n  " + command.format(unfinished[0])
        )
        return
    if next_step is None:
        write("Every step checked here passes. Well done!")
        following = _step_after(max(counts))
        if following is not None:
            write(
                f"Next: step {following}. Read steps/{following}/README.md, write what it "
                "adds, then run\n  " + command.format(following)
            )
        return
    problems: dict[str, list[str]] = {}
    for nodeid in broken_checks[next_step]:
        problems.setdefault(headlines.get(nodeid, "see its message above"), []).append(
            nodeid.rpartition("::")[2]
        )
    write(f"Next: step {next_step}. What fails there (each message is above):")
    for problem, checks in list(problems.items())[:_SHOWN_PROBLEMS]:
        write(f"  - {problem}")
        write(f"    ({checks[0]}{f' and {len(checks) - 1} more' if len(checks) > 1 else ''})")
    if len(problems) > _SHOWN_PROBLEMS:
        write(f"  … and {len(problems) - _SHOWN_PROBLEMS} more problems")
    write(
        f"Read steps/{next_step}/README.md (its 'When a check fails' section), fix your code, "
        "then run\n  " + command.format(next_step)
    )
    if config.stash.get(_BRIEF, False):
        write("(Add --tb=long to see each failing check's code and full traceback.)")


def _common_headline(nodeids: list[str], headlines: dict[str, str]) -> str | None:
    """The one reason all these checks failed for, if they share one."""
    reasons = {headlines.get(nodeid) for nodeid in nodeids}
    if len(reasons) != 1:
        return None
    return reasons.pop()


def _step_after(step: str) -> str | None:
    """The course's step that follows STEP ('02_models' after '01_database'), if any."""
    steps = sorted(
        folder.name
        for folder in (REPO_ROOT / "steps").iterdir()
        if re.fullmatch(r"\d\d_[a-z]+", folder.name)
    )
    later = [name for name in steps if name > step]
    return later[0] if later else None


def _pytest_command(config: pytest.Config) -> str:
    """How this run started pytest, to say it again: `.venv/bin/pytest`, `python -m pytest`..."""
    here = config.invocation_params.dir
    program = Path(sys.argv[0])
    if program.name in ("pytest", "py.test", "pytest.exe"):
        typed = shutil.which(program.name)
        if program.is_absolute() and typed is not None and Path(typed) == program:
            return program.name  # found on PATH: the learner typed just `pytest`
        return _shown_path(program, here)
    if program.name == "__main__.py":  # python -m pytest
        return f"{_shown_path(Path(sys.executable), here)} -m pytest"
    return "pytest"


def _shown_path(path: Path, here: Path) -> str:
    """PATH relative to HERE when it lies inside (`.venv/bin/pytest`), else as it is."""
    absolute = Path(os.path.abspath(here / path))  # not resolve(): .venv's python is a link
    if absolute.is_relative_to(here):
        return absolute.relative_to(here).as_posix()
    return str(path)
