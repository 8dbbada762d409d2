"""Step 07: run the project's own Alembic migrations against a throw-away database.

The checks use pytest-alembic: its `alembic_runner` fixture drives the migrations, and the
two fixtures below tell it which migrations (`alembic_config`) and which database
(`alembic_engine`) to use.

Alembic's settings are read as the `alembic` command reads them when you run it in your
project folder: alembic.ini (and the [tool.alembic] table of a pyproject.toml beside it), with
every relative path in them (script_location, prepend_sys_path, version_locations) taken from
that folder. The checks run in a temporary folder of their own, so those paths are made
absolute first.
"""

import ast
import difflib
import os
import re
import sys
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import alembic
import alembic.config
import pytest
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from pytest_alembic import Config, MigrationContext
from sqlalchemy import Engine, create_engine

from .migrations import Migrations

# What `alembic init alembic` creates, and what the checks need of it.
ALEMBIC_FILES = {
    "alembic.ini": "Alembic's settings",
    "alembic/env.py": "the script Alembic runs for every command",
    "alembic/versions": "the folder of migration files",
}
# The settings of alembic.ini that hold paths, as Alembic reads them.
PATH_SETTINGS = ("script_location", "prepend_sys_path", "version_locations")


@dataclass(frozen=True)
class AlembicProject:
    """Where Alembic finds each of its files in the project, as `alembic` run there would."""

    root: Path
    ini: Path
    toml: Path | None
    # script_location as written (with %(here)s filled in), and the folder it names.
    script_location: str | None
    scripts: Path | None
    version_folders: tuple[Path, ...]
    prepend_sys_path: tuple[Path, ...]

    @property
    def env(self) -> Path | None:
        return None if self.scripts is None else self.scripts / "env.py"

    def shown(self, path: Path) -> str:
        """PATH as the learner knows it: relative to the project folder when inside it."""
        if path.is_relative_to(self.root):
            return path.relative_to(self.root).as_posix()
        return str(path)

    def migration_files(self) -> list[Path]:
        return sorted(path for folder in self.version_folders for path in folder.glob("*.py"))

    def config(self, url: str, **options: Any) -> alembic.config.Config:
        """Alembic's Config for these files, aimed at the database URL.

        The URL goes in as `sqlalchemy.url` too, for an env.py that builds its own engine from
        it instead of using the connection pytest-alembic hands over.
        """
        settings = alembic.config.Config(
            str(self.ini), toml_file=str(self.toml) if self.toml else None, **options
        )
        if self.scripts is not None:
            set_option(settings, "script_location", str(self.scripts))
        # The separator is given explicitly: an alembic.ini from before Alembic 1.16 has none,
        # and Alembic's fallback (which it warns about, and then uses) splits on spaces.
        set_option(settings, "path_separator", "os")
        set_option(settings, "prepend_sys_path", joined(self.prepend_sys_path))
        if self.scripts is None or self.version_folders != (self.scripts / "versions",):
            set_option(settings, "version_locations", joined(self.version_folders))
        set_option(settings, "sqlalchemy.url", url)
        return settings


def joined(paths: tuple[Path, ...]) -> str:
    return os.pathsep.join(map(str, paths))


def set_option(settings: alembic.config.Config, name: str, value: str) -> None:
    # configparser reads "%" as the start of an interpolation: a literal one is written "%%".
    settings.set_main_option(name, value.replace("%", "%%"))


def read_alembic_project(root: Path) -> AlembicProject:
    """The project's Alembic settings, with each relative path taken from ROOT."""
    ini = root / "alembic.ini"
    toml = root / "pyproject.toml"
    settings = alembic.config.Config(str(ini), toml_file=str(toml) if toml.is_file() else None)

    def absolute(value: str) -> Path:
        return (root / Path(value).expanduser()).resolve()

    with warnings.catch_warnings():
        # Alembic warns about an alembic.ini without path_separator (the older template) and
        # then splits as it always did; `alembic` itself accepts it, so the checks do too.
        warnings.simplefilter("ignore", DeprecationWarning)
        location = settings.get_alembic_option("script_location") if ini.is_file() else None
        # As written, for messages: "%(here)s/alembic" rather than the folder it stands for.
        written = settings.file_config.get(
            settings.config_ini_section, "script_location", raw=True, fallback=location
        )
        versions = settings.get_version_locations_list() or []
        prepend = settings.get_prepend_sys_paths_list() or []
    scripts = None
    # "package:folder" names a folder inside an installed package, not a path.
    if isinstance(location, str) and location and (os.path.isabs(location) or ":" not in location):
        scripts = absolute(location)
    version_folders = tuple(absolute(folder) for folder in versions if folder)
    if not version_folders and scripts is not None:
        version_folders = (scripts / "versions",)
    return AlembicProject(
        root=root,
        ini=ini,
        toml=toml if toml.is_file() else None,
        script_location=written if isinstance(location, str) else None,
        scripts=scripts,
        version_folders=version_folders,
        prepend_sys_path=tuple(absolute(path) for path in prepend if path),
    )


@pytest.fixture
def alembic_project(target: Any) -> AlembicProject:
    """The project's Alembic files, found as `alembic` run in the project folder finds them."""
    return read_alembic_project(target.root)


@pytest.fixture
def alembic_files_problem(target: Any, alembic_project: AlembicProject) -> str:
    """What is missing of Alembic's files in the project, and how to add it ("" if nothing)."""
    if alembic_project.ini.is_file():
        return script_folder_problem(alembic_project)
    missing = [
        f"  - {name}: {meaning}"
        for name, meaning in ALEMBIC_FILES.items()
        if not (target.root / name).exists()
    ]
    app_folder = target.root / "app"
    inside_app = [name for name in ("alembic.ini", "alembic") if (app_folder / name).exists()]
    if inside_app:
        found = " and ".join(f"app/{name}" for name in inside_app)
        return (
            f"Step 07 (alembic) expects Alembic's files next to app/, in {target.root}, but "
            f"they are inside app/: {found}. `alembic init` was run in the app/ folder.\n"
            "What to do: move alembic.ini and the alembic/ folder up one level, next to app/ "
            "(Alembic runs from the folder that contains app/, so that `import app` works), "
            "and run Alembic's commands from there."
        )
    return (
        f"Step 07 (alembic) expects Alembic's files in {target.root}, but these are missing:\n"
        + "\n".join(missing)
        + "\nWhat to do: in your project folder run `alembic init alembic` (the course's "
        ".venv already has Alembic; elsewhere, `pip install alembic` first); point "
        "alembic/env.py at your models and run "
        '`alembic revision --autogenerate -m "add items table"` (see this step\'s README).'
    )


def script_folder_problem(project: AlembicProject) -> str:
    """What is wrong with the folder alembic.ini's script_location names ("" if nothing)."""
    where = "alembic.ini and pyproject.toml say" if project.toml else "alembic.ini says"
    if project.script_location is None:
        return (
            f"{where} nothing of where the migrations live: there is no `script_location` "
            "setting. What to do: under [alembic] in alembic.ini, write "
            "`script_location = %(here)s/alembic` (the folder `alembic init alembic` made)."
        )
    if project.scripts is None:
        return ""  # a folder inside an installed package: Alembic finds it, or says why
    candidates = sorted(
        project.shown(env.parent)
        for env in project.root.glob("*/env.py")
        if (env.parent / "versions").is_dir()
    )
    if not project.scripts.is_dir():
        here = (
            f" The folder with Alembic's env.py here is {candidates[0]}/: write "
            f"`script_location = %(here)s/{candidates[0]}`."
            if candidates
            else " Run `alembic init alembic` in the project folder to make it."
        )
        return (
            f"{where} `script_location = {project.script_location}`, which is "
            f"{project.shown(project.scripts)}/ in your project folder, and that folder does "
            f"not exist, so Alembic cannot find your migrations.{here}"
        )
    missing = [
        f"  - {project.shown(path)}: {meaning}"
        for path, meaning in (
            (project.scripts / "env.py", "the script Alembic runs for every command"),
            *((folder, "the folder of migration files") for folder in project.version_folders),
        )
        if not path.exists()
    ]
    if not missing:
        return ""
    return (
        f"alembic.ini's script_location is {project.shown(project.scripts)}/, but these are "
        "missing:\n" + "\n".join(missing) + "\nWhat to do: `alembic init` writes them; if you "
        "moved the folder, move all of it (env.py, script.py.mako and versions/)."
    )


# --- The history of migrations, read before any check runs it ---------------------------
@dataclass(frozen=True)
class Assignment:
    name: str
    value: Any  # the literal assigned, or None when it is not a literal
    line: int


def top_level_assignments(source: str) -> dict[str, Assignment]:
    """`name = literal` (annotated or not) at the top of a migration file, by name."""
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            try:
                literal = ast.literal_eval(value)
            except ValueError:
                literal = None
            found[target.id] = Assignment(target.id, literal, node.lineno)
    return found


def history_problem(project: AlembicProject, settings: alembic.config.Config) -> str:
    """Why Alembic cannot read the chain of migrations, with the file and line to change."""
    # A file Python cannot read stops every command; say so before Alembic does.
    declared = {}
    for path in project.migration_files():
        source = path.read_text(encoding="utf-8")
        try:
            declared[path] = top_level_assignments(source)
        except SyntaxError as error:
            return (
                f"{project.shown(path)} has a syntax error at line {error.lineno}: {error.msg}\n"
                f"    {(error.text or '').strip()}\n"
                "Alembic reads every file in the versions folder before it runs any command, so "
                "this one file stops them all. Fix that line first."
            )
    try:
        list(ScriptDirectory.from_config(settings).walk_revisions())
    except Exception as error:  # whatever Alembic raises while reading the files
        return explained_history_error(error, project, declared)
    return ""


# The names Alembic reads at the top of a migration file.
MIGRATION_NAMES = ("revision", "down_revision", "branch_labels", "depends_on")
ORDER_RULE = (
    "Alembic orders the migrations by these two lines: the first migration has "
    "`down_revision = None`, and each later one names the `revision` of the one before it."
)


def explained_history_error(
    error: Exception, project: AlembicProject, declared: dict[Path, dict[str, Assignment]]
) -> str:
    """Alembic's error about the chain of revisions, turned into the file and line to change."""
    text = str(error)

    def file_with(name: str, value: object) -> tuple[Path, Assignment] | None:
        for path, names in declared.items():
            if name in names and names[name].value == value:
                return path, names[name]
        return None

    def revision_of(path: Path) -> str:
        found = declared[path].get("revision")
        return f"migration {found.value}" if found else "migration"

    name = getattr(error, "name", None)
    if isinstance(error, AttributeError) and name in ("revision", "down_revision"):
        lacking = [path for path, names in declared.items() if name not in names]
        if lacking:
            path = lacking[0]
            others = [other for other in declared[path] if other not in MIGRATION_NAMES]
            near = difflib.get_close_matches(name, others, n=1, cutoff=0.75)
            typo = (
                f" Line {declared[path][near[0]].line} assigns `{near[0]}`: a typo of {name}?"
                if near
                else ""
            )
            beside = declared[path].get("revision" if name == "down_revision" else "")
            place = (
                f" Write it under `revision = {beside.value!r}` (line {beside.line})."
                if beside and not typo
                else ""
            )
            return (
                f"{project.shown(path)} has no `{name} = ...` line, so Alembic cannot place it "
                f"among the migrations.{typo}{place}\nWhat to do: {ORDER_RULE}"
            )
    if "Could not determine revision id from filename" in text:
        lacking = [path for path, names in declared.items() if "revision" not in names]
        for path in lacking:
            others = [other for other in declared[path] if other not in MIGRATION_NAMES]
            near = difflib.get_close_matches("revision", others, n=1, cutoff=0.75)
            typo = (
                f" Line {declared[path][near[0]].line} assigns `{near[0]}`: a typo of revision?"
                if near
                else ' Alembic reads it from the line `revision = "..."` at the top.'
            )
            return (
                f"{project.shown(path)} declares no `revision`, so Alembic does not know this "
                f"migration's id.{typo}\nWhat to do: {ORDER_RULE}"
            )
    revisions = next(
        (cause.revisions for cause in causes_of(error) if hasattr(cause, "revisions")), None
    )
    if revisions is not None:  # Alembic's LoopDetected and CycleDetected
        lines = []
        for revision in revisions:
            found = file_with("revision", revision)
            if found is None:
                continue
            path = found[0]
            down = declared[path].get("down_revision")
            if down is not None:
                lines.append(
                    f"  {project.shown(path)}, line {down.line}: revision {revision!r} has "
                    f"down_revision = {down.value!r}"
                )
        if len(revisions) == 1:
            headline = (
                f"The migration {revisions[0]} names itself as the migration before it, so "
                "Alembic cannot put the migrations in order:"
            )
        else:
            headline = (
                f"The migrations {', '.join(revisions)} name each other as the one before, in a "
                "circle, so Alembic cannot put them in order:"
            )
        return f"{headline}\n" + "\n".join(lines) + f"\nWhat to do: {ORDER_RULE}"
    missing = re_missing_revision(text)
    if missing is not None:
        absent, after = missing
        found = file_with("revision", after)
        where = ""
        if found is not None:
            down = declared[found[0]].get("down_revision")
            line = f", line {down.line}" if down else ""
            where = f" in {project.shown(found[0])}{line}"
        return (
            f"The migration {after}{where} has down_revision = "
            f"'{absent}', and no migration has that revision id, so Alembic cannot put the "
            "migrations in order. What to check: the first migration's down_revision is "
            "None; each later one names the revision of the migration before it (the "
            "`revision = ...` line of that file)."
        )
    frames = [
        frame
        for frame in traceback_frames(error)
        if Path(frame[0]).resolve().is_relative_to(project.root)
    ]
    where = ""
    if frames:
        file, number, source = frames[-1]
        shown = project.shown(Path(file).resolve())
        where = f"\nIt happened in {shown}, line {number}:\n    {source}"
    return (
        f"Alembic could not read the migrations: {type(error).__name__}: {error}{where}\n"
        "Alembic reads every file of the versions folder before any command; a file it "
        "cannot load stops them all."
    )


def causes_of(error: BaseException) -> Iterator[BaseException]:
    """ERROR, then the error it was raised from, and so on."""
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def re_missing_revision(text: str) -> tuple[str, str] | None:
    """(the revision named, the migration naming it) of Alembic's 'is not present' warning."""
    found = re.search(r"Revision (\S+) referenced from .*-> (\S+) .*is not present", text)
    return (found[1], found[2]) if found else None


def traceback_frames(error: BaseException) -> list[tuple[str, int, str]]:
    return [
        (frame.filename, frame.lineno or 0, (frame.line or "").strip())
        for frame in traceback.extract_tb(error.__traceback__)
    ]


# --- What env.py hands to Alembic ---------------------------------------------------------
@dataclass(frozen=True)
class ConfigureCall:
    """One `context.configure(...)` that env.py made: its arguments and where it is."""

    options: dict[str, Any]
    file: str
    line: int


ALEMBIC_PACKAGE = Path(alembic.__file__).resolve().parent


def is_outside_alembic(filename: str) -> bool:
    """Whether FILENAME is a real file, and not one of Alembic's own (nor its proxies')."""
    path = Path(filename)
    return path.is_file() and not path.resolve().is_relative_to(ALEMBIC_PACKAGE)


@pytest.fixture(autouse=True)
def configure_calls(monkeypatch: pytest.MonkeyPatch) -> list[ConfigureCall]:
    """Every context.configure(...) env.py makes while a check runs, in order.

    Alembic's own configure still runs; the checks only remember what env.py gave it, to
    advise on what env.py declares rather than on the error Alembic raised later.
    """
    calls: list[ConfigureCall] = []
    original = EnvironmentContext.configure

    def remembered(self: EnvironmentContext, *args: Any, **options: Any) -> None:
        # The caller is env.py, below the proxy functions of alembic.context.
        caller: FrameType | None = sys._getframe(1)
        while caller is not None and not is_outside_alembic(caller.f_code.co_filename):
            caller = caller.f_back
        file, line = (caller.f_code.co_filename, caller.f_lineno) if caller else ("", 0)
        calls.append(ConfigureCall(options, file, line))
        original(self, *args, **options)

    monkeypatch.setattr(EnvironmentContext, "configure", remembered)
    return calls


@pytest.fixture(autouse=True)
def alembic_can_import_app(target: Any) -> Iterator[None]:
    """While a check runs, `import app` (in env.py) finds the package under test.

    Alembic also puts folders on the import path (`prepend_sys_path` in alembic.ini); they
    are taken off again when the check ends.
    """
    with target.activated():
        path = list(sys.path)
        yield
        sys.path[:] = path


@pytest.fixture
def migration_database_url() -> str:
    """The check's throw-away database: ./app.db in the app's emptied working folder.

    That is the file the app's relative URL names, so env.py migrates this same file
    whichever way it connects: through the connection pytest-alembic hands it, through
    `sqlalchemy.url`, or through the app's own URL or engine (as the article suggests).
    """
    return f"sqlite:///{Path('app.db').resolve()}"


@pytest.fixture
def alembic_config(
    alembic_project: AlembicProject, alembic_files_problem: str, migration_database_url: str
) -> Config:
    """pytest-alembic's settings: the project's Alembic files, aimed at the check's database.

    Before any check runs a migration, the chain of migrations is read once: a file Alembic
    cannot place (no revision, a down_revision naming itself or nothing) fails every check
    with the file and line to change, instead of Alembic's traceback.
    """
    if alembic_files_problem:
        pytest.fail(alembic_files_problem, pytrace=False)
    settings = alembic_project.config(migration_database_url)
    problem = history_problem(alembic_project, settings)
    if problem:
        pytest.fail(problem, pytrace=False)
    return Config(alembic_config=settings)


@pytest.fixture
def alembic_engine(migration_database_url: str) -> Iterator[Engine]:
    """The database pytest-alembic migrates: an empty SQLite file for each check."""
    engine = create_engine(migration_database_url)
    yield engine
    engine.dispose()


# --- The migrations, run for the checks (see migrations.py) ------------------------------
@pytest.fixture
def migrations(
    alembic_runner: MigrationContext, alembic_project: Any, configure_calls: list[Any]
) -> Migrations:
    return Migrations(alembic_runner, alembic_project, configure_calls)
