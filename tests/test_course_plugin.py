"""The course plugin speaks to beginners: missing files, missing names and broken code
produce messages that say what to do, and a learner's run ends with a progress summary."""

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    """A learner's project folder holding `files` (path -> source)."""
    for relative, source in files.items():
        path = tmp_path / "project" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return tmp_path / "project"


def _failure_message(package: Any, module: str, step: str = "02_models") -> str:
    with pytest.raises(pytest.fail.Exception) as failure:
        package.module(module, asked_by=step)
    return str(failure.value)


def test_a_missing_module_names_the_file_the_step_expects(
    tmp_path: Path, app_package_at: Callable[[Path], Any]
) -> None:
    project = _project(tmp_path, {"app/__init__.py": ""})
    message = _failure_message(app_package_at(project), "models")
    assert "Step 02 (models)" in message
    assert "expects the file app/models.py" in message
    assert str(project / "app" / "models.py") in message


def test_a_missing_name_is_listed_with_what_it_is(
    tmp_path: Path, app_package_at: Callable[[Path], Any]
) -> None:
    project = _project(
        tmp_path, {"app/__init__.py": "", "app/database.py": "engine = None\nBase = None\n"}
    )
    message = _failure_message(app_package_at(project), "database", step="01_database")
    assert "SessionLocal: the session factory" in message
    assert "get_db: the dependency" in message
    assert "engine:" not in message, "names that exist must not be reported missing"


def test_a_renamed_function_is_not_taken_for_a_typo_of_another_expected_name(
    tmp_path: Path, app_package_at: Callable[[Path], Any]
) -> None:
    # get_item renamed read_item: get_items is right there, but it is no typo of get_item.
    crud = (
        "def get_items(db, skip=0, limit=20): ...\n"
        "def read_item(db, item_id): ...\n"
        "def create_item(db, item): ...\n"
        "def update_item(db, item_id, item): ...\n"
        "def delete_item(db, item_id): ...\n"
    )
    project = _project(tmp_path, {"app/__init__.py": "", "app/crud.py": crud})
    message = _failure_message(app_package_at(project), "crud", step="04_crud")
    assert "get_item: a CRUD function" in message, message
    assert "has `get_items`, spelt differently" not in message, message
    assert "app/crud.py also defines `read_item`, which no step asks for: is it" in message, message


def test_a_syntax_error_points_at_the_line(
    tmp_path: Path, app_package_at: Callable[[Path], Any]
) -> None:
    project = _project(tmp_path, {"app/__init__.py": "", "app/database.py": "x = (\n"})
    message = _failure_message(app_package_at(project), "database")
    assert "app/database.py has a syntax error at line 1" in message


def test_an_error_raised_by_the_learners_code_shows_where(
    tmp_path: Path, app_package_at: Callable[[Path], Any]
) -> None:
    project = _project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/database.py": "Base = object\n",
            "app/models.py": "from app.database import Bsae\n",
        },
    )
    message = _failure_message(app_package_at(project), "models")
    assert "ImportError: cannot import name 'Bsae' from 'app.database'" in message
    assert "It happened in app/models.py, line 1" in message
    assert "comes from your code, not from the checks" in message


def test_a_failure_is_remembered_not_imported_again(
    tmp_path: Path, app_package_at: Callable[[Path], Any]
) -> None:
    project = _project(tmp_path, {"app/__init__.py": "", "app/database.py": "x = (\n"})
    package = app_package_at(project)
    first = _failure_message(package, "database")
    (project / "app" / "database.py").write_text("fixed = True\n", encoding="utf-8")
    assert _failure_message(package, "database") == first


# --- The command line, as a learner types it -------------------------------------------
def _pytest(
    *args: str, columns: int | None = None, on_ci: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run pytest in the repository.

    `columns` sets the width of the terminal pytest believes in. pytest prints more when it sees
    it runs on a CI service (the CI or BUILD_NUMBER variable), so those are removed unless
    `on_ci` asks for them: the checks below then read the same output on a laptop and in CI.
    """
    environment = {k: v for k, v in os.environ.items() if k not in ("CI", "BUILD_NUMBER")}
    if on_ci:
        environment["CI"] = "true"
    if columns is not None:
        environment["COLUMNS"] = str(columns)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _snapshot_with_a_mistake(
    tmp_path: Path, step: str, module: str, right: str, wrong: str
) -> Path:
    """A learner's project: step's snapshot app/ with `right` replaced by `wrong` in module."""
    project = tmp_path / "project"
    shutil.copytree(REPO_ROOT / "steps" / step / "app", project / "app")
    path = project / "app" / f"{module}.py"
    source = path.read_text(encoding="utf-8")
    assert right in source, f"the snapshot's {module}.py no longer holds {right!r}"
    path.write_text(source.replace(right, wrong), encoding="utf-8")
    return project


def _summary_problems(run: subprocess.CompletedProcess[str]) -> int:
    """How many problems the progress summary at the end of a learner's run lists."""
    return run.stdout.split("your progress", 1)[-1].count("\n  - ")


@pytest.mark.slow
def test_app_dir_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    run = _pytest("steps/01_database", "--app-dir", str(tmp_path / "nowhere"))
    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    assert "does not exist" in run.stderr


@pytest.mark.slow
def test_app_dir_without_an_app_folder_explains_what_to_give(tmp_path: Path) -> None:
    run = _pytest("steps/01_database", "--app-dir", str(tmp_path))
    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    assert "Give the folder that contains your app/ package" in run.stderr


@pytest.mark.slow
def test_checks_of_a_later_step_name_the_missing_module() -> None:
    run = _pytest("steps/01_database", "steps/03_schemas", "--app-dir", "steps/02_models")
    assert run.returncode == pytest.ExitCode.TESTS_FAILED
    assert "Step 03 (schemas) expects the file app/schemas.py" in run.stdout
    assert "ModuleNotFoundError" not in run.stdout, "a bare import traceback reached the learner"


@pytest.mark.slow
def test_a_learners_run_ends_with_progress_and_the_next_step() -> None:
    run = _pytest(
        "steps/01_database",
        "steps/02_models",
        "steps/03_schemas",
        "--app-dir",
        "steps/02_models",
    )
    summary = run.stdout[run.stdout.index("your progress") :]
    assert "PASS  step 01 database" in summary
    assert "PASS  step 02 models" in summary
    assert "FAIL  step 03 schemas" in summary
    assert "Next: step 03_schemas" in summary
    assert "pytest steps/03_schemas --app-dir" in summary


@pytest.mark.slow
def test_pointing_at_the_app_folder_itself_is_understood() -> None:
    run = _pytest("steps/01_database", "--app-dir", "steps/01_database/app")
    assert run.returncode == pytest.ExitCode.OK, run.stdout[-2000:]
    assert "your progress" in run.stdout


# --- Hints for the slips beginners make most ---------------------------------------------
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


def test_a_misspelt_name_is_matched_with_the_one_the_file_has(
    tmp_path: Path, app_package_at: Callable[[Path], Any]
) -> None:
    database = DATABASE_PY.replace("SessionLocal", "Sessionlocal")
    project = _project(tmp_path, {"app/__init__.py": "", "app/database.py": database})
    message = _failure_message(app_package_at(project), "database", step="01_database")
    assert "SessionLocal: the session factory" in message
    assert "app/database.py has `Sessionlocal`, spelt differently" in message


def test_a_syntax_error_names_the_file_it_is_in(
    tmp_path: Path, app_package_at: Callable[[Path], Any]
) -> None:
    project = _project(tmp_path, {"app/__init__.py": "x = (\n", "app/database.py": DATABASE_PY})
    message = _failure_message(app_package_at(project), "database", step="01_database")
    assert "app/__init__.py has a syntax error at line 1" in message
    assert "app/database.py has a syntax error" not in message


@pytest.mark.parametrize(
    ("mistake", "hint"),
    [
        pytest.param(
            ("engine = create_engine(", "engine = create_engin("),
            "Did you mean `create_engine`?",
            id="misspelt-name",
        ),
        pytest.param(
            (
                "from sqlalchemy.orm import declarative_base, sessionmaker",
                "from sqlalchemy.orm import declarative_base, sessionmaker\nx = Float",
            ),
            "`Float` comes from sqlalchemy, and the file does not import it",
            id="name-not-imported",
        ),
        pytest.param(
            (
                "from sqlalchemy import create_engine\n"
                "from sqlalchemy.orm import declarative_base, sessionmaker",
                "from sqlalchemy import create_engine, sessionmaker\n"
                "from sqlalchemy.orm import declarative_base",
            ),
            "`sessionmaker` comes from sqlalchemy.orm: `from sqlalchemy.orm import sessionmaker`",
            id="name-from-the-wrong-module",
        ),
        pytest.param(
            (
                "from sqlalchemy import create_engine",
                "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import sesionmaker",
            ),
            "Did you mean `sessionmaker`? That is the name sqlalchemy.orm defines.",
            id="misspelt-import",
        ),
    ],
)
def test_an_import_time_error_says_what_was_probably_meant(
    tmp_path: Path, app_package_at: Callable[[Path], Any], mistake: tuple[str, str], hint: str
) -> None:
    database = DATABASE_PY.replace(*mistake)
    assert database != DATABASE_PY
    project = _project(tmp_path, {"app/__init__.py": "", "app/database.py": database})
    message = _failure_message(app_package_at(project), "database", step="01_database")
    assert hint in message
    assert "Did you mean `float`" not in message, "a builtin is no better guess than a library"


@pytest.mark.parametrize(
    ("import_line", "hint"),
    [
        pytest.param(
            "from database import Base",
            "`database` is your file app/database.py: inside the app package, import it as "
            "`app.database`",
            id="bare-module-name",
        ),
        pytest.param(
            "from app.databse import Base",
            "Did you mean `app.database`? There is no app/databse.py.",
            id="misspelt-module",
        ),
        pytest.param(
            "from app.database import Bsae",
            "Did you mean `Base`? That is the name app.database defines.",
            id="misspelt-name",
        ),
    ],
)
def test_a_wrong_import_of_the_learners_own_module_says_how_to_write_it(
    tmp_path: Path, app_package_at: Callable[[Path], Any], import_line: str, hint: str
) -> None:
    models = MODELS_PY.replace("from app.database import Base", import_line)
    project = _project(
        tmp_path, {"app/__init__.py": "", "app/database.py": DATABASE_PY, "app/models.py": models}
    )
    message = _failure_message(app_package_at(project), "models")
    assert hint in message
    assert "It happened in app/models.py, line 3" in message


@pytest.mark.parametrize(
    "config",
    [
        pytest.param("    class Config:\n        orm_mode = True\n", id="class-config"),
        pytest.param("    model_config = ConfigDict(orm_mode=True)\n", id="orm-mode-key"),
    ],
)
def test_pydantic_v1_config_gets_the_pydantic_2_spelling(
    tmp_path: Path, app_package_at: Callable[[Path], Any], config: str
) -> None:
    schemas = (
        "from pydantic import BaseModel, ConfigDict\n\n\n"
        "class ItemOut(BaseModel):\n"
        "    id: int\n\n" + config
    )
    project = _project(tmp_path, {"app/__init__.py": "", "app/schemas.py": schemas})
    message = _failure_message(app_package_at(project), "schemas", step="03_schemas")
    assert "`model_config = ConfigDict(from_attributes=True)`" in message, message
    assert "The checks treat warnings as errors" in message, message


def test_a_misspelt_own_module_is_not_blamed_on_a_library(
    tmp_path: Path, app_package_at: Callable[[Path], Any]
) -> None:
    # SQLAlchemy has a module called `schema`; the learner meant their own app/schemas.py.
    project = _project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/database.py": DATABASE_PY,
            "app/models.py": MODELS_PY,
            "app/schemas.py": "",
            "app/crud.py": "from app import models, schema\n",
        },
    )
    message = _failure_message(app_package_at(project), "crud", step="04_crud")
    assert "Did you mean `schemas`? Your file is app/schemas.py: `from app import schemas`." in (
        message
    ), message
    assert "from sqlalchemy import schema" not in message, message


@pytest.mark.slow
def test_a_refused_valid_body_gets_advice_on_the_fields_pydantic_named(tmp_path: Path) -> None:
    # PATCH fields without a default are required: an empty body {} is refused, so the
    # advice must come from the fields Pydantic complains about, not from the (empty) body.
    project = _snapshot_with_a_mistake(
        tmp_path,
        "03_schemas",
        "schemas",
        "    title: str | None = None\n    description: str | None = None\n",
        "    title: str | None\n    description: str | None\n",
    )

    run = _pytest("steps/03_schemas", "--app-dir", str(project), "-k", "item_update_remembers")

    assert "ItemUpdate refused a valid body:" in run.stdout, run.stdout
    advice = run.stdout.split("written like", 1)[-1]
    for field in ("description: str | None = None", "title: str | None = None"):
        assert field in advice, f"expected the advice to show {field!r}:\n{run.stdout}"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mistake", "missing"),
    [
        pytest.param(
            ("@router.patch(", "@router.put("), ["PATCH /api/v1/items/{item_id}"], id="put"
        ),
        pytest.param(
            ('APIRouter(prefix="/items", ', "APIRouter("),
            ["POST /api/v1/items/", "GET /api/v1/items/{item_id}"],
            id="no-prefix",
        ),
    ],
)
def test_a_route_the_checks_cannot_reach_is_named_once(
    tmp_path: Path, mistake: tuple[str, str], missing: list[str]
) -> None:
    # Without a matching route FastAPI answers 404 or 405, which every check used to blame on
    # its own subject (status codes, schemas, the 404 handling).
    project = _snapshot_with_a_mistake(tmp_path, "05_router", "router", *mistake)

    run = _pytest("steps/05_router", "--app-dir", str(project))

    assert "app/router.py does not serve the routes the checks call" in run.stdout, run.stdout
    assert _summary_problems(run) == 1, f"expected one problem in the summary:\n{run.stdout}"
    for route in missing:
        assert f"    {route}\n" in run.stdout, f"expected {route} listed as missing:\n{run.stdout}"
    assert "What to check: status_code=" not in run.stdout, run.stdout


# Learner mistakes an audit of the step checks found getting through (each once passed every
# check of its step): (step, module, the snapshot's text, the mistake, the check that must
# now fail, a phrase of its message).
CAUGHT_MISTAKES = [
    pytest.param(
        "01_database",
        "database",
        "        db.close()",
        "        db.commit()",
        "test_get_db_calls_close_on_the_session",
        "`commit()` or `rollback()` alone do not close it",
        id="01-commit-instead-of-close",
    ),
    pytest.param(
        "02_models",
        "models",
        "index=True, nullable=False)",
        "index=True, nullable=False, unique=True)",
        "test_two_items_may_share_a_title",
        "the title is UNIQUE",
        id="02-unique-title",
    ),
    pytest.param(
        "03_schemas",
        "schemas",
        "    title: str = Field(",
        "    title: str | None = Field(",
        "test_item_create_refuses_null_for_title_price_and_availability[title]",
        "Only the description may be null",
        id="03-nullable-title",
    ),
    pytest.param(
        "03_schemas",
        "schemas",
        "    is_available: bool | None = None\n",
        "    is_available: bool | None = None\n    id: int | None = None\n",
        "test_a_client_sends_exactly_the_four_fields[ItemUpdate]",
        "Extra: ['id']",
        id="03-id-in-item-update",
    ),
    pytest.param(
        "03_schemas",
        "schemas",
        "    id: int\n",
        "    id: int = 0\n",
        "test_item_out_always_has_an_id",
        "ItemOut's `id` has a default",
        id="03-id-default",
    ),
    pytest.param(
        "03_schemas",
        "schemas",
        "    title: str | None = None\n",
        "    title: str | None = Field(None, max_length=50)\n",
        "test_item_update_remembers_exactly_the_fields_sent",
        "ItemUpdate refused a valid body",
        id="03-short-patch-title",
    ),
    pytest.param(
        "04_crud",
        "crud",
        "models.Item.id == item_id",
        "models.Item.id >= item_id",
        "test_get_item_returns_none_for_a_missing_id",
        "it returned the item with id 3",
        id="04-get-item-not-equal",
    ),
    pytest.param(
        "04_crud",
        "crud",
        "models.Item(**item.model_dump())",
        "models.Item(title=item.title, price=item.price)",
        "test_create_item_stores_every_field_sent",
        "not only some of them",
        id="04-create-drops-fields",
    ),
    pytest.param(
        "04_crud",
        "crud",
        "    for key, value in update_data.items():\n        setattr(db_item, key, value)",
        "    db.query(models.Item).update(update_data)",
        "test_update_item_leaves_the_other_items_alone",
        "also changed item(s) [1, 3]",
        id="04-update-every-row",
    ),
    pytest.param(
        "04_crud",
        "crud",
        "db.query(models.Item).offset(skip)",
        "db.query(models.Item).filter(models.Item.is_available).offset(skip)",
        "test_get_items_lists_unavailable_items_too",
        "no .filter() in get_items",
        id="04-list-hides-unavailable",
    ),
    pytest.param(
        "04_crud",
        "crud",
        "skip: int = 0, limit: int = 20",
        "limit: int = 20, skip: int = 0",
        "test_get_items_takes_skip_before_limit",
        "the parameters in the lesson's order",
        id="04-limit-before-skip",
    ),
    pytest.param(
        "05_router",
        "router",
        ', tags=["Items"])',
        ")",
        "test_the_routes_are_grouped_under_items_in_the_docs",
        'carry the tag "Items"',
        id="05-no-tags",
    ),
    pytest.param(
        "05_router",
        "router",
        '@router.post("/", response_model=schemas.ItemOut, ',
        '@router.post("/", response_model=None, ',
        "test_each_route_documents_the_items_it_answers_with",
        "POST /api/v1/items/: no schema",
        id="05-post-without-response-model",
    ),
    pytest.param(
        "05_router",
        "router",
        "from app.database import get_db\n",
        "from app.database import SessionLocal\n\n\ndef get_db():\n    db = SessionLocal()\n"
        "    try:\n        yield db\n    finally:\n        db.close()\n",
        "test_the_routes_get_their_session_from_get_db",
        "do not get their session from app.database.get_db",
        id="05-own-get-db",
    ),
    pytest.param(
        "05_router",
        "router",
        '@router.patch("/{item_id}"',
        '@router.patch("/{item_id}/"',
        "test_patch_can_clear_the_description",
        'differ only by the "/" at the end',
        id="05-trailing-slash",
    ),
    pytest.param(
        "05_router",
        "router",
        "status_code=status.HTTP_201_CREATED)",
        "status_code=status.HTTP_201_CREATED, response_model_exclude_none=True)",
        "test_post_fills_in_the_defaults",
        "a field that is null is still part of the answer",
        id="05-exclude-none",
    ),
    pytest.param(
        "06_main",
        "main",
        "\n    yield",
        "",
        "test_starting_the_app_creates_the_items_table",
        "lifespan does not have the shape FastAPI expects",
        id="06-lifespan-without-yield",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("step", "module", "right", "wrong", "check", "phrase"), CAUGHT_MISTAKES)
def test_a_mistake_that_once_passed_its_step_is_caught_and_explained(
    tmp_path: Path, step: str, module: str, right: str, wrong: str, check: str, phrase: str
) -> None:
    project = _snapshot_with_a_mistake(tmp_path, step, module, right, wrong)

    run = _pytest(f"steps/{step}", "--app-dir", str(project), "-rfE")

    failed = re.findall(r"^(?:FAILED|ERROR) \S+::(\S+)", run.stdout, flags=re.MULTILINE)
    assert check in failed, f"expected {check} among the failed checks {failed}:\n{run.stdout}"
    assert phrase in run.stdout, f"expected the message to say {phrase!r}:\n{run.stdout}"


@pytest.mark.slow
def test_item_out_blames_the_field_pydantic_named_not_from_attributes(tmp_path: Path) -> None:
    # ItemOut read the object but refused its price: the advice is the field's spelling.
    project = _snapshot_with_a_mistake(
        tmp_path,
        "03_schemas",
        "schemas",
        "price: float = Field(..., gt=0)",
        "price: int = Field(..., gt=0)",
    )

    run = _pytest("steps/03_schemas", "--app-dir", str(project), "-k", "item_out")

    assert "ItemOut.model_validate(item) could not read an Item object" in run.stdout, run.stdout
    assert "price: float = Field(..., gt=0)" in run.stdout, run.stdout
    assert "from_attributes=True" not in run.stdout, run.stdout


@pytest.mark.slow
def test_a_handler_returning_none_gets_advice_not_fastapis_frames(tmp_path: Path) -> None:
    project = _snapshot_with_a_mistake(
        tmp_path,
        "05_router",
        "router",
        "    item = crud.get_item(db, item_id)\n    if not item:\n        raise HTTPException("
        'status_code=404, detail="Item not found")\n',
        "    item = crud.get_item(db, item_id)\n",
    )

    run = _pytest("steps/05_router", "--app-dir", str(project), "-k", "missing_item")

    assert "ResponseValidationError: 1 validation error" in run.stdout, run.stdout
    assert "in read_item" in run.stdout, "the message should name the handler"
    assert 'raise HTTPException(status_code=404, detail="Item not found")' in run.stdout
    assert "fastapi/routing.py" not in run.stdout, f"FastAPI's frames are noise:\n{run.stdout}"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("right", "wrong", "fix"),
    [
        pytest.param(
            "description = Column(String, nullable=True)",
            "description = Column(String, nullable=False)",
            "`description = Column(String, nullable=True)`",
            id="description-not-null",
        ),
        pytest.param(
            "id = Column(Integer,",
            "id = Column(BigInteger,",
            "The database did not number the new item",
            id="big-integer-id",
        ),
    ],
)
def test_a_database_refusal_caused_by_the_model_names_the_column_fix(
    tmp_path: Path, right: str, wrong: str, fix: str
) -> None:
    project = _snapshot_with_a_mistake(tmp_path, "02_models", "models", right, wrong)
    models_py = project / "app" / "models.py"
    models_py.write_text(
        models_py.read_text(encoding="utf-8").replace(
            "import Boolean,", "import BigInteger, Boolean,"
        ),
        encoding="utf-8",
    )

    run = _pytest("steps/02_models", "--app-dir", str(project), "-k", "numbers_new_items")

    assert "NOT NULL constraint failed" in run.stdout, run.stdout
    assert fix in run.stdout, f"expected the fix {fix!r} in:\n{run.stdout}"
    assert "sqlalchemy/orm/session.py" not in run.stdout, f"library frames are noise:\n{run.stdout}"


@pytest.mark.slow
def test_a_failed_property_shows_only_the_invented_example(tmp_path: Path) -> None:
    project = _snapshot_with_a_mistake(
        tmp_path, "04_crud", "crud", "exclude_unset=True", "exclude_none=True"
    )

    run = _pytest("steps/04_crud", "--app-dir", str(project), "-k", "changes_exactly")

    example = run.stdout.partition("Failing test case:")[2].partition("short test summary")[0]
    assert "sent=" in example, f"expected the example Hypothesis found:\n{run.stdout}"
    assert "crud=" not in example, f"the fixtures are not part of the example:\n{example}"
    assert "read_back=" not in example, f"the fixtures are not part of the example:\n{example}"


@pytest.mark.slow
def test_a_summary_line_says_what_is_wrong_not_just_what_comes_first(tmp_path: Path) -> None:
    # The message starts "With 25 items stored:"; its summary line must go on to the problem.
    project = _snapshot_with_a_mistake(
        tmp_path, "04_crud", "crud", ".offset(skip).limit(limit)", ".limit(limit)"
    )

    run = _pytest("steps/04_crud", "--app-dir", str(project), "-k", "pages")

    summary = run.stdout.split("your progress", 1)[-1]
    assert "  - With 25 items stored: get_items(db, skip=20) gave 20 items" in summary, summary


@pytest.mark.slow
def test_a_crash_in_the_learners_code_shows_their_lines_not_the_libraries(tmp_path: Path) -> None:
    # The session and the id swapped: SQLAlchemy is never reached, but pytest used to print
    # about 110 frames of Starlette, FastAPI and anyio for each failing check.
    project = _snapshot_with_a_mistake(
        tmp_path,
        "05_router",
        "router",
        "crud.update_item(db, item_id, item)",
        "crud.update_item(item_id, db, item)",
    )

    run = _pytest("steps/05_router", "--app-dir", str(project), "-k", "patch")

    assert "AttributeError: 'int' object has no attribute 'query'" in run.stdout, run.stdout
    assert "app/router.py, line" in run.stdout, run.stdout
    assert "crud.update_item(item_id, db, item)" in run.stdout, run.stdout
    # The checks' helper that sent the request (steps/05_router/tests/answers.py) is part of
    # the check: its line is shown too.
    assert "the check, answers.py, line" in run.stdout, run.stdout
    assert "in patch:\n      return client.patch(" in run.stdout, run.stdout
    assert "called on an int, where a database session was expected" in run.stdout, run.stdout
    assert "site-packages" not in run.stdout, f"library frames are noise here:\n{run.stdout}"
    assert _summary_problems(run) == 1, f"expected one problem in the summary:\n{run.stdout}"


@pytest.mark.slow
def test_a_create_item_without_commit_gets_advice_not_a_traceback(tmp_path: Path) -> None:
    project = _snapshot_with_a_mistake(
        tmp_path,
        "04_crud",
        "crud",
        "    db.add(db_item)\n    db.commit()\n",
        "    db.add(db_item)\n",
    )

    run = _pytest("steps/04_crud", "--app-dir", str(project), "-k", "create_item")

    assert "What to check in create_item: db.add(db_item), then db.commit()" in run.stdout, (
        run.stdout
    )
    assert _summary_problems(run) == 1, f"expected one problem in the summary:\n{run.stdout}"


# --- --app-dir mistakes ------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(
    ("given", "advice"),
    [
        pytest.param("{tmp}\\project", "try --app-dir {tmp}/project", id="windows-separators"),
        pytest.param("{tmp}/projcet", "Did you mean {tmp}/project?", id="misspelt-folder"),
        pytest.param(
            "{tmp}/project/app/database.py",
            "is a file.\nGive the folder that contains your app/ package (your project "
            "folder): here, --app-dir {tmp}/project.",
            id="a-file",
        ),
    ],
)
def test_a_wrong_app_dir_gets_advice_that_fits_the_mistake(
    tmp_path: Path, given: str, advice: str
) -> None:
    _project(tmp_path, {"app/__init__.py": "", "app/database.py": DATABASE_PY})
    run = _pytest("steps/01_database", "--app-dir", given.format(tmp=tmp_path))
    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    assert advice.format(tmp=tmp_path) in run.stderr


@pytest.mark.slow
def test_an_app_dir_with_the_modules_but_no_app_folder_says_to_move_them(tmp_path: Path) -> None:
    project = _project(tmp_path, {"database.py": DATABASE_PY, "models.py": MODELS_PY})
    run = _pytest("steps/01_database", "--app-dir", str(project))
    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    assert "holds database.py, models.py directly" in run.stderr
    assert f"move them into {project / 'app'}/, next to an empty app/__init__.py" in run.stderr


@pytest.mark.slow
def test_an_empty_project_folder_says_how_to_start(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    run = _pytest("steps/01_database", "--app-dir", str(tmp_path / "project"))
    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    assert "Starting from scratch? Create" in run.stderr


# --- A learner's whole run ----------------------------------------------------------------
@pytest.mark.slow
# pytest's short summary at the end repeats each message: its first line on a laptop, the whole
# message on a CI service (such as GitHub Classroom's). That recap is pytest's, not the course's,
# so the count is made in the part above it, on a narrow laptop terminal and on a wide CI one.
@pytest.mark.parametrize(("columns", "on_ci"), [(80, False), (200, True)], ids=["laptop", "ci"])
def test_a_problem_shared_by_many_checks_is_shown_in_full_once(
    tmp_path: Path, columns: int, on_ci: bool
) -> None:
    database = DATABASE_PY.replace("SessionLocal", "Sessionlocal")
    project = _project(tmp_path, {"app/__init__.py": "", "app/database.py": database})
    run = _pytest("steps/01_database", "--app-dir", str(project), columns=columns, on_ci=on_ci)
    assert "short test summary info" in run.stdout, run.stdout
    errors = run.stdout.split("short test summary info", 1)[0]
    for only_in_the_full_message in (
        "SessionLocal: the session factory (sessionmaker(...))",
        "What to check: the spelling (Python is case-sensitive)",
    ):
        assert errors.count(only_in_the_full_message) == 1, (
            f"expected {only_in_the_full_message!r} once above pytest's short summary, "
            f"found it {errors.count(only_in_the_full_message)} times:\n{run.stdout}"
        )
    assert (
        "The same problem as in test_app_folder_is_a_package_with_init_py above" not in run.stdout
    ), "a check that passed is not the first to show the problem"
    assert (
        "The same problem as in test_engine_is_an_sqlalchemy_engine above: "
        "app/database.py does not define SessionLocal"
    ) in run.stdout


@pytest.mark.slow
def test_a_learners_failure_shows_the_message_without_pytests_introspection(
    tmp_path: Path,
) -> None:
    project = _project(
        tmp_path,
        {"app/__init__.py": "", "app/database.py": DATABASE_PY.replace("autoflush=False, ", "")},
    )
    run = _pytest("steps/01_database", "--app-dir", str(project))
    assert "Expected SessionLocal to make sessions with autoflush=False" in run.stdout
    assert "+  where" not in run.stdout
    assert "def test_sessions_do_not_autoflush" not in run.stdout, "short tracebacks expected"
    assert "Add --tb=long" in run.stdout
    full = _pytest("steps/01_database", "--app-dir", str(project), "--tb=long")
    assert "def test_sessions_do_not_autoflush" in full.stdout


@pytest.mark.slow
def test_the_progress_is_the_last_thing_printed_and_names_what_is_missing(
    tmp_path: Path,
) -> None:
    project = _project(tmp_path, {"app/__init__.py": "", "app/database.py": DATABASE_PY})
    run = _pytest(
        "steps/01_database", "steps/02_models", "steps/03_schemas", "--app-dir", str(project)
    )
    assert run.stdout.index("short test summary info") < run.stdout.index("your progress")
    summary = run.stdout[run.stdout.index("your progress") :]
    assert "FAIL  step 02 models      20 could not run: app/models.py does not exist yet" in (
        summary
    )
    assert "step 03 schemas     16 could not run: app/schemas.py does not exist yet" in summary
    assert "Next: step 02_models. What fails there" in summary
    assert "-m pytest steps/02_models --app-dir" in summary, "the command as it was typed"


@pytest.mark.slow
def test_when_every_step_run_passes_the_summary_names_the_following_step(tmp_path: Path) -> None:
    project = _project(tmp_path, {"app/__init__.py": "", "app/database.py": DATABASE_PY})
    run = _pytest("steps/01_database", "--app-dir", str(project))
    assert run.returncode == pytest.ExitCode.OK, run.stdout[-2000:]
    assert "Every step checked here passes. Well done!\nNext: step 02_models." in run.stdout


@pytest.mark.slow
def test_a_step_with_checks_left_out_is_not_called_done(tmp_path: Path) -> None:
    # `-m "not slow"` (which step 07's README offers) left a check out, and the summary
    # still said "Well done!" and sent the learner on.
    project = _project(tmp_path, {"app/__init__.py": "", "app/database.py": DATABASE_PY})
    run = _pytest("steps/01_database", "--app-dir", str(project), "-k", "not another_thread")
    assert run.returncode == pytest.ExitCode.OK, run.stdout[-2000:]
    assert "1 not run (-m/-k)" in run.stdout, run.stdout
    assert "1 was left out by -m or -k. Run them too before you move on" in run.stdout
    assert "Well done" not in run.stdout, run.stdout


# --- The checks' own messages, on a learner's slips --------------------------------------
@pytest.mark.slow
def test_step_01_names_a_missing_init_py_and_a_get_db_that_returns(tmp_path: Path) -> None:
    database = DATABASE_PY.replace(
        "    try:\n        yield db\n    finally:\n        db.close()\n", "    return db\n"
    )
    project = _project(tmp_path, {"app/database.py": database})
    run = _pytest("steps/01_database", "--app-dir", str(project))
    assert "Expected the file app/__init__.py" in run.stdout
    assert "Calling get_db() gave Session instead of a generator" in run.stdout
    assert "TypeError: 'Session' object is not an iterator" not in run.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mistake", "diagnosis"),
    [
        pytest.param(
            ('"items"', '"item"'), 'Here: Item has __tablename__ = "item"', id="table-name"
        ),
        pytest.param(
            (
                "from app.database import Base",
                "from sqlalchemy.orm import declarative_base\nBase = declarative_base()",
            ),
            "Here: Item does not inherit from the Base of app/database.py",
            id="second-base",
        ),
        pytest.param(
            ("String, index=True, nullable=False", "String, nullable=False"),
            "items has an index on `id` only.",
            id="no-index",
        ),
        pytest.param(
            ("Column(Float,", "Column(Integer,"),
            "to be stored as Float, but the database says INTEGER. What to check",
            id="wrong-type",
        ),
    ],
)
def test_step_02_says_what_the_model_does_instead(
    tmp_path: Path, mistake: tuple[str, str], diagnosis: str
) -> None:
    models = MODELS_PY.replace(*mistake)
    assert models != MODELS_PY
    project = _project(
        tmp_path, {"app/__init__.py": "", "app/database.py": DATABASE_PY, "app/models.py": models}
    )
    run = _pytest("steps/02_models", "--app-dir", str(project))
    assert diagnosis in run.stdout


@pytest.mark.slow
def test_step_06_reports_a_missing_main_py_before_starting_uvicorn(tmp_path: Path) -> None:
    project = _project(tmp_path, {"app/__init__.py": "", "app/database.py": DATABASE_PY})
    run = _pytest("steps/06_main", "--app-dir", str(project), "-k", "uvicorn")
    assert "Step 06 (main) expects the file app/main.py" in run.stdout
    assert "Error loading ASGI app" not in run.stdout


# --- Step 07: mistakes found by following the step's README ------------------------------
def _alembic_project(tmp_path: Path) -> Path:
    """A learner's project as step 07's snapshot has it: app/, alembic/ and alembic.ini."""
    step = REPO_ROOT / "steps" / "07_alembic"
    project = tmp_path / "project"
    for folder in ("app", "alembic"):
        shutil.copytree(step / folder, project / folder, ignore=shutil.ignore_patterns("__py*"))
    shutil.copy2(step / "alembic.ini", project / "alembic.ini")
    return project


def _replace_in(path: Path, right: str, wrong: str) -> None:
    source = path.read_text(encoding="utf-8")
    assert right in source, f"{path.name} no longer holds {right!r}"
    path.write_text(source.replace(right, wrong), encoding="utf-8")


FIRST_MIGRATION = "alembic/versions/20261125_create_items_table.py"
MODELS_IMPORT = "from app import models  # noqa: F401"
# What `alembic revision --autogenerate` writes when it sees no difference.
EMPTY_DRAFT = '''"""create items table"""

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
'''


@pytest.mark.slow
def test_step_07_an_empty_migration_is_explained_and_never_passes(tmp_path: Path) -> None:
    # env.py without `from app import models`: Base.metadata is empty, so autogenerate wrote
    # an empty migration, and comparing the (empty) models with the (empty) database used to
    # pass while every other check blamed a correct env.py.
    project = _alembic_project(tmp_path)
    _replace_in(project / "alembic" / "env.py", MODELS_IMPORT, "# " + MODELS_IMPORT)
    (project / FIRST_MIGRATION).write_text(EMPTY_DRAFT, encoding="utf-8")

    run = _pytest("steps/07_alembic", "--app-dir", str(project), "-m", "not slow")

    assert "No migration creates the items table" in run.stdout, run.stdout
    assert "alembic/env.py does not import app.models" in run.stdout, run.stdout
    comparison = "test_alembic.py::test_the_migrations_match_the_models"
    assert f"FAILED steps/07_alembic/tests/{comparison}" in run.stdout, (
        f"expected the comparison of models and migrations to fail, not pass:\n{run.stdout}"
    )
    assert _summary_problems(run) == 1, f"expected one problem in the summary:\n{run.stdout}"


@pytest.mark.slow
def test_step_07_target_metadata_left_none_is_named_first(tmp_path: Path) -> None:
    # With `target_metadata = None` autogenerate refuses, so versions/ stays empty; telling
    # the learner to run autogenerate (what just failed) is no help.
    project = _alembic_project(tmp_path)
    _replace_in(
        project / "alembic" / "env.py",
        "target_metadata = Base.metadata",
        "target_metadata = None",
    )
    (project / FIRST_MIGRATION).unlink()

    run = _pytest("steps/07_alembic", "--app-dir", str(project), "-m", "not slow")

    assert "still says `target_metadata = None`" in run.stdout, run.stdout
    assert _summary_problems(run) == 1, f"expected one problem in the summary:\n{run.stdout}"


@pytest.mark.slow
def test_step_07_the_placeholder_url_of_alembic_ini_is_named(tmp_path: Path) -> None:
    # `alembic init` writes sqlalchemy.url = driver://...; the command then failed with 40
    # lines of traceback through Alembic and SQLAlchemy.
    project = _alembic_project(tmp_path)
    _replace_in(
        project / "alembic.ini",
        "[alembic]\n",
        "[alembic]\nsqlalchemy.url = driver://user:pass@localhost/dbname\n",
    )

    run = _pytest("steps/07_alembic", "--app-dir", str(project), "-k", "from_the_project_folder")

    assert "alembic.ini still has the placeholder" in run.stdout, run.stdout
    assert "It happened in alembic/env.py, line " in run.stdout, run.stdout
    assert "site-packages" not in run.stdout, f"expected no library frames:\n{run.stdout}"


@pytest.mark.slow
def test_step_07_a_down_revision_naming_no_migration_is_explained(tmp_path: Path) -> None:
    # Alembic's own words ("Revision 0000 referenced from 0000 -> 0001 (head), … is not
    # present") came with 30 lines of pytest-alembic frames in each of 8 checks.
    project = _alembic_project(tmp_path)
    [migration] = (project / "alembic" / "versions").glob("*.py")
    _replace_in(migration, "down_revision: str | None = None", 'down_revision: str | None = "0000"')

    run = _pytest("steps/07_alembic", "--app-dir", str(project), "-m", "not slow")

    assert "has down_revision = '0000', and no migration has that revision id" in run.stdout
    assert "site-packages" not in run.stdout, f"expected no library frames:\n{run.stdout}"


@pytest.mark.slow
def test_step_07_alembic_files_inside_app_are_found_and_moved(tmp_path: Path) -> None:
    # `alembic init alembic` run inside app/: the files exist, one folder too deep.
    project = _alembic_project(tmp_path)
    (project / "alembic.ini").rename(project / "app" / "alembic.ini")
    (project / "alembic").rename(project / "app" / "alembic")

    run = _pytest("steps/07_alembic", "--app-dir", str(project))

    assert "they are inside app/: app/alembic.ini and app/alembic" in run.stdout, run.stdout
    assert "move alembic.ini and the alembic/ folder up one level" in run.stdout, run.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("setting", "relative"),
    [
        pytest.param(
            "script_location = %(here)s/alembic", "script_location = alembic", id="script"
        ),
        pytest.param("prepend_sys_path = %(here)s", "prepend_sys_path = .", id="sys-path"),
        pytest.param("path_separator = os\n", "", id="no-path-separator"),
    ],
)
def test_step_07_reads_alembic_ini_as_alembic_does_in_the_project_folder(
    tmp_path: Path, setting: str, relative: str
) -> None:
    # The older `alembic init` template writes relative paths (and no path_separator);
    # `alembic upgrade head` works from the project folder, and so must every check.
    project = _alembic_project(tmp_path)
    _replace_in(project / "alembic.ini", setting, relative)

    run = _pytest("steps/07_alembic", "--app-dir", str(project))

    assert run.returncode == pytest.ExitCode.OK, run.stdout[-3000:]


@pytest.mark.slow
def test_step_07_a_script_location_naming_no_folder_says_which_folder_it_is(
    tmp_path: Path,
) -> None:
    project = _alembic_project(tmp_path)
    _replace_in(project / "alembic.ini", "%(here)s/alembic", "%(here)s/migrations")

    run = _pytest("steps/07_alembic", "--app-dir", str(project), "-m", "not slow")

    assert "alembic.ini says `script_location = %(here)s/migrations`" in run.stdout, run.stdout
    assert "write `script_location = %(here)s/alembic`" in run.stdout, run.stdout
    assert "Please use the 'init' command" not in run.stdout, run.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("right", "wrong", "explanation"),
    [
        pytest.param(
            "down_revision: str | None = None",
            'down_revision: str | None = "0001"',
            "20261125_create_items_table.py, line 14: revision '0001' has down_revision = '0001'",
            id="names-itself",
        ),
        pytest.param(
            "down_revision: str | None = None\n",
            "",
            "20261125_create_items_table.py has no `down_revision = ...` line",
            id="no-down-revision",
        ),
        pytest.param(
            'revision: str = "0001"',
            'revison: str = "0001"',
            "declares no `revision`, so Alembic does not know this migration's id. Line 13 "
            "assigns `revison`: a typo of revision?",
            id="misspelt-revision",
        ),
        pytest.param(
            '        sa.PrimaryKeyConstraint("id"),\n    )\n',
            '        sa.PrimaryKeyConstraint("id"),\n\n',
            "20261125_create_items_table.py has a syntax error at line 20",
            id="syntax-error",
        ),
    ],
)
def test_step_07_a_broken_chain_of_revisions_names_the_file_and_line(
    tmp_path: Path, right: str, wrong: str, explanation: str
) -> None:
    # pytest-alembic and Alembic frames (about 40 lines) came before Alembic's last line.
    project = _alembic_project(tmp_path)
    _replace_in(project / FIRST_MIGRATION, right, wrong)

    run = _pytest("steps/07_alembic", "--app-dir", str(project), "-m", "not slow")

    assert explanation in run.stdout, run.stdout
    assert "site-packages" not in run.stdout, f"expected no library frames:\n{run.stdout}"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("right", "wrong", "explanation"),
    [
        pytest.param(
            "target_metadata = Base.metadata",
            "target_metadata = Base",
            "gives Alembic target_metadata = the declarative base class Base",
            id="the-base-class",
        ),
        pytest.param(
            "context.configure(connection=connection, target_metadata=target_metadata, ",
            "context.configure(connection=connection, ",
            "sets `target_metadata = Base.metadata` (line 17), but its context.configure(...) "
            "at line 28 is not given it",
            id="not-passed-on",
        ),
    ],
)
def test_step_07_advice_on_the_models_comparison_looks_at_what_env_py_gives_alembic(
    tmp_path: Path, right: str, wrong: str, explanation: str
) -> None:
    # Both used to be answered with "run autogenerate" or "set target_metadata =
    # Base.metadata", advice that fails the same way or that env.py already follows.
    project = _alembic_project(tmp_path)
    _replace_in(project / "alembic" / "env.py", right, wrong)

    run = _pytest("steps/07_alembic", "--app-dir", str(project), "-k", "match_the_models")

    assert explanation in run.stdout, run.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("right", "wrong", "explanation"),
    [
        pytest.param(
            "        yield db\n    finally:",
            "        yield db\n    except Exception:\n        db.rollback()\n    finally:",
            "get_db caught it and did not raise it again, so the error vanished and the client "
            "would be told the request succeeded.\n  app/database.py, line 14: except Exception:",
            id="swallowed-exception",
        ),
        pytest.param(
            "    db = SessionLocal()\n",
            "    db = SessionLocal\n",
            "get_db yielded a sessionmaker instead of a Session",
            id="factory-yielded",
        ),
        pytest.param(
            "sessionmaker(autocommit=False, autoflush=False, bind=engine)",
            "sessionmaker(autocommit=True, autoflush=False, bind=engine)",
            "SessionLocal() could not make a session: ArgumentError: autocommit=True is no "
            "longer supported",
            id="autocommit",
        ),
        pytest.param(
            "autoflush=False, bind=engine)",
            "autoflush=False)",
            "SessionLocal = sessionmaker(...) in app/database.py has no bind=engine",
            id="no-bind",
        ),
        pytest.param(
            '{"check_same_thread": False}',
            '{"check_same_threads": False}',
            "which has no argument `check_same_threads`. Did you mean `check_same_thread`?",
            id="misspelt-connect-argument",
        ),
        pytest.param(
            "        db.close()",
            "        db.close",
            "In app/database.py, line 15, `db.close` has no parentheses",
            id="close-not-called",
        ),
    ],
)
def test_step_01_a_check_reports_what_get_db_and_sessionlocal_were_given(
    tmp_path: Path, right: str, wrong: str, explanation: str
) -> None:
    # Each used to surface as a bare StopIteration, a library traceback, or an
    # AttributeError from the check's own clean-up.
    database = DATABASE_PY.replace(right, wrong)
    assert database != DATABASE_PY
    project = _project(tmp_path, {"app/__init__.py": "", "app/database.py": database})

    run = _pytest("steps/01_database", "--app-dir", str(project))

    assert explanation in run.stdout, run.stdout
    assert "site-packages" not in run.stdout, f"expected no library frames:\n{run.stdout}"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("right", "wrong", "explanation"),
    [
        pytest.param(
            "index=True, nullable=False)",
            'index=True, nullable=False, default="")',
            "the column is NOT NULL, but its default='' fills it in, so the item was stored with "
            "title ''",
            id="a-default-fills-a-not-null-column",
        ),
        pytest.param(
            "price = Column(Float, nullable=False)",
            'price = Column(Float, nullable=False, server_default="0")',
            "the column is NOT NULL, but its server_default='0' fills it in",
            id="a-server-default-fills-a-not-null-column",
        ),
        pytest.param(
            "price = Column(Float, nullable=False)",
            'price = Column(Float, nullable="False")',
            "declares price with nullable='False', which is not True or False",
            id="nullable-as-text",
        ),
        pytest.param(
            "title = Column(String,",
            'title = Column("name", String,',
            "Item.title is stored in a column called `name`",
            id="column-named-otherwise",
        ),
    ],
)
def test_step_02_advice_looks_at_what_the_model_declares(
    tmp_path: Path, right: str, wrong: str, explanation: str
) -> None:
    # The first two used to be told to add nullable=False, which the column had.
    models = MODELS_PY.replace(right, wrong)
    assert models != MODELS_PY
    project = _project(
        tmp_path, {"app/__init__.py": "", "app/database.py": DATABASE_PY, "app/models.py": models}
    )

    run = _pytest("steps/02_models", "--app-dir", str(project))

    assert explanation in run.stdout, run.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("right", "wrong", "check", "explanation"),
    [
        pytest.param(
            "title: str = Field(...,",
            'title: str = Field(..., alias="name",',
            "create_accepts",
            "`name` is the alias of the field title (Field(alias='name'))",
            id="alias",
        ),
        pytest.param(
            "ConfigDict(from_attributes=True)",
            "ConfigDict(from_attribute=True)",
            "item_out_reads_every_field",
            "model_config has `from_attribute`, which is no setting of Pydantic's (it ignores "
            "it): did you mean `from_attributes`?",
            id="misspelt-setting",
        ),
        pytest.param(
            "class ItemOut(ItemBase):",
            "class ItemOut(BaseModel):",
            "item_out_reads_every_field",
            "ItemOut has no field is_available, price, title: the lesson's ItemOut inherits "
            "them, `class ItemOut(ItemBase):`.",
            id="item-out-without-the-base",
        ),
        pytest.param(
            "    is_available: bool = True\n",
            "    is_available: bool = False\n",
            "create_accepts",
            "is_available: not sent, so its default gave False",
            id="other-default",
        ),
    ],
)
def test_step_03_advice_looks_at_what_the_schema_declares(
    tmp_path: Path, right: str, wrong: str, check: str, explanation: str
) -> None:
    project = _snapshot_with_a_mistake(tmp_path, "03_schemas", "schemas", right, wrong)

    run = _pytest("steps/03_schemas", "--app-dir", str(project), "-k", check)

    assert explanation in run.stdout, run.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("right", "wrong", "check", "explanation"),
    [
        pytest.param(
            "    db.refresh(db_item)  # reload",
            "    return db_item.id\n    db.refresh(db_item)  # reload",
            "returns_it_with_an_id",
            "returned the int 1, not the item (whose .id would hold it)",
            id="create-returns-the-id",
        ),
        pytest.param(
            "== item_id).first()",
            "== item_id).first",
            "returns_the_item_with_that_id",
            "get_item(db, 2) returned the method Query.first itself, never called: a missing "
            "`()` (`.first()`)",
            id="a-method-not-called",
        ),
        pytest.param(
            "    db_item = get_item(db, item_id)\n    if not db_item:\n        return None\n",
            "    db_item = get_item(db, item_id)\n",
            "update_item_returns_none",
            "crashed: no item has id 2, so get_item gave None",
            id="update-without-the-none-check",
        ),
        pytest.param(
            "exclude_unset=True",
            "exclude_defaults=True",
            "clear_the_description",
            "update_item calls item.model_dump(exclude_defaults=True) (app/crud.py line 30)",
            id="exclude-defaults",
        ),
        pytest.param(
            "setattr(db_item, key, value)",
            "setattr(item, key, value)",
            "only_a_price",
            "setattr(item, key, value) (app/crud.py line 32) changes `item`, the function's own "
            "argument",
            id="setattr-on-the-body",
        ),
    ],
)
def test_step_04_says_what_a_crud_function_returned_or_does(
    tmp_path: Path, right: str, wrong: str, check: str, explanation: str
) -> None:
    # The first two crashed in the check's own code ("'function' object has no attribute
    # 'id'"); the others got the general advice.
    project = _snapshot_with_a_mistake(tmp_path, "04_crud", "crud", right, wrong)

    run = _pytest("steps/04_crud", "--app-dir", str(project), "-k", check)

    assert explanation in run.stdout, run.stdout
    assert "has no attribute 'id'" not in run.stdout, run.stdout


@pytest.mark.slow
def test_step_05_a_required_query_parameter_is_named_with_its_default(tmp_path: Path) -> None:
    project = _snapshot_with_a_mistake(
        tmp_path, "05_router", "router", "Query(20, ge=1, le=100)", "Query(ge=1, le=100)"
    )

    run = _pytest("steps/05_router", "--app-dir", str(project), "-k", "json_array")

    assert "declares the query parameter `limit` without a default" in run.stdout, run.stdout
    assert "What to check: `limit: int = Query(20, ge=1, le=100)`." in run.stdout, run.stdout


@pytest.mark.slow
def test_step_06_a_second_base_in_main_py_is_named(tmp_path: Path) -> None:
    # It used to be told to call Base.metadata.create_all, which the lifespan did.
    project = _snapshot_with_a_mistake(
        tmp_path,
        "06_main",
        "main",
        "from app.database import Base, engine\n",
        "from sqlalchemy.orm import declarative_base\n\nfrom app.database import engine\n\n"
        "Base = declarative_base()\n",
    )

    run = _pytest("steps/06_main", "--app-dir", str(project), "-k", "creates_the_items_table")

    assert "app/main.py's `Base` is not app.database's Base" in run.stdout, run.stdout
    assert "(a declarative base with no tables on it)" in run.stdout, run.stdout


# --- Issue 13, phase 2: the plugin's general rules, one test per rule ----------------------
# Each makes one mistake of the audit, runs the step's checks as a learner does, and reads the
# first report pytest prints (its ERRORS section comes before FAILURES): what the learner reads
# first names the cause and the fix, not a library's private name or its frames.
_SECTION = re.compile(r"^=+ (ERRORS|FAILURES) =+$")
_REPORT_HEADER = re.compile(r"^_{2,} (.+?) _{2,}$")
_END_OF_REPORT = re.compile(r"^(_{3,} .* _{3,}|=+ .* =+|-+ Captured .* -+)$")


def _first_report(output: str) -> str:
    """The body of the first failure report in pytest's OUTPUT ("" when there is none)."""
    lines = output.splitlines()
    start = next((n for n, line in enumerate(lines) if _SECTION.match(line)), len(lines))
    header = next((n for n in range(start, len(lines)) if _REPORT_HEADER.match(lines[n])), None)
    if header is None:
        return ""
    body = []
    for line in lines[header + 1 :]:
        if _END_OF_REPORT.match(line):
            break
        body.append(line)
    return "\n".join(body).strip("\n")


def _snapshot_with_mistakes(
    tmp_path: Path, step: str, module: str, edits: tuple[tuple[str, str], ...]
) -> Path:
    """A learner's project: step's snapshot app/ with each (right, wrong) edit made in module."""
    right, wrong = edits[0]
    project = _snapshot_with_a_mistake(tmp_path, step, module, right, wrong)
    for right, wrong in edits[1:]:
        _replace_in(project / "app" / f"{module}.py", right, wrong)
    return project


def _first_report_of(
    tmp_path: Path, step: str, module: str, edits: tuple[tuple[str, str], ...], check: str
) -> str:
    project = _snapshot_with_mistakes(tmp_path, step, module, edits)
    run = _pytest(f"steps/{step}", "--app-dir", str(project), "-k", check)
    first = _first_report(run.stdout)
    assert first, run.stdout
    assert "site-packages" not in first, first
    return first


@pytest.mark.slow
def test_a_repeat_points_back_only_to_a_report_printed_above_it(tmp_path: Path) -> None:
    # P1: the check that ran into the problem first failed in its call, and later ones in
    # setup: pytest prints the setup errors first, so they used to point "above" to a report
    # printed below them.
    project = _alembic_project(tmp_path)
    _replace_in(
        project / "alembic.ini",
        "script_location = %(here)s/alembic",
        "script_location = %(here)s/migrations",
    )

    run = _pytest("steps/07_alembic", "--app-dir", str(project))

    assert _first_report(run.stdout).startswith(
        "alembic.ini says `script_location = %(here)s/migrations`"
    ), run.stdout
    assert "The same problem as in test_alembic_files_are_in_the_project above" not in run.stdout
    failures = run.stdout.partition("short test summary")[0].partition("= FAILURES =")[2]
    assert "The same problem as in " in failures, run.stdout
    # A run of several steps prints only the first failing check, which then shows it in full.
    both = _pytest("steps/06_main", "steps/07_alembic", "--app-dir", str(project))
    assert _first_report(both.stdout).startswith(
        "alembic.ini says `script_location = %(here)s/migrations`"
    ), both.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("returned", "explanation"),
    [
        pytest.param("None", "that value was None (a function with no `return` gives None)"),
        pytest.param("get_item", "that value was the function get_item, never called"),
        pytest.param("7", "that value was the int 7"),
    ],
)
def test_a_checks_own_crash_on_a_learner_value_names_the_value(
    tmp_path: Path, returned: str, explanation: str
) -> None:
    # P2: a check that reads `.id` without first checking what it was given; pytest showed the
    # check's own code and "'NoneType' object has no attribute 'id'".
    others = "".join(
        f"def {name}(*args):\n    pass\n\n\n"
        for name in ("get_items", "create_item", "update_item", "delete_item")
    )
    project = _project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/crud.py": f"{others}def get_item(db, item_id):\n    return {returned}\n",
        },
    )
    check = tmp_path / "checks" / "tests" / "test_reads_the_id.py"
    check.parent.mkdir(parents=True)
    check.write_text(
        "def test_get_item_gives_an_item(crud):\n"
        "    found = crud.get_item(None, 1)\n"
        "    assert found.id == 1\n",
        encoding="utf-8",
    )
    environment = {k: v for k, v in os.environ.items() if k not in ("CI", "BUILD_NUMBER")}
    environment["PYTHONPATH"] = str(REPO_ROOT / "steps")
    run = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-p", "no:cacheprovider"),
            *("-p", "items_course.plugin", str(check), "--app-dir", str(project)),
        ],
        cwd=tmp_path / "checks",
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )

    first = _first_report(run.stdout)
    assert explanation in first, run.stdout
    assert "test_reads_the_id.py line 3: `assert found.id == 1`" in first, run.stdout
    assert "Traceback" not in first, run.stdout
    assert "has no attribute 'id'" not in first, run.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("step", "module", "edits", "check", "explanation"),
    [
        pytest.param(
            "06_main",
            "main",
            (
                (
                    "from app.router import router as items_router",
                    "from app import router as items_router",
                ),
            ),
            "fastapi_application",
            "`items_router` is the module app.router, where the library expected an APIRouter "
            "(app.router.router is one)",
            id="the-module-not-its-router",
        ),
        pytest.param(
            "06_main",
            "main",
            (
                (
                    "from app.database import Base, engine\n",
                    "from sqlalchemy import engine\n\nfrom app.database import Base\n",
                ),
            ),
            "swagger_ui_page",
            "`engine` is the module sqlalchemy.engine, where the library expected an Engine",
            id="sqlalchemy-engine-module",
        ),
        pytest.param(
            "04_crud",
            "crud",
            (
                (
                    "    for key, value in update_data.items():\n"
                    "        setattr(db_item, key, value)\n",
                    "    db_item.update(update_data)\n",
                ),
            ),
            "only_a_price",
            "`db_item` is an Item, a stored item: it has the attributes of its columns (id, "
            "title, description, price, is_available)",
            id="an-item-used-as-a-dict",
        ),
        pytest.param(
            "05_router",
            "router",
            (('tags=["Items"]', 'tags="Items"'),),
            "post_creates",
            "which is given as `tags='Items'` at line 11 of app/router.py: it expected another "
            "type there, a list (`tags=['Items']`)",
            id="a-text-for-a-list",
        ),
    ],
)
def test_a_library_looking_inside_an_object_of_the_wrong_kind_names_it(
    tmp_path: Path,
    step: str,
    module: str,
    edits: tuple[tuple[str, str], ...],
    check: str,
    explanation: str,
) -> None:
    # P3: was "module 'app.router' has no attribute '_contains_router'" and the like.
    first = _first_report_of(tmp_path, step, module, edits, check)

    assert explanation in first, first


@pytest.mark.slow
@pytest.mark.parametrize(
    ("edits", "check", "explanation"),
    [
        pytest.param(
            (("    return crud.create_item(db, item)", "    crud.create_item(db, item)"),),
            "post_creates",
            "The handler create_item (router.py, line 34) has no `return`, so it gives FastAPI "
            "None, where the answer must be what its response_model describes. Its last line "
            "computes the answer and drops it: `return crud.create_item(db, item)`.",
            id="no-return",
        ),
        pytest.param(
            (
                (
                    "    if not item:\n        raise HTTPException(",
                    "    if not item:\n        return HTTPException(",
                ),
            ),
            "missing_item_is_404",
            "The handler read_item (router.py, line 26) returned HTTPException(...) instead of "
            "raising it",
            id="returns-its-exception",
        ),
    ],
)
def test_an_answer_that_does_not_fit_the_response_model_is_explained_by_the_handler(
    tmp_path: Path, edits: tuple[tuple[str, str], ...], check: str, explanation: str
) -> None:
    # P4: both got advice that starts with 404s for an id no item has.
    first = _first_report_of(tmp_path, "05_router", "router", edits, check)

    assert explanation in first, first
    assert "the likeliest first" not in first, first


@pytest.mark.slow
@pytest.mark.parametrize(
    ("edits", "explanation"),
    [
        pytest.param(
            (("Depends(get_db)]", "Depends(get_db())]"),),
            "Depends(...) takes the dependency itself, which FastAPI calls for every request: "
            "`Depends(get_db)`, not `Depends(get_db())` (line 14 of app/router.py).",
            id="depends-called",
        ),
        pytest.param(
            (("DbSession = Annotated[Session, Depends(get_db)]", "DbSession = Session"),),
            "A handler parameter has the type Session but no Depends(...)",
            id="session-without-depends",
        ),
    ],
)
def test_a_route_fastapi_refuses_on_import_names_the_argument(
    tmp_path: Path, edits: tuple[tuple[str, str], ...], explanation: str
) -> None:
    # P5: blamed on the decorator line, with FastAPI's message about the generator or a
    # "valid Pydantic field type".
    first = _first_report_of(tmp_path, "05_router", "router", edits, "post_creates")

    assert explanation in first, first


@pytest.mark.slow
def test_a_function_calling_itself_is_shown_once_with_the_name_it_hides(tmp_path: Path) -> None:
    # P6: a thousand identical frames, then "maximum recursion depth exceeded".
    edits = (
        (
            "from app.database import get_db\n",
            "from app.crud import create_item\nfrom app.database import get_db\n",
        ),
        ("    return crud.create_item(db, item)", "    return create_item(db, item)"),
    )
    first = _first_report_of(tmp_path, "05_router", "router", edits, "post_creates")

    assert "more times)" in first, first
    assert first.count("return create_item(db, item)") == 1, first
    assert (
        "`create_item` calls itself, again and again, until Python gives up. The file imports a "
        "create_item too (line 9)"
    ) in first, first
    assert "`crud.create_item(...)`" in first, first


@pytest.mark.slow
@pytest.mark.parametrize(
    ("edits", "check", "explanation"),
    [
        pytest.param(
            (
                (
                    "from contextlib import asynccontextmanager",
                    "from contextlib import contextmanager",
                ),
                (
                    "@asynccontextmanager\nasync def lifespan(",
                    "@contextmanager\ndef lifespan(",
                ),
            ),
            "swagger_ui_page",
            "`async def` and @asynccontextmanager (not @contextmanager) are all there",
            id="contextmanager",
        ),
        pytest.param(
            (("lifespan=lifespan)", "lifespan=lifespan())"),),
            "fastapi_application",
            "`lifespan=lifespan()` calls lifespan right there, on this line; `lifespan=` wants "
            "the function itself",
            id="lifespan-called",
        ),
        pytest.param(
            (("create_all(bind=engine)", "create_all()"),),
            "swagger_ui_page",
            "create_all needs the engine to work on: `create_all(bind=engine)`",
            id="create-all-without-bind",
        ),
    ],
)
def test_a_lifespan_of_the_wrong_shape_or_called_too_soon_is_named(
    tmp_path: Path, edits: tuple[tuple[str, str], ...], check: str, explanation: str
) -> None:
    # P7: Starlette's TypeErrors, or a library traceback.
    first = _first_report_of(tmp_path, "06_main", "main", edits, check)

    assert explanation in first, first


@pytest.mark.slow
def test_a_name_the_learners_module_does_not_define_lists_those_it_does(tmp_path: Path) -> None:
    # P8: was "cannot import name 'items_router'" with no advice.
    edits = (
        (
            "from app.router import router as items_router",
            "from app.router import items_router",
        ),
    )
    first = _first_report_of(tmp_path, "06_main", "main", edits, "fastapi_application")

    assert (
        "app/router.py has no `items_router`; it defines `router` (the APIRouter with prefix "
        "/items). To use another name here, import it under that name: `from app.router import "
        "router as items_router`."
    ) in first, first


@pytest.mark.slow
@pytest.mark.parametrize(
    ("step", "module", "edits", "explanation"),
    [
        pytest.param(
            "02_models",
            "models",
            (("primary_key=True, index=True", "index=True"),),
            "Every table needs a primary key: `id = Column(Integer, primary_key=True, "
            "index=True)` in class Item.",
            id="no-primary-key",
        ),
        pytest.param(
            "02_models",
            "models",
            (("price = Column(Float,", "price = Column(float,"),),
            "`float` is Python's type; a column's type comes from SQLAlchemy: `Float`",
            id="python-float",
        ),
        pytest.param(
            "02_models",
            "models",
            (
                ("from app.database import Base", "from app import database"),
                ("class Item(Base):", "class Item(database):"),
            ),
            "`database` is a module (a file), and a class can only inherit from a class",
            id="the-module-as-base",
        ),
        pytest.param(
            "01_database",
            "database",
            (('"sqlite:///./app.db"', '"sqlite///./app.db"'),),
            "The URL 'sqlite///./app.db' is not one SQLAlchemy can read",
            id="url-without-colon",
        ),
        pytest.param(
            "01_database",
            "database",
            (
                (
                    "from sqlalchemy.orm import Session, declarative_base, sessionmaker",
                    "from sqlalchemy.ext.declarative import declarative_base\n"
                    "from sqlalchemy.orm import Session, sessionmaker",
                ),
            ),
            "`from sqlalchemy.orm import declarative_base` (not sqlalchemy.ext.declarative)",
            id="ext-declarative",
        ),
        pytest.param(
            "03_schemas",
            "schemas",
            (
                (
                    "min_length=1, max_length=200)",
                    "min_length=1, max_length=200, strip_whitespace=True)",
                ),
            ),
            "Field(...) has no such option (the warning names it under 'Extra keys')",
            id="field-option-it-does-not-have",
        ),
        pytest.param(
            "06_main",
            "main",
            (('version="1.0.0", lifespan', 'version="1.0.0", root_path="/api/v1", lifespan'),),
            "root_path tells FastAPI the path a proxy serves it under; it does not put the "
            "routes there",
            id="root-path",
        ),
    ],
)
def test_a_library_message_on_import_is_translated_into_the_fix(
    tmp_path: Path,
    step: str,
    module: str,
    edits: tuple[tuple[str, str], ...],
    explanation: str,
) -> None:
    # P9: the library's message alone (a mapper, a SchemaItem, a deprecation warning).
    first = _first_report_of(tmp_path, step, module, edits, "not test_app_folder")

    assert explanation in first, first


@pytest.mark.slow
@pytest.mark.parametrize(
    ("edits", "check", "explanation"),
    [
        pytest.param(
            (("    db.add(db_item)\n", "    db.add(item)\n"),),
            "stores_the_item",
            "db.add() takes a stored object, a models.Item; this line gives it an ItemCreate "
            "(a schema, not a model)",
            id="add-the-schema",
        ),
        pytest.param(
            (("models.Item(**item.model_dump())", "models.Item(**item)"),),
            "stores_the_item",
            "`**` unpacks a dictionary, and an ItemCreate is not one",
            id="unpack-the-schema",
        ),
        pytest.param(
            (("    db.delete(db_item)\n", "    db.delete(item_id)\n"),),
            "removes_the_row",
            "db.delete() takes a stored object, a models.Item; this line gives it a number (an "
            "id?). Find the item first",
            id="delete-the-id",
        ),
        pytest.param(
            (
                (
                    ".filter(models.Item.id == item_id).first()",
                    ".filter_by(item_id=item_id).first()",
                ),
            ),
            "returns_the_item_with_that_id",
            "filter_by(...) takes the names of the columns of items, and item_id is none of "
            "them: `filter_by(id=item_id)`",
            id="filter-by-a-parameter-name",
        ),
    ],
)
def test_a_session_given_the_wrong_thing_says_what_it_takes(
    tmp_path: Path, edits: tuple[tuple[str, str], ...], check: str, explanation: str
) -> None:
    # P10: SQLAlchemy's "Class 'app.schemas.ItemCreate' is not mapped" and the like.
    first = _first_report_of(tmp_path, "04_crud", "crud", edits, check)

    assert explanation in first, first
