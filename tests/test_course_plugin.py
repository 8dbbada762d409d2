"""The course plugin speaks to beginners: missing files, missing names and broken code
produce messages that say what to do, and a learner's run ends with a progress summary."""

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
def _pytest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


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
