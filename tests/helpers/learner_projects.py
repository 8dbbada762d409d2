"""A learner's project for a check to run on, made in a test's tmp_path: from files, from a
step's snapshot (as it is, with a mistake made in it, or with a get_items that never returns),
or as step 07's snapshot has it (app/, alembic/, alembic.ini); and the lesson's app/database.py
and app/models.py, as a learner writes them.

Used by `tests/test_course_plugin.py` (the plugin's rules), `tests/test_step_checks_advice.py`
(the steps' own messages) and `tests/test_items_course.py` (the `items-course` command).
"""

import shutil
from pathlib import Path

from tests.helpers.repository import REPO_ROOT

DATABASE_PY = """\
from sqlalchemy import create_engine
from sqlalchemy.orm import declarative_base, sessionmaker

SQLALCHEMY_DATABASE_URL = "sqlite:///./app.db"
engine = create_engine(SQLALCHEMY_DATABASE_URL, connect_args={"check_same_thread": False})
SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)
Base = declarative_base()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
"""

MODELS_PY = """\
from sqlalchemy import Boolean, Column, Float, Integer, String

from app.database import Base


class Item(Base):
    __tablename__ = "items"

    id = Column(Integer, primary_key=True, index=True)
    title = Column(String, index=True, nullable=False)
    description = Column(String, nullable=True)
    price = Column(Float, nullable=False)
    is_available = Column(Boolean, default=True)
"""


def project_with(tmp_path: Path, files: dict[str, str]) -> Path:
    """A learner's project folder holding `files` (path -> source)."""
    for relative, source in files.items():
        path = tmp_path / "project" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return tmp_path / "project"


def replace_in(path: Path, right: str, wrong: str) -> None:
    """Make a mistake in the file at `path`: its text `right` becomes `wrong`."""
    source = path.read_text(encoding="utf-8")
    assert right in source, f"{path.name} no longer holds {right!r}"
    path.write_text(source.replace(right, wrong), encoding="utf-8")


def snapshot_with_a_mistake(tmp_path: Path, step: str, module: str, right: str, wrong: str) -> Path:
    """A learner's project: step's snapshot app/ with `right` replaced by `wrong` in module."""
    project = tmp_path / "project"
    shutil.copytree(REPO_ROOT / "steps" / step / "app", project / "app")
    path = project / "app" / f"{module}.py"
    source = path.read_text(encoding="utf-8")
    assert right in source, f"the snapshot's {module}.py no longer holds {right!r}"
    path.write_text(source.replace(right, wrong), encoding="utf-8")
    return project


def snapshot_with_mistakes(
    tmp_path: Path, step: str, module: str, edits: tuple[tuple[str, str], ...]
) -> Path:
    """A learner's project: step's snapshot app/ with each (right, wrong) edit made in module."""
    right, wrong = edits[0]
    project = snapshot_with_a_mistake(tmp_path, step, module, right, wrong)
    for right, wrong in edits[1:]:
        replace_in(project / "app" / f"{module}.py", right, wrong)
    return project


def alembic_project(tmp_path: Path) -> Path:
    """A learner's project as step 07's snapshot has it: app/, alembic/ and alembic.ini."""
    step = REPO_ROOT / "steps" / "07_alembic"
    project = tmp_path / "project"
    for folder in ("app", "alembic"):
        shutil.copytree(step / folder, project / folder, ignore=shutil.ignore_patterns("__py*"))
    shutil.copy2(step / "alembic.ini", project / "alembic.ini")
    return project


def snapshot_copy(tmp_path: Path, step: str, name: str = "fastapi-crud") -> Path:
    """A learner's project outside the repository: a copy of STEP's snapshot app/."""
    project = tmp_path / name
    shutil.copytree(
        REPO_ROOT / "steps" / step / "app", project / "app", ignore=shutil.ignore_patterns("__py*")
    )
    return project


NEVER_RETURNS = "    while True:\n        pass\n"


def with_endless_get_items(tmp_path: Path, step: str) -> Path:
    """A copy of STEP's snapshot (`snapshot_copy`) whose get_items in app/crud.py never returns."""
    project = snapshot_copy(tmp_path, step)
    crud = project / "app" / "crud.py"
    source = crud.read_text(encoding="utf-8")
    head = "def get_items(db: Session, skip: int = 0, limit: int = 20) -> list[models.Item]:\n"
    assert head in source, "the snapshot's get_items changed"
    crud.write_text(source.replace(head, head + NEVER_RETURNS), encoding="utf-8")
    return project
