"""Loading an `app` package in isolation.

Every snapshot has a package called `app`, and Python keeps one `app` in sys.modules.
AppPackage imports one folder's `app` with sys.modules emptied of every other `app`, keeps
the module objects it got, and puts the previous state back afterwards. Checks use the module
objects they are handed (the fixtures of ``items_course.fixtures``); nothing imports `app` by
name outside `activated()`.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from items_course.advice import PACKAGE, close_to, hint_for
from items_course.course import EXPECTED_NAMES, STEP_OF_MODULE
from items_course.learners_code import where_in
from items_course.timeouts import LearnerCodeTimeout
from items_course.wording import shortened


def is_app_module(name: str) -> bool:
    """Whether NAME is `app` or one of its modules."""
    return name == PACKAGE or name.startswith(PACKAGE + ".")


class AppPackage:
    """The `app` package inside one folder, imported apart from every other `app`.

    ``load_failures`` is the run's record of why a module could not be loaded: each message
    a check failed with, and its one-line reason for the progress summary ("app/models.py
    does not exist yet"). The run keeps it in its stash (see ``shared_state``).
    """

    def __init__(self, root: Path, load_failures: dict[str, str]) -> None:
        self.root = root
        self.modules: dict[str, ModuleType] = {}
        self._load_failures = load_failures
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
        saved = {name: sys.modules.pop(name) for name in list(sys.modules) if is_app_module(name)}
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
            for name in [name for name in sys.modules if is_app_module(name)]:
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
            message, self._load_failures[message] = problem
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
            except LearnerCodeTimeout as error:
                # Kept like any other failure: the next checks do not wait again.
                return str(error), shortened(str(error).split(":", 1)[0])
            except Exception as error:  # anything the learner's module raises on import
                return (
                    f"Importing {relative} failed: {type(error).__name__}: {error}\n"
                    f"{where_in(error, self.root)}"
                    f"{hint_for(error, self.root)}"
                    "This error comes from your code, not from the checks; fix it first.",
                    shortened(f"importing {relative} raised {type(error).__name__}: {error}"),
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
                near = close_to(attr, others)
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


def _who_expects(module_name: str, asked_by: str | None) -> str:
    """'Step 03 (schemas)', plus where the file comes from when an earlier step wrote it."""
    if asked_by is None:
        return "This check"  # one outside the steps (each names the step it belongs to)
    who = "Step {} ({})".format(*asked_by.split("_", 1))
    written_in = STEP_OF_MODULE.get(module_name)
    if written_in is None or written_in == asked_by:
        return who
    return f"{who}, building on step {written_in},"


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
