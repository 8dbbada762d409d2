"""`items-course`, driven as a learner drives it: in a project folder outside the repository,
through a subprocess (the command the learner types), and watch mode in a real terminal (tmux).

The steps' own checks are tested elsewhere (tests/test_step_checks_advice.py), and so is the
course plugin that runs them (tests/test_course_plugin.py); these tests are about the command:
which checks it runs, what it saves and shows, and that every command it prints works where
the learner types it.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.command_runs import (
    ITEMS_COURSE,
    Watching,
    environment,
    items_course,
    last_command,
    python_without,
    saved,
)
from tests.helpers.learner_projects import snapshot_copy, with_endless_get_items
from tests.helpers.repository import REPO_ROOT
from tests.helpers.tmux import Tmux

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not ITEMS_COURSE.exists(),
        reason="items-course is not installed: pip install -e . installs it",
    ),
]


# --- check and list: the bars of step 03's snapshot -------------------------------------
def test_step_03s_snapshot_passes_03_fails_04_naming_crud_and_lists_01_to_03_passed(
    tmp_path: Path,
) -> None:
    project = snapshot_copy(tmp_path, "03_schemas")

    passed = items_course(project, "check", "03")
    assert passed.returncode == 0, passed.stdout[-3000:] + passed.stderr
    failed = items_course(project, "check", "04")
    assert failed.returncode == 1, failed.stdout[-3000:] + failed.stderr
    assert "Step 04 (crud) expects the file app/crud.py" in failed.stdout, failed.stdout
    listed = items_course(project, "list")

    assert listed.returncode == 0, listed.stderr
    for step in ("01 database", "02 models", "03 schemas"):
        assert re.search(rf"^\s+{step}\s+passed\b", listed.stdout, re.MULTILINE), listed.stdout
    assert re.search(r"^ > 04 crud\s+failed\b", listed.stdout, re.MULTILINE), listed.stdout
    assert re.search(r"^\s+05 router\s+not tried$", listed.stdout, re.MULTILINE), listed.stdout
    assert "3/7 steps passed" in listed.stdout, listed.stdout
    assert saved(project) == {
        "01_database": "passed",
        "02_models": "passed",
        "03_schemas": "passed",
        "04_crud": "failed",
    }


@pytest.mark.parametrize("named", ["3", "03", "schemas", "03_schemas"])
def test_a_step_is_named_by_its_number_or_its_name(tmp_path: Path, named: str) -> None:
    project = snapshot_copy(tmp_path, "03_schemas")
    run = items_course(project, "check", named)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr
    assert "PASS  step 03 schemas" in run.stdout, run.stdout


def test_an_unknown_step_is_refused_with_the_list_of_steps(tmp_path: Path) -> None:
    project = snapshot_copy(tmp_path, "03_schemas")
    run = items_course(project, "check", "schema")
    assert run.returncode == 2, run.stdout + run.stderr
    assert "There is no step 'schema'" in run.stderr, run.stderr
    assert "01 database, 02 models, 03 schemas" in run.stderr, run.stderr


def test_without_an_app_folder_it_says_where_to_run_it(tmp_path: Path) -> None:
    run = items_course(tmp_path, "check")
    assert run.returncode == 2, run.stdout + run.stderr
    assert f"There is no app/ folder in {tmp_path}" in run.stderr, run.stderr
    assert "items-course start" in run.stderr, run.stderr


def test_the_next_command_it_prints_works_where_it_was_typed(tmp_path: Path) -> None:
    # Typed by its path, from the project folder, as a learner without an activated venv.
    project = snapshot_copy(tmp_path, "03_schemas")
    typed = os.path.relpath(ITEMS_COURSE, project)
    first = subprocess.run(
        [typed, "check", "3"], cwd=project, capture_output=True, text=True, timeout=300
    )
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr
    following = last_command(first.stdout)
    assert following == f"{ITEMS_COURSE} check 04", "a path that works from any folder"

    again = subprocess.run(
        following, shell=True, cwd=project, capture_output=True, text=True, timeout=300
    )

    assert again.returncode == 1, again.stdout[-2000:] + again.stderr
    assert "Step 04 (crud) expects the file app/crud.py" in again.stdout, again.stdout


def test_plain_pytest_from_the_project_folder_prints_a_command_that_works_there(
    tmp_path: Path,
) -> None:
    # `pytest ~/course/steps/03_schemas --app-dir .` used to print `pytest steps/04_crud ...`,
    # which fails outside the course's folder ("unrecognized arguments: --app-dir").
    project = snapshot_copy(tmp_path, "03_schemas")
    steps = REPO_ROOT / "steps"
    first = subprocess.run(
        ["pytest", "-p", "no:cacheprovider", str(steps / "03_schemas"), "--app-dir", "."],
        cwd=project,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert first.returncode == 0, first.stdout[-2000:]
    following = last_command(first.stdout)
    assert following == f"pytest {steps / '04_crud'} --app-dir {project}", following

    again = subprocess.run(
        following, shell=True, cwd=project, env=environment(), capture_output=True, text=True
    )

    assert again.returncode == 1, again.stdout[-2000:]
    assert "Step 04 (crud) expects the file app/crud.py" in again.stdout, again.stdout
    assert saved(project) == {"03_schemas": "passed", "04_crud": "failed"}, (
        "plain pytest runs update the saved progress too"
    )


def test_hint_gives_the_failures_advice_then_the_lessons_section(tmp_path: Path) -> None:
    project = snapshot_copy(tmp_path, "03_schemas")
    items_course(project, "check", "4")

    run = items_course(project, "hint")

    assert run.returncode == 0, run.stdout + run.stderr
    advice = run.stdout.index("Step 04 (crud) expects the file app/crud.py")
    section = run.stdout.index("--- When a check fails, from the lesson")
    assert advice < section, run.stdout
    lesson = (REPO_ROOT / "steps" / "04_crud" / "README.md").read_text(encoding="utf-8")
    first_item = lesson.split("## When a check fails", 1)[1].strip().splitlines()[0]
    assert first_item in run.stdout[section:], run.stdout
    assert "The lesson's advice for this message:" in run.stdout, run.stdout


def test_hint_runs_the_checks_again_when_a_file_changed(tmp_path: Path) -> None:
    project = snapshot_copy(tmp_path, "03_schemas")
    items_course(project, "check", "4")
    shutil.copy(REPO_ROOT / "steps" / "04_crud" / "app" / "crud.py", project / "app" / "crud.py")

    run = items_course(project, "hint", "crud")

    assert "Step 04 (crud) passes: there is no failure to explain." in run.stdout, run.stdout
    assert "Next: items-course check 05" in run.stdout, run.stdout


# --- learner code that never returns ------------------------------------------------------
def test_a_get_items_that_never_returns_fails_within_a_minute_naming_it(tmp_path: Path) -> None:
    project = with_endless_get_items(tmp_path, "04_crud")
    (project / ".items-course.json").write_text(
        json.dumps({"steps": {f"0{n}_x": {} for n in range(1, 4)}}), encoding="utf-8"
    )  # damaged progress: rewritten by the run, not a reason to fail
    started = time.monotonic()

    run = items_course(project, "check", "04", timeout=120)

    assert time.monotonic() - started < 60, "the run should end within 60 s"
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr
    assert "get_items in app/crud.py did not return within 10 s" in run.stdout, run.stdout
    assert "app/crud.py, line 9, in get_items:\n      while True:" in run.stdout, run.stdout
    assert re.search(r"FAIL  step 04 crud\s+1[0-9] passed, [1-9] failed", run.stdout), (
        f"the checks that do not call get_items should still run and pass:\n{run.stdout}"
    )


def test_an_endless_call_in_a_route_handlers_thread_is_stopped_too(tmp_path: Path) -> None:
    # TestClient runs a sync route in a worker thread; the guard stops the learner's code
    # there. --check-timeout (items-course --timeout) sets the limit.
    project = with_endless_get_items(tmp_path, "05_router")
    started = time.monotonic()

    run = subprocess.run(
        [
            *("pytest", "-p", "no:cacheprovider", str(REPO_ROOT / "steps" / "05_router")),
            *("--app-dir", str(project), "--check-timeout", "2", "-k", "list"),
        ],
        cwd=project,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert time.monotonic() - started < 45, run.stdout
    assert run.returncode == 1, run.stdout[-3000:]
    assert "get_items in app/crud.py did not return within 2 s" in run.stdout, run.stdout
    assert "in list_items:\n      return crud.get_items(" in run.stdout, run.stdout


# --- missing packages ---------------------------------------------------------------------
def test_a_missing_package_gets_one_message_with_the_install_command(tmp_path: Path) -> None:
    python = python_without(tmp_path, "factory_boy", "factory")
    project = snapshot_copy(tmp_path, "04_crud")

    for command in (
        [str(python), "-m", "pytest", str(REPO_ROOT / "steps" / "04_crud"), "--app-dir", "."],
        [str(python), "-m", "items_course.cli", "check", "04"],
    ):
        run = subprocess.run(
            command, cwd=project, env=environment(), capture_output=True, text=True, timeout=120
        )
        output = run.stdout + run.stderr
        assert run.returncode == 4, output
        assert "  - factory-boy>=3.3 (not installed)" in output, output
        assert f"{python} -m pip install 'factory-boy>=3.3'" in output, output
        assert "Traceback" not in output, output
        assert "ModuleNotFoundError" not in output, output
        assert output.count("not installed") == 1, output


# --- an all-steps run ------------------------------------------------------------------------
def test_an_all_steps_run_starts_with_the_first_failure_not_a_wall_of_errors(
    tmp_path: Path,
) -> None:
    project = tmp_path / "fastapi-crud"
    (project / "app").mkdir(parents=True)
    (project / "app" / "__init__.py").write_text("")
    command = ["pytest", "-p", "no:cacheprovider", "steps", "--app-dir", str(project)]

    run = subprocess.run(
        command, cwd=REPO_ROOT, env=environment(), capture_output=True, text=True, timeout=300
    )
    everything = subprocess.run(
        [*command, "-ra"], cwd=REPO_ROOT, env=environment(), capture_output=True, text=True
    )

    assert run.returncode == 1, run.stdout
    errors = re.findall(r"^(?:ERROR|FAILED) ", run.stdout, flags=re.MULTILINE)
    assert len(errors) == 1, f"expected only the first failure listed:\n{run.stdout}"
    assert "Step 01 (database) expects the file app/database.py" in run.stdout, run.stdout
    assert "The same problem as" not in run.stdout, run.stdout
    for step in ("01 database", "04 crud", "07 alembic"):
        assert f"FAIL  step {step}" in run.stdout, run.stdout
    assert len(run.stdout.splitlines()) < 50, run.stdout
    listed = re.findall(r"^(?:ERROR|FAILED) ", everything.stdout, flags=re.MULTILINE)
    assert len(listed) > 100, "-ra should still list every failure"


# --- start ---------------------------------------------------------------------------------
def test_start_makes_a_project_ready_for_step_01_and_says_how_to_watch_it(
    tmp_path: Path,
) -> None:
    run = items_course(tmp_path, "start", "my-api")
    assert run.returncode == 0, run.stdout + run.stderr
    project = tmp_path / "my-api"
    assert (project / "app" / "__init__.py").read_text() == ""
    assert ".items-course.json" in (project / ".gitignore").read_text()
    command = run.stdout.strip().splitlines()[-1].strip()
    assert command == f"cd {project} && items-course", command
    again = items_course(tmp_path, "start", "my-api")
    assert again.returncode == 2, again.stdout + again.stderr
    assert "is already a project" in again.stderr, again.stderr

    with Watching(command, cwd=tmp_path) as output:
        screen = output.wait_for("Step 01 (database) — lesson:")

    assert "Step 01 (database) expects the file app/database.py" in screen, screen


# --- watch mode ------------------------------------------------------------------------------
def test_watch_without_a_terminal_writes_plain_verdicts_and_moves_on(tmp_path: Path) -> None:
    project = snapshot_copy(tmp_path, "03_schemas")
    with Watching("items-course watch", cwd=project) as output:
        output.wait_for("Step 04 (crud) — lesson:", "app/crud.py does not exist")
        seen = len(output.text)
        shutil.copy(
            REPO_ROOT / "steps" / "04_crud" / "app" / "crud.py", project / "app" / "crud.py"
        )
        later = output.wait_for("Step 05 (router) — lesson:", after=seen)

    assert "PASS  Step 04 (crud): all 21 checks pass" in later, later
    assert "4/7 steps passed" in later, later
    assert "\x1b[" not in output.text, "no terminal: no screen control codes"
    assert "q quit" not in output.text, "no terminal: no keys"
    assert saved(project)["04_crud"] == "passed"


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is missing: .ci/run installs it (apt-get install tmux)")
        pytest.skip("tmux is not installed (Debian: apt-get install tmux)")
    server = Tmux(tmp_path)
    yield server
    subprocess.run(["tmux", "-S", str(server.socket), "kill-server"], capture_output=True)


def test_watch_in_a_terminal_reruns_on_save_moves_on_and_answers_its_keys(
    tmp_path: Path, tmux: Tmux
) -> None:
    project = snapshot_copy(tmp_path, "03_schemas")
    script = tmp_path / "learner.sh"
    exports = "".join(
        f"export {name}={shlex.quote(value)}\n" for name, value in environment().items()
    )
    # The shell says how items-course ended: tmux, asked for a dead pane's status, sometimes
    # left the exited process unreaped (a zombie) for more than 15 s.
    ended = 'echo "items-course ended with status $?"; sleep 60'
    script.write_text(f"{exports}cd {shlex.quote(str(project))}\nitems-course\n{ended}\n")
    tmux("new-session", "-d", "-s", "learner", "-x", "110", "-y", "40", f"bash {script}")

    before, _ = tmux.wait_for("Step 04 (crud) — lesson:", "3/7 steps passed")
    assert "Step 04 (crud) expects the file app/crud.py" in before, before
    shutil.copy(REPO_ROOT / "steps" / "04_crud" / "app" / "crud.py", project / "app" / "crud.py")
    # How soon step 05 comes is a benchmark (`python -m items_course.benchmark`: about 1 s
    # on a quiet machine); here it only has to come, on a machine as busy as CI's.
    after, _ = tmux.wait_for("Step 05 (router) — lesson:", "4/7 steps passed", timeout=30)

    assert "Step 05 (router) expects the file app/router.py" in after, after
    assert "h hint · l list · n next step · r run again · q quit" in after, after
    tmux("send-keys", "-t", "learner", "h")
    hint, _ = tmux.wait_for("When a check fails, from the lesson", timeout=10)
    assert "Step 05 (router): 22 of 22 checks fail" in hint, hint
    tmux("send-keys", "-t", "learner", "l")
    listed, _ = tmux.wait_for("Your progress in", timeout=10)
    assert re.search(r"04 crud\s+passed", listed), listed
    tmux("send-keys", "-t", "learner", "q")
    quit_screen, _ = tmux.wait_for("items-course ended with status", timeout=15)
    assert "items-course ended with status 0" in quit_screen, quit_screen


def test_the_command_runs_with_python_dash_m_too(tmp_path: Path) -> None:
    project = snapshot_copy(tmp_path, "01_database")
    run = subprocess.run(
        [sys.executable, "-m", "items_course.cli", "check", "1"],
        cwd=project,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr
    assert f"{sys.executable} -m items_course.cli check 02" in run.stdout, run.stdout


def test_every_dependency_of_the_course_has_its_module_named() -> None:
    # requirements.py finds each dependency by its module (quick) before it reads metadata.
    from items_course import requirements

    names = {
        re.split(r"[<>=\[ ]", requirement, maxsplit=1)[0].lower()
        for requirement in requirements.course_requirements()
    }
    assert names <= set(requirements.IMPORT_NAMES), names - set(requirements.IMPORT_NAMES)
