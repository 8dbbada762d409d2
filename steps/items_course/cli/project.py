"""The learner's project folder, and how the learner started items-course."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from items_course.commands import quoted, shown_path, typed_program
from items_course.saved_progress import Progress, load


class CommandError(Exception):
    """Something the learner typed or has cannot work; the message says what to do."""


@dataclass(frozen=True)
class Invocation:
    """How the learner started items-course: to print commands they can type again."""

    program: str  # "items-course", ".venv/bin/items-course", "/course/.venv/bin/items-course"
    app_dir: Path | None  # given with --app-dir

    @classmethod
    def current(cls, app_dir: Path | None) -> Invocation:
        """This process's invocation, as typed in the current folder."""
        here = Path.cwd()
        program = Path(sys.argv[0])
        if program.name == "__main__.py":  # python -m items_course.cli
            typed = f"{quoted(shown_path(Path(sys.executable), here))} -m items_course.cli"
        else:
            typed = typed_program(program, here)
        return cls(typed, app_dir)

    def command(self, *words: str) -> str:
        """The command that runs WORDS ("check", "04") where the learner is now."""
        option = [f"--app-dir {quoted(str(self.app_dir))}"] if self.app_dir is not None else []
        return " ".join([self.program, *option, *words])

    def from_anywhere(self, *words: str) -> str:
        """The command with the program as an absolute path unless it is on PATH (for a
        command that follows a `cd`)."""
        program = self.program
        if "/" in program and " -m " not in program:
            program = quoted(str(Path(program).absolute()))
        return " ".join([program, *words])


@dataclass(frozen=True)
class Project:
    """A learner's project: the folder that contains app/."""

    root: Path

    def progress(self) -> Progress:
        """The verdicts saved by the last runs of the checks."""
        return load(self.root)


def find_project(app_dir: str | None, here: Path) -> Project:
    """The project named by --app-dir, else the folder (or a parent of it) holding app/."""
    if app_dir is not None:
        import pytest  # the plugin's advice for a wrong --app-dir raises its UsageError

        from items_course.app_dir import resolve_app_dir

        try:
            return Project(resolve_app_dir(Path(app_dir), here))
        except pytest.UsageError as error:
            raise CommandError(str(error)) from None
    for folder in (here, *here.parents):
        if (folder / "app").is_dir():
            return Project(folder)
        if (folder / "pyproject.toml").is_file() or folder == Path.home():
            break  # the top of a project (or of a home folder): no app/ above it is ours
    raise CommandError(
        f"There is no app/ folder in {here}, so there is no project to check here.\n"
        "Run items-course in your project folder (the one that contains app/), or name it "
        "with --app-dir PATH.\n"
        "Starting from scratch? `items-course start my-project` makes one, ready for step 01."
    )
