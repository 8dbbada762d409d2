"""Every exercise is gradable: the starter scores below full marks and 0 on the new
behaviour, the solution scores exactly full marks; the learner's copy leaks nothing; a mixed
batch grades correctly. Every grading of this module runs in one pool, once (`graded`)."""

import hashlib
import importlib.util
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest

from exercises.batch import Batch, grade_batches
from exercises.export import export_gradescope
from exercises.grade import ProgressBar
from exercises.outcome import learner_output
from exercises.projects import files_under
from exercises.release import PUBLIC_CONFTEST, public_check, release
from exercises.spec import (
    Exercise,
    Which,
    exercise_names,
    load,
    locked_requirements,
)

EXERCISES = exercise_names()
PUT = load("01_put")


def _new_test_ids(exercise: Exercise) -> set[str]:
    return {test.id for test in exercise.tests if test.new}


# (file, old text, new text): one change to a submission.
Edit = tuple[str, str, str]


def _variant(base: Path, root: Path, name: str, edit: Edit | list[Edit] | None) -> Path:
    target = root / name
    shutil.copytree(base, target, ignore=shutil.ignore_patterns("__pycache__"))
    for file, old, new in [edit] if isinstance(edit, tuple) else edit or []:
        path = target / file
        source = path.read_text(encoding="utf-8")
        assert old in source, f"{name}: {old!r} is not in {file}"
        path.write_text(source.replace(old, new), encoding="utf-8")
    return target


# --- a mixed batch of 20 submissions of exercise 01: (name, base, edit, expected score) -----
# PUT written with exclude_unset: omitted fields are kept instead of reset (3 points lost).
WRONG = ("app/crud.py", "item.model_dump().items()", "item.model_dump(exclude_unset=True).items()")
# PUT on an unknown id returns None instead of answering 404: a 500 (1 point lost).
NO_404 = (
    "app/router.py",
    '    if not replaced:\n        raise HTTPException(status_code=404, detail="Item not found")\n',
    "",
)
BROKEN = ("app/main.py", "from fastapi import FastAPI", "from fastapi import FastAP")
SYNTAX_ERROR = ("app/crud.py", "def delete_item(", "def delete_item((")
EXITS = ("app/main.py", "from fastapi import FastAPI", "import os\nos._exit(0)")
SYS_EXIT = ("app/main.py", "from fastapi import FastAPI", "import sys\nsys.exit(3)")
FLOODS = (
    "app/main.py",
    "from fastapi import FastAPI",
    "print('y' * 10**7)\nfrom fastapi import FastAPI",
)
MEMORY_BOMB = (
    "app/main.py",
    "from fastapi import FastAPI",
    "hog = bytearray(20 * 1024**3)\nfrom fastapi import FastAPI",
)
# A starter that writes a full-marks results.json wherever it can before it starts.
FORGES = (
    "app/main.py",
    "from fastapi import FastAPI",
    "import json, pathlib\n"
    "for place in [pathlib.Path.cwd(), *pathlib.Path.cwd().parents]:\n"
    "    try:\n"
    "        (place / 'results.json').write_text(json.dumps({'score': 13, 'tests': []}))\n"
    "    except OSError:\n"
    "        pass\n"
    "from fastapi import FastAPI",
)
MIXED: list[tuple[str, Path, tuple[str, str, str] | None, float]] = [
    ("right0", PUT.solution, None, 13),
    ("starter0", PUT.starter, None, 2),
    ("wrong0", PUT.solution, WRONG, 10),
    ("broken0", PUT.solution, BROKEN, 0),
    ("right1", PUT.solution, None, 13),
    ("hostile_exit", PUT.solution, EXITS, 0),
    ("hostile_flood", PUT.solution, FLOODS, 13),
    ("starter1", PUT.starter, None, 2),
    ("wrong1", PUT.solution, WRONG, 10),
    ("broken1", PUT.solution, BROKEN, 0),
    ("no_404_0", PUT.solution, NO_404, 12),
    ("hostile_sys_exit", PUT.solution, SYS_EXIT, 0),
    ("right2", PUT.solution, None, 13),
    ("syntax_error", PUT.solution, SYNTAX_ERROR, 0),
    ("hostile_memory_bomb", PUT.solution, MEMORY_BOMB, 0),
    ("hostile_forger", PUT.starter, FORGES, 2),
    ("starter2", PUT.starter, None, 2),
    ("no_404_1", PUT.solution, NO_404, 12),
    ("wrong2", PUT.solution, WRONG, 10),
    ("right3", PUT.solution, None, 13),
]

# --- typical mistakes in the new exercises: (exercise, name, edit, the tests it loses) -----
MISTAKES: list[tuple[str, str, Edit | list[Edit], set[str]]] = [
    (
        # A random salt, but SHA-256 instead of scrypt: fast to brute-force from a stolen file.
        "05_users_passwords",
        "fast_salted_hash",
        (
            "app/security.py",
            "key = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=KEY_BYTES)",
            "key = hashlib.sha256(salt + password.encode()).digest()",
        ),
        {"database_holds_no_password"},
    ),
    (
        # PATCH refuses a price under one cent, where any price above 0 is valid.
        "02_patch_null_safety",
        "price_of_a_cent_at_least",
        (
            "app/schemas.py",
            "price: float | None = Field(default=None, gt=0)",
            "price: float | None = Field(default=None, ge=0.01)",
        ),
        {"any_valid_patch_applies"},
    ),
    (
        # PUT deletes the item and adds a new one: the replaced item gets another id.
        "01_put",
        "put_recreates_the_item",
        (
            "app/crud.py",
            "    for key, value in item.model_dump().items():\n"
            "        setattr(db_item, key, value)\n",
            "    db.delete(db_item)\n    db.commit()\n"
            "    db_item = models.Item(**item.model_dump())\n    db.add(db_item)\n",
        ),
        {"put_replaces_every_field"},
    ),
    (
        # PUT writes the body over every row of the table, not only the item in the path.
        "01_put",
        "put_updates_every_item",
        (
            "app/crud.py",
            "    for key, value in item.model_dump().items():\n"
            "        setattr(db_item, key, value)\n",
            "    db.query(models.Item).update(item.model_dump())\n",
        ),
        {"put_replaces_every_field"},
    ),
    (
        # The same slip in exercise 04's PATCH: every item gets the quantity sent.
        "04_new_column_migration",
        "patch_updates_every_item",
        (
            "app/crud.py",
            "    for key, value in update_data.items():\n        setattr(db_item, key, value)\n",
            "    db.query(models.Item).update(update_data)\n",
        ),
        {"quantity_is_stored_and_patched"},
    ),
    (
        # The migration adds quantity as a FLOAT column: whole numbers are what was asked.
        "04_new_column_migration",
        "float_column",
        (
            "alembic/versions/20261126_add_item_quantity.py",
            'sa.Column("quantity", sa.Integer(),',
            'sa.Column("quantity", sa.Float(),',
        ),
        {"upgrade_keeps_existing_rows"},
    ),
    (
        # The migration adds the column without a server default: the existing rows get NULL.
        "04_new_column_migration",
        "no_server_default",
        (
            "alembic/versions/20261126_add_item_quantity.py",
            'nullable=False, server_default=sa.text("0")',
            "nullable=True",
        ),
        {"upgrade_keeps_existing_rows", "downgrade_then_upgrade"},
    ),
    (
        # The password goes into the hash column as it is (so equal passwords look equal).
        "05_users_passwords",
        "plain_password",
        ("app/security.py", "    return salt.hex(), key.hex()", "    return salt.hex(), password"),
        {"database_holds_no_password", "passwords_are_salted"},
    ),
    (
        # `if max_price:` instead of `is not None`: 0 counts as "no filter".
        "03_filter_search",
        "zero_is_no_filter",
        ("app/crud.py", "if max_price is not None:", "if max_price:"),
        {"price_range_is_inclusive"},
    ),
    (
        # The same slip in the 422 for min > max: ?min_price=5&max_price=0 is answered 200.
        "03_filter_search",
        "zero_skips_the_range_check",
        (
            "app/router.py",
            "if min_price is not None and max_price is not None and min_price > max_price:",
            "if min_price and max_price and min_price > max_price:",
        ),
        {"min_above_max_is_422"},
    ),
    (
        # The duplicate found by a query before the insert, and no UNIQUE index: two
        # requests at the same moment can both pass the query.
        "05_users_passwords",
        "no_unique_index",
        [
            ("app/models.py", "unique=True, index=True", "index=True"),
            (
                "app/crud.py",
                "    db.add(db_user)\n    try:\n        db.commit()",
                "    if db.query(models.User).filter(models.User.email == user.email).first():\n"
                "        return None\n    db.add(db_user)\n    try:\n        db.commit()",
            ),
        ],
        {"duplicate_email_is_409"},
    ),
    (
        # The list newest first instead of in id order.
        "05_users_passwords",
        "users_not_in_id_order",
        ("app/crud.py", "order_by(models.User.id)", "order_by(models.User.id.desc())"),
        {"read_one_user_and_the_list"},
    ),
    (
        # Not a mistake: Pydantic's EmailStr instead of a pattern scores full marks.
        "05_users_passwords",
        "email_str",
        [
            (
                "app/schemas.py",
                "from pydantic import BaseModel, ConfigDict, Field",
                "from pydantic import BaseModel, ConfigDict, EmailStr, Field",
            ),
            (
                "app/schemas.py",
                "email: str = Field(..., max_length=254, "
                'pattern=r"^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$")',
                "email: EmailStr",
            ),
        ],
        set(),
    ),
    (
        # One salt for everyone: equal passwords give equal hashes.
        "05_users_passwords",
        "fixed_salt",
        (
            "app/security.py",
            "secrets.token_bytes(16) if salt is None",
            "b'0' * 16 if salt is None",
        ),
        {"passwords_are_salted"},
    ),
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Starter and solution of every exercise, the mixed batch and the mistakes, graded in one
    pool of two workers: results by batch name, the time it took, the mixed batch's outputs."""
    root = tmp_path_factory.mktemp("graded")
    batches: dict[str, Batch] = {}
    for name in EXERCISES:
        exercise = load(name)
        batches[name] = Batch(exercise, [exercise.starter, exercise.solution], root / name)
    mixed = [_variant(base, root / "mixed", name, edit) for name, base, edit, _ in MIXED]
    batches["mixed"] = Batch(PUT, mixed, root / "mixed-out")
    for exercise_name, name, edit, _ in MISTAKES:
        exercise = load(exercise_name)
        submission = _variant(exercise.solution, root / "mistakes", name, edit)
        batches[name] = Batch(exercise, [submission], root / f"{name}-out")
    # Exercise 06's solution without its @example cases: two mutants survive the first,
    # cheap pass and die in the second one (15 examples per property).
    unit = load("06_property_tests")
    no_examples = _variant(unit.solution, root / "mistakes", "no_explicit_examples", None)
    test_file = no_examples / "tests" / "test_patch_properties.py"
    lines = test_file.read_text(encoding="utf-8").splitlines(keepends=True)
    test_file.write_text("".join(x for x in lines if not x.startswith("@example(")), "utf-8")
    batches["no_explicit_examples"] = Batch(unit, [no_examples], root / "no-examples-out")
    results = grade_batches(list(batches.values()), jobs=2, time_limit=30)
    return {
        "results": dict(zip(batches, results, strict=True)),
        "mixed_out": root / "mixed-out",
    }


def test_there_are_exercises() -> None:
    assert {"01_put", "03_filter_search"} <= set(EXERCISES), EXERCISES


@pytest.mark.slow
@pytest.mark.parametrize("name", EXERCISES)
def test_the_solution_scores_full_marks(graded: dict[str, Any], name: str) -> None:
    result = graded["results"][name]["solution"]
    failed = {test["name"]: test["output"] for test in result["tests"] if test["score"] == 0}
    assert result["score"] == load(name).max_score, f"{name} solution lost points: {failed}"


@pytest.mark.slow
@pytest.mark.parametrize("name", EXERCISES)
def test_the_starter_scores_zero_on_the_new_behaviour(graded: dict[str, Any], name: str) -> None:
    exercise = load(name)
    result = graded["results"][name]["starter"]
    assert result["score"] < exercise.max_score
    earned = [
        test["name"]
        for test in result["tests"]
        if test["name"].split(":")[0] in _new_test_ids(exercise) and test["score"] > 0
    ]
    assert earned == [], f"{name}: the starter earns points for new behaviour: {earned}"


@pytest.mark.parametrize("name", EXERCISES)
def test_every_exercise_has_its_parts(name: str) -> None:
    exercise = load(name)
    for part in ("README.md", "exercise.toml", "tests/hidden"):
        assert (exercise.root / part).exists(), f"{name} has no {part}"
    for project in (exercise.starter, exercise.solution):
        assert (project / "app" / "main.py").is_file(), f"{name}: {project} has no app/main.py"
    # base/ is how a Gradescope bundle carries the project the starter is built on; in the
    # repository the base is always the one exercise.toml names.
    assert not (exercise.root / "base").exists(), f"{name} has a base/ folder"
    assert _new_test_ids(exercise), f"{name} marks no test as new behaviour"


def _overlay_files(exercise: Exercise, which: Which) -> set[str]:
    return set(files_under(exercise.overlay(which)))


@pytest.mark.parametrize("name", EXERCISES)
def test_starter_and_solution_hold_exactly_the_files_exercise_toml_lists(name: str) -> None:
    exercise = load(name)
    lists: dict[Which, tuple[str, ...]] = {
        "starter": exercise.starter_changes,
        "solution": exercise.solution_changes,
    }
    for which, listed in lists.items():
        held = _overlay_files(exercise, which)
        assert held == set(listed), (
            f"{name}/{which}/ holds {sorted(held)}, but exercise.toml's [project] {which} lists "
            f"{sorted(listed)}: list every file the folder holds, and only those"
        )
    assert exercise.solution_changes, f"{name}: a solution that changes nothing"


@pytest.mark.parametrize("name", EXERCISES)
def test_no_file_of_starter_or_solution_is_a_copy_of_the_file_it_replaces(name: str) -> None:
    # A copy would hide a fix made to the base: the exercise would keep the old file.
    exercise = load(name)
    layers: dict[Which, Any] = {
        "starter": exercise.base_files(),
        "solution": exercise.project_files("starter"),
    }
    for which, below in layers.items():
        for relative, path in files_under(exercise.overlay(which)).items():
            replaced = below.get(relative)
            assert replaced is None or replaced.read_bytes() != path.read_bytes(), (
                f"{name}/{which}/{relative} is the same as the file it replaces ({replaced}): "
                f"delete it and its line in exercise.toml, the exercise gets that file anyway"
            )


def _sources(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*.py") if "__pycache__" not in path.parts]


def _differs_from_starter(exercise: Exercise, path: Path) -> bool:
    twin = exercise.starter / path.relative_to(exercise.solution)
    return not twin.is_file() or twin.read_bytes() != path.read_bytes()


@pytest.mark.parametrize("name", EXERCISES)
def test_the_learners_copy_leaks_nothing_hidden(name: str, tmp_path: Path) -> None:
    exercise = load(name)
    out = tmp_path / "handout"
    files = release(exercise, out)
    relative = {path.relative_to(out).as_posix() for path in files}
    assert "README.md" in relative
    assert "app/main.py" in relative
    assert not any("hidden" in path or "solution" in path for path in relative), relative
    assert "exercise.toml" not in relative
    secret_texts = {path.read_text(encoding="utf-8") for path in _sources(exercise.hidden_tests)}
    solution_only = {
        path.read_text(encoding="utf-8")
        for path in _sources(exercise.solution)
        if _differs_from_starter(exercise, path)
    }
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert text not in secret_texts, f"{path} is a hidden test"
        assert text not in solution_only, f"{path} is solution code"


@pytest.mark.parametrize("name", EXERCISES)
def test_the_public_conftest_has_one_source(name: str, tmp_path: Path) -> None:
    exercise = load(name)
    assert not (exercise.public_tests / "conftest.py").exists(), (
        f"{name} has a conftest.py of its own; the learner's copy gets exercises/public_conftest.py"
    )
    files = release(exercise, tmp_path / "handout")
    written = tmp_path / "handout" / "tests" / "public" / "conftest.py"
    assert (written in files) == exercise.public_tests.is_dir(), files
    if written in files:
        assert written.read_bytes() == PUBLIC_CONFTEST.read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in EXERCISES if load(n).public_tests.is_dir()])
def test_the_public_tests_fail_on_the_starter_and_pass_on_the_solution(
    name: str, tmp_path: Path
) -> None:
    # What a learner sees at home: the handout as released, then with the solution's files.
    exercise = load(name)
    handout = tmp_path / "handout"
    release(exercise, handout)
    # The command the statement and the GitHub workflow give (`python -m pytest tests/public`).
    check = public_check(exercise).split()
    assert check[0] == "python", check
    command = [sys.executable, *check[1:], "-q", "-p", "no:cacheprovider"]
    for which, status in (("starter", 1), ("solution", 0)):
        if which == "solution":
            shutil.copytree(exercise.overlay("solution"), handout, dirs_exist_ok=True)
        done = subprocess.run(command, cwd=handout, capture_output=True, text=True, check=False)
        assert done.returncode == status, f"{name}, {which}:\n{done.stdout[-3000:]}{done.stderr}"


@pytest.mark.parametrize("name", ["03_filter_search", "05_users_passwords"])
def test_the_learners_copy_pins_what_the_grader_runs_with(name: str, tmp_path: Path) -> None:
    # A learner who installs other versions (or no email-validator, for EmailStr) could pass
    # the public tests at home and fail in grading.
    release(load(name), tmp_path / "handout")
    pinned = (tmp_path / "handout" / "requirements.txt").read_text(encoding="utf-8")
    assert pinned == locked_requirements(), pinned
    assert "\nemail-validator==" in pinned, pinned


@pytest.mark.parametrize("name", ["01_put", "04_new_column_migration", "06_property_tests"])
def test_the_gradescope_bundle_runs_this_grader(name: str, tmp_path: Path) -> None:
    out = tmp_path / "bundle.zip"
    export_gradescope(load(name), out)
    with zipfile.ZipFile(out) as bundle:
        names = set(bundle.namelist())
        run = bundle.read("run_autograder").decode()
        setup = bundle.read("setup.sh").decode()
        requirements = bundle.read("requirements.txt").decode()
    assert {"setup.sh", "run_autograder", "requirements.txt", "exercises/grade.py"} <= names
    assert f"-m exercises.grade {name} /autograder/submission" in run
    assert requirements == locked_requirements()
    assert "pip install -q --require-hashes -r requirements.txt" in setup, setup
    assert not any("/solution/" in n for n in names), "grading never reads the solution"
    assert "python3.11" in setup, "setup.sh must get a Python the grader runs on (3.11+)"
    assert "/autograder/results/results.json" in run
    assert not any(n.startswith("exercises/") and "/0" in n and name not in n for n in names), (
        "the bundle holds other exercises"
    )


@pytest.mark.slow
def test_a_mixed_batch_grades_each_submission_on_its_merits(graded: dict[str, Any]) -> None:
    results = graded["results"]["mixed"]
    scores = {name: results[name]["score"] for name, *_ in MIXED}
    assert scores == {name: score for name, _, _, score in MIXED}
    out = graded["mixed_out"]
    gradebook = (out / "gradebook.csv").read_text(encoding="utf-8").splitlines()
    assert len(gradebook) == len(MIXED) + 1
    assert gradebook[0].startswith("submission,put_replaces_every_field")
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "<svg" in report
    for fetch in ('src="http', 'href="http', "url(http", "@import", "<script"):
        assert fetch not in report, f"the report must not load anything ({fetch!r})"
    # What most wrong submissions got wrong, for the instructor, next to each pass rate.
    unknown_id = report.split("<code>put_unknown_item_is_404</code>", 1)[1].split("</tr>")[0]
    assert "there is no item 987654; it answered 405" in unknown_id, unknown_id
    assert "(4 of 12)</td>" in unknown_id, "expected the 4 starters' 405 among 12 failures"
    junit = (out / "junit.xml").read_text(encoding="utf-8")
    assert junit.count("<testcase") == len(MIXED) * len(PUT.tests)


@pytest.mark.slow
def test_an_app_that_cannot_start_is_shown_with_the_learners_own_lines(
    graded: dict[str, Any],
) -> None:
    output = graded["results"]["mixed"]["syntax_error"]["output"]
    for expected in ('File "app/crud.py", line ', "SyntaxError: "):
        assert expected in output, f"Expected {expected!r} in the feedback:\n{output}"
    for noise in ("importlib", "/grade-"):
        assert noise not in output, f"Expected no {noise!r} (not the learner's) in:\n{output}"


def test_learner_output_keeps_the_submissions_frames_and_the_error(tmp_path: Path) -> None:
    project = tmp_path / "project"
    output = textwrap.dedent(
        f"""\
        Traceback (most recent call last):
          File "/venv/lib/python3.11/site-packages/uvicorn/importer.py", line 19, in import_from
            module = importlib.import_module(module_str)
                     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
          File "{project}/app/main.py", line 3, in <module>
            from app import crud
          File "<frozen importlib._bootstrap>", line 1204, in _gcd_import
          File "{project}/app/crud.py", line 7, in <module>
            raise RuntimeError("boom")
        RuntimeError: boom
        """
    )

    assert learner_output(output, project) == textwrap.dedent(
        """\
        Traceback (most recent call last):
          File "app/main.py", line 3, in <module>
            from app import crud
          File "app/crud.py", line 7, in <module>
            raise RuntimeError("boom")
        RuntimeError: boom"""
    )


@pytest.mark.slow
@pytest.mark.parametrize(("name", "lost"), [(m[1], m[3]) for m in MISTAKES])
def test_a_typical_mistake_loses_exactly_its_tests(
    graded: dict[str, Any], name: str, lost: set[str]
) -> None:
    result = graded["results"][name][name]
    failed = {test["name"].split(":")[0] for test in result["tests"] if test["score"] == 0}
    assert failed == lost, f"{name}: lost {failed}, expected to lose {lost}: {result['tests']}"


@pytest.mark.slow
def test_mutants_that_survive_the_cheap_pass_get_a_second_chance(graded: dict[str, Any]) -> None:
    result = graded["results"]["no_explicit_examples"]["no_explicit_examples"]
    failed = {test["name"]: test["output"] for test in result["tests"] if test["score"] == 0}
    assert result["score"] == 10, f"the second pass did not kill these mutants: {failed}"


# Tests that kill one mutant without Hypothesis (so one cheap pass is all), and then hang
# when they see the correct app a second time: the last run, which only a grading without
# namespaces makes, is cut by the time limit.
HANGS_ON_THE_LAST_RUN = """
import hashlib, pathlib, time

import app

from tests.test_patch_properties import ITEMS, fresh_client

REFERENCE = "DIGEST"  # of the correct app's files, which the learner has (the starter's)
COUNTER = pathlib.Path("/tmp") / "NAME"


def test_a_null_description_clears_it():
    folder = pathlib.Path(app.__file__).parent
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(folder.glob("*.py"))))
    if digest.hexdigest() == REFERENCE:
        seen = int(COUNTER.read_text()) + 1 if COUNTER.exists() else 1
        COUNTER.write_text(str(seen))
        if seen > 1:
            time.sleep(3600)
    with fresh_client() as client:
        item = client.post(ITEMS, json={"title": "Lamp", "description": "warm", "price": 3.5})
        item_id = item.json()["id"]
        client.patch(f"{ITEMS}{item_id}", json={"description": None})
        assert client.get(f"{ITEMS}{item_id}").json()["description"] is None
"""


@pytest.mark.slow
def test_a_last_run_cut_by_the_time_limit_is_said_so_and_counts_no_mutant(
    tmp_path: Path,
) -> None:
    from tests.grader_attacks.hostile import grade_by_command, results_of

    unit = load("06_property_tests")
    app_files = sorted((unit.starter / "app").glob("*.py"))
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in app_files)).hexdigest()
    submission = tmp_path / "hangs_at_the_end"
    shutil.copytree(unit.starter, submission)
    counter = f"items-course-last-run-{tmp_path.name}-{os.getpid()}"
    code = HANGS_ON_THE_LAST_RUN.replace("DIGEST", digest).replace("NAME", counter)
    (submission / "tests" / "test_clearing.py").write_text(code, encoding="utf-8")
    try:
        done = grade_by_command(
            unit.name, [submission], tmp_path / "out", {"GRADER_NO_NAMESPACES": "1"}, 1, 20
        )
    finally:
        Path("/tmp", counter).unlink(missing_ok=True)
    assert done.returncode == 0, done.stderr
    result = results_of(tmp_path / "out", [submission.name])[submission.name]
    text = result["output"] + "\n" + "\n".join(test["output"] for test in result["tests"])
    assert "ran past its time limit (20 s for the whole submission) before the last run" in text
    assert "No mutant counts." in text, text
    assert result["score"] == 0, text
    assert "change from run to run" not in text, f"the clock is not the learner's tests:\n{text}"


@pytest.mark.slow
def test_the_migration_check_starts_from_the_starters_own_schema(tmp_path: Path) -> None:
    """Exercise 04 builds its 'deployed' database from a copy of revision 0001's schema."""
    exercise = load("04_new_column_migration")
    command = [sys.executable, "-I", "-m", "alembic", "-c", str(exercise.starter / "alembic.ini")]
    done = subprocess.run(
        [*command, "upgrade", "head"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "app.db") as connection:
        made = [row[0] for row in connection.execute("SELECT sql FROM sqlite_master")]
    connection.close()
    spec = importlib.util.spec_from_file_location("checks04", exercise.hidden_tests / "checks.py")
    assert spec is not None
    assert spec.loader is not None
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)
    assert [sql for sql in made if sql] == list(checks.SCHEMA_0001)


class _Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_the_progress_bar_redraws_one_line_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = _Terminal()
    monkeypatch.setattr("sys.stderr", stream)
    bar = ProgressBar("grading 01_put", width=10)
    for done in range(1, 5):
        bar(done, 4)
    text = stream.getvalue()
    assert text.count("\r") == 4, f"each update should redraw the same line: {text!r}"
    assert "grading 01_put [#####-----] 2/4" in text, text
    assert "grading 01_put [##########] 4/4" in text, text
    assert text.count("\n") == 1, f"one newline, at the end: {text!r}"
    assert text.endswith("\n"), f"one newline, at the end: {text!r}"


def test_the_progress_bar_stays_silent_when_stderr_is_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    bar = ProgressBar("grading 01_put")
    for done in range(1, 4):
        bar(done, 3)
    assert stream.getvalue() == ""


@pytest.mark.slow
def test_the_github_workflow_runs_the_public_tests_as_the_learner_does(tmp_path: Path) -> None:
    import yaml  # type: ignore[import-untyped]  # Schemathesis's; only this test reads YAML

    out = tmp_path / "classroom-01_put"
    release(PUT, out, github=True)
    flow = yaml.safe_load((out / ".github" / "workflows" / "public-tests.yml").read_text("utf-8"))
    steps = flow["jobs"]["public-tests"]["steps"]
    commands = [step["run"] for step in steps if "run" in step]
    assert commands == [
        "python -m pip install --require-hashes -r requirements.txt",
        "python -m pytest tests/public",
    ], commands
    assert {"push", "pull_request"} <= set(flow[True] if True in flow else flow["on"])
    # Its test step is the learner's own check, which fails on the starter and passes on the
    # solution (test_the_public_tests_fail_on_the_starter_and_pass_on_the_solution runs it).
    assert commands[1] == public_check(PUT)
