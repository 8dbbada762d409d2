"""The course's pytest plugin (steps/conftest.py and steps/items_course/) speaks to beginners:
missing files, missing names and broken code produce messages that say what to do, a library's
error comes with advice on the learner's line, and a learner's run ends with a progress summary.

The steps' own checks and their messages are tested in tests/test_step_checks_advice.py.
"""

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.learner_projects import (
    DATABASE_PY,
    MODELS_PY,
    alembic_project,
    project_with,
    replace_in,
    snapshot_with_a_mistake,
    snapshot_with_mistakes,
)
from tests.helpers.learner_runs import run_pytest, summary_problems
from tests.helpers.repository import REPO_ROOT


def _failure_message(package: Any, module: str, step: str = "02_models") -> str:
    with pytest.raises(pytest.fail.Exception) as failure:
        package.module(module, asked_by=step)
    return str(failure.value)


def test_a_missing_module_names_the_file_the_step_expects(
    tmp_path: Path, app_package_at: Callable[[Path], Any]
) -> None:
    project = project_with(tmp_path, {"app/__init__.py": ""})
    message = _failure_message(app_package_at(project), "models")
    assert "Step 02 (models)" in message
    assert "expects the file app/models.py" in message
    assert str(project / "app" / "models.py") in message


def test_a_missing_name_is_listed_with_what_it_is(
    tmp_path: Path, app_package_at: Callable[[Path], Any]
) -> None:
    project = project_with(
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
    project = project_with(tmp_path, {"app/__init__.py": "", "app/crud.py": crud})
    message = _failure_message(app_package_at(project), "crud", step="04_crud")
    assert "get_item: a CRUD function" in message, message
    assert "has `get_items`, spelt differently" not in message, message
    assert "app/crud.py also defines `read_item`, which no step asks for: is it" in message, message


def test_a_syntax_error_points_at_the_line(
    tmp_path: Path, app_package_at: Callable[[Path], Any]
) -> None:
    project = project_with(tmp_path, {"app/__init__.py": "", "app/database.py": "x = (\n"})
    message = _failure_message(app_package_at(project), "database")
    assert "app/database.py has a syntax error at line 1" in message


def test_an_error_raised_by_the_learners_code_shows_where(
    tmp_path: Path, app_package_at: Callable[[Path], Any]
) -> None:
    project = project_with(
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
    project = project_with(tmp_path, {"app/__init__.py": "", "app/database.py": "x = (\n"})
    package = app_package_at(project)
    first = _failure_message(package, "database")
    (project / "app" / "database.py").write_text("fixed = True\n", encoding="utf-8")
    assert _failure_message(package, "database") == first


# --- The command line, as a learner types it -------------------------------------------
@pytest.mark.slow
def test_app_dir_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    run = run_pytest("steps/01_database", "--app-dir", str(tmp_path / "nowhere"))
    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    assert "does not exist" in run.stderr


@pytest.mark.slow
def test_app_dir_without_an_app_folder_explains_what_to_give(tmp_path: Path) -> None:
    run = run_pytest("steps/01_database", "--app-dir", str(tmp_path))
    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    assert "Give the folder that contains your app/ package" in run.stderr


@pytest.mark.slow
def test_checks_of_a_later_step_name_the_missing_module() -> None:
    run = run_pytest("steps/01_database", "steps/03_schemas", "--app-dir", "steps/02_models")
    assert run.returncode == pytest.ExitCode.TESTS_FAILED
    assert "Step 03 (schemas) expects the file app/schemas.py" in run.stdout
    assert "ModuleNotFoundError" not in run.stdout, "a bare import traceback reached the learner"


@pytest.mark.slow
def test_a_learners_run_ends_with_progress_and_the_next_step() -> None:
    run = run_pytest(
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
    run = run_pytest("steps/01_database", "--app-dir", "steps/01_database/app")
    assert run.returncode == pytest.ExitCode.OK, run.stdout[-2000:]
    assert "your progress" in run.stdout


# --- Hints for the slips beginners make most ---------------------------------------------
def test_a_misspelt_name_is_matched_with_the_one_the_file_has(
    tmp_path: Path, app_package_at: Callable[[Path], Any]
) -> None:
    database = DATABASE_PY.replace("SessionLocal", "Sessionlocal")
    project = project_with(tmp_path, {"app/__init__.py": "", "app/database.py": database})
    message = _failure_message(app_package_at(project), "database", step="01_database")
    assert "SessionLocal: the session factory" in message
    assert "app/database.py has `Sessionlocal`, spelt differently" in message


def test_a_syntax_error_names_the_file_it_is_in(
    tmp_path: Path, app_package_at: Callable[[Path], Any]
) -> None:
    project = project_with(tmp_path, {"app/__init__.py": "x = (\n", "app/database.py": DATABASE_PY})
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
    project = project_with(tmp_path, {"app/__init__.py": "", "app/database.py": database})
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
    project = project_with(
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
    project = project_with(tmp_path, {"app/__init__.py": "", "app/schemas.py": schemas})
    message = _failure_message(app_package_at(project), "schemas", step="03_schemas")
    assert "`model_config = ConfigDict(from_attributes=True)`" in message, message
    assert "The checks treat warnings as errors" in message, message


def test_a_misspelt_own_module_is_not_blamed_on_a_library(
    tmp_path: Path, app_package_at: Callable[[Path], Any]
) -> None:
    # SQLAlchemy has a module called `schema`; the learner meant their own app/schemas.py.
    project = project_with(
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


# --- Advice on what the learner's code did while a check ran it ---------------------------
@pytest.mark.slow
def test_a_handler_returning_none_gets_advice_not_fastapis_frames(tmp_path: Path) -> None:
    project = snapshot_with_a_mistake(
        tmp_path,
        "05_router",
        "router",
        "    item = crud.get_item(db, item_id)\n    if not item:\n        raise HTTPException("
        'status_code=404, detail="Item not found")\n',
        "    item = crud.get_item(db, item_id)\n",
    )

    run = run_pytest("steps/05_router", "--app-dir", str(project), "-k", "missing_item")

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
    project = snapshot_with_a_mistake(tmp_path, "02_models", "models", right, wrong)
    models_py = project / "app" / "models.py"
    models_py.write_text(
        models_py.read_text(encoding="utf-8").replace(
            "import Boolean,", "import BigInteger, Boolean,"
        ),
        encoding="utf-8",
    )

    run = run_pytest("steps/02_models", "--app-dir", str(project), "-k", "numbers_new_items")

    assert "NOT NULL constraint failed" in run.stdout, run.stdout
    assert fix in run.stdout, f"expected the fix {fix!r} in:\n{run.stdout}"
    assert "sqlalchemy/orm/session.py" not in run.stdout, f"library frames are noise:\n{run.stdout}"


@pytest.mark.slow
def test_a_failed_property_shows_only_the_invented_example(tmp_path: Path) -> None:
    # A price sent is dropped: the check's explicit example (a null description) passes, so
    # the failure shown is one Hypothesis invents, and about half of its examples send a
    # price (all 25 without one: 1 chance in 2**25).
    mistake = "exclude_unset=True, exclude={'price'}"
    project = snapshot_with_a_mistake(tmp_path, "04_crud", "crud", "exclude_unset=True", mistake)

    run = run_pytest("steps/04_crud", "--app-dir", str(project), "-k", "changes_exactly")

    example = run.stdout.partition("Failing test case:")[2].partition("short test summary")[0]
    assert "sent=" in example, f"expected the example Hypothesis found:\n{run.stdout}"
    assert "crud=" not in example, f"the fixtures are not part of the example:\n{example}"
    assert "read_back=" not in example, f"the fixtures are not part of the example:\n{example}"


@pytest.mark.slow
def test_a_summary_line_says_what_is_wrong_not_just_what_comes_first(tmp_path: Path) -> None:
    # The message starts "With 25 items stored:"; its summary line must go on to the problem.
    project = snapshot_with_a_mistake(
        tmp_path, "04_crud", "crud", ".offset(skip).limit(limit)", ".limit(limit)"
    )

    run = run_pytest("steps/04_crud", "--app-dir", str(project), "-k", "pages")

    summary = run.stdout.split("your progress", 1)[-1]
    assert "  - With 25 items stored: get_items(db, skip=20) gave 20 items" in summary, summary


@pytest.mark.slow
def test_a_crash_in_the_learners_code_shows_their_lines_not_the_libraries(tmp_path: Path) -> None:
    # The session and the id swapped: SQLAlchemy is never reached, but pytest used to print
    # about 110 frames of Starlette, FastAPI and anyio for each failing check.
    project = snapshot_with_a_mistake(
        tmp_path,
        "05_router",
        "router",
        "crud.update_item(db, item_id, item)",
        "crud.update_item(item_id, db, item)",
    )

    run = run_pytest("steps/05_router", "--app-dir", str(project), "-k", "patch")

    assert "AttributeError: 'int' object has no attribute 'query'" in run.stdout, run.stdout
    assert "app/router.py, line" in run.stdout, run.stdout
    assert "crud.update_item(item_id, db, item)" in run.stdout, run.stdout
    # The checks' helper that sent the request (steps/05_router/tests/answers.py) is part of
    # the check: its line is shown too.
    assert "the check, answers.py, line" in run.stdout, run.stdout
    assert "in patch:\n      return client.patch(" in run.stdout, run.stdout
    assert "called on an int, where a database session was expected" in run.stdout, run.stdout
    assert "site-packages" not in run.stdout, f"library frames are noise here:\n{run.stdout}"
    assert summary_problems(run) == 1, f"expected one problem in the summary:\n{run.stdout}"


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
    project_with(tmp_path, {"app/__init__.py": "", "app/database.py": DATABASE_PY})
    run = run_pytest("steps/01_database", "--app-dir", given.format(tmp=tmp_path))
    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    assert advice.format(tmp=tmp_path) in run.stderr


@pytest.mark.slow
def test_an_app_dir_with_the_modules_but_no_app_folder_says_to_move_them(tmp_path: Path) -> None:
    project = project_with(tmp_path, {"database.py": DATABASE_PY, "models.py": MODELS_PY})
    run = run_pytest("steps/01_database", "--app-dir", str(project))
    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    assert "holds database.py, models.py directly" in run.stderr
    assert f"move them into {project / 'app'}/, next to an empty app/__init__.py" in run.stderr


@pytest.mark.slow
def test_an_empty_project_folder_says_how_to_start(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    run = run_pytest("steps/01_database", "--app-dir", str(tmp_path / "project"))
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
    project = project_with(tmp_path, {"app/__init__.py": "", "app/database.py": database})
    run = run_pytest("steps/01_database", "--app-dir", str(project), columns=columns, on_ci=on_ci)
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
    project = project_with(
        tmp_path,
        {"app/__init__.py": "", "app/database.py": DATABASE_PY.replace("autoflush=False, ", "")},
    )
    run = run_pytest("steps/01_database", "--app-dir", str(project))
    assert "Expected SessionLocal to make sessions with autoflush=False" in run.stdout
    assert "+  where" not in run.stdout
    assert "def test_sessions_do_not_autoflush" not in run.stdout, "short tracebacks expected"
    assert "Add --tb=long" in run.stdout
    full = run_pytest("steps/01_database", "--app-dir", str(project), "--tb=long")
    assert "def test_sessions_do_not_autoflush" in full.stdout


@pytest.mark.slow
def test_the_progress_is_the_last_thing_printed_and_names_what_is_missing(
    tmp_path: Path,
) -> None:
    project = project_with(tmp_path, {"app/__init__.py": "", "app/database.py": DATABASE_PY})
    run = run_pytest(
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
    project = project_with(tmp_path, {"app/__init__.py": "", "app/database.py": DATABASE_PY})
    run = run_pytest("steps/01_database", "--app-dir", str(project))
    assert run.returncode == pytest.ExitCode.OK, run.stdout[-2000:]
    assert "Every step checked here passes. Well done!\nNext: step 02_models." in run.stdout


@pytest.mark.slow
def test_a_step_with_checks_left_out_is_not_called_done(tmp_path: Path) -> None:
    # `-m "not slow"` (which step 07's README offers) left a check out, and the summary
    # still said "Well done!" and sent the learner on.
    project = project_with(tmp_path, {"app/__init__.py": "", "app/database.py": DATABASE_PY})
    run = run_pytest("steps/01_database", "--app-dir", str(project), "-k", "not another_thread")
    assert run.returncode == pytest.ExitCode.OK, run.stdout[-2000:]
    assert "1 not run (-m/-k)" in run.stdout, run.stdout
    assert "1 was left out by -m or -k. Run them too before you move on" in run.stdout
    assert "Well done" not in run.stdout, run.stdout


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


def _first_report_of(
    tmp_path: Path, step: str, module: str, edits: tuple[tuple[str, str], ...], check: str
) -> str:
    project = snapshot_with_mistakes(tmp_path, step, module, edits)
    run = run_pytest(f"steps/{step}", "--app-dir", str(project), "-k", check)
    first = _first_report(run.stdout)
    assert first, run.stdout
    assert "site-packages" not in first, first
    return first


@pytest.mark.slow
def test_a_repeat_points_back_only_to_a_report_printed_above_it(tmp_path: Path) -> None:
    # P1: the check that ran into the problem first failed in its call, and later ones in
    # setup: pytest prints the setup errors first, so they used to point "above" to a report
    # printed below them.
    project = alembic_project(tmp_path)
    replace_in(
        project / "alembic.ini",
        "script_location = %(here)s/alembic",
        "script_location = %(here)s/migrations",
    )

    run = run_pytest("steps/07_alembic", "--app-dir", str(project))

    assert _first_report(run.stdout).startswith(
        "alembic.ini says `script_location = %(here)s/migrations`"
    ), run.stdout
    assert "The same problem as in test_alembic_files_are_in_the_project above" not in run.stdout
    failures = run.stdout.partition("short test summary")[0].partition("= FAILURES =")[2]
    assert "The same problem as in " in failures, run.stdout
    # A run of several steps prints only the first failing check, which then shows it in full.
    both = run_pytest("steps/06_main", "steps/07_alembic", "--app-dir", str(project))
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
    project = project_with(
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
