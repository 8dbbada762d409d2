"""The course's manifest: where the course is, its seven steps, and how a learner names one.

A step is named by its number or its name, as the learner likes: ``3``, ``03``, ``schemas``
and ``03_schemas`` all mean the third step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# steps/items_course/course.py: the course's folder is two levels up.
COURSE_ROOT = Path(__file__).resolve().parents[2]
STEPS_DIR = COURSE_ROOT / "steps"
STEP_FOLDER = re.compile(r"\d\d_[a-z]+")
# The progress file every learner's run updates, in the learner's project folder.
PROGRESS_FILE = ".items-course.json"
# The lesson section `items-course hint` shows after the advice for the current failure.
WHEN_A_CHECK_FAILS = "When a check fails"

# The package every snapshot and every learner's project holds.
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


@dataclass(frozen=True, order=True)
class Step:
    """One step of the course: its folder under steps/ (``03_schemas``)."""

    folder: str

    @property
    def number(self) -> str:
        """'03'."""
        return self.folder.split("_", 1)[0]

    @property
    def name(self) -> str:
        """'schemas'."""
        return self.folder.split("_", 1)[1]

    @property
    def label(self) -> str:
        """'03 schemas', as the progress lines write a step."""
        return f"{self.number} {self.name}"

    @property
    def title(self) -> str:
        """'Step 03 (schemas)', as the messages write a step."""
        return f"Step {self.number} ({self.name})"

    @property
    def path(self) -> Path:
        """The step's folder: its snapshot, its lesson and its checks."""
        return STEPS_DIR / self.folder

    @property
    def lesson(self) -> Path:
        """The step's lesson, its README."""
        return self.path / "README.md"


def all_steps() -> tuple[Step, ...]:
    """The course's steps, in order."""
    return tuple(
        Step(folder.name)
        for folder in sorted(STEPS_DIR.iterdir())
        if folder.is_dir() and STEP_FOLDER.fullmatch(folder.name)
    )


class UnknownStep(ValueError):
    """A step name that names no step of the course; its message lists the steps."""


def find_step(text: str) -> Step:
    """The step TEXT names: a number (``3``, ``03``) or a name (``schemas``, ``03_schemas``)."""
    steps = all_steps()
    wanted = text.strip().lower().rstrip("/")
    wanted = wanted.rpartition("/")[2]  # steps/03_schemas, as pytest is given a step
    for step in steps:
        if wanted in (step.folder, step.name, step.number) or (
            wanted.isdigit() and int(wanted) == int(step.number)
        ):
            return step
    listed = ", ".join(step.label for step in steps)
    raise UnknownStep(
        f"There is no step {text!r}. Name a step by its number or its name "
        f"(3, 03, schemas or 03_schemas); the steps are: {listed}."
    )


def step_of(test_file: Path) -> str | None:
    """'03_schemas' for a check under steps/03_schemas/, else None."""
    parts = test_file.parts
    if "steps" in parts:
        index = len(parts) - 1 - parts[::-1].index("steps")
        if index + 1 < len(parts) and STEP_FOLDER.fullmatch(parts[index + 1]):
            return parts[index + 1]
    return None


def step_after(folder: str) -> str | None:
    """The course's step that follows FOLDER ('02_models' after '01_database'), if any."""
    later = [step.folder for step in all_steps() if step.folder > folder]
    return later[0] if later else None
