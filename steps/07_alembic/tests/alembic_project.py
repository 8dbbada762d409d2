"""The project's Alembic files, found as `alembic` run in the project folder finds them, and
what is missing of them.

Alembic's settings are read as the `alembic` command reads them when you run it in your
project folder: alembic.ini (and the [tool.alembic] table of a pyproject.toml beside it), with
every relative path in them (script_location, prepend_sys_path, version_locations) taken from
that folder. The checks run in a temporary folder of their own, so those paths are made
absolute first.

Used by the fixtures of conftest.py (alembic_project, alembic_files_problem, alembic_config)
and by history.py.
"""

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import alembic.config

# What `alembic init alembic` creates, and what the checks need of it.
ALEMBIC_FILES = {
    "alembic.ini": "Alembic's settings",
    "alembic/env.py": "the script Alembic runs for every command",
    "alembic/versions": "the folder of migration files",
}


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
