"""Every exercise is gradable: the starter scores below full marks and 0 on the new
behaviour, the solution scores exactly full marks; the learner's copy leaks nothing; a mixed
batch of 20 submissions grades correctly within a bounded time."""

import shutil
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from exercises.export import export_gradescope  # noqa: E402
from exercises.grade import grade_batch  # noqa: E402
from exercises.release import release  # noqa: E402
from exercises.spec import Exercise, exercise_names, load  # noqa: E402

EXERCISES = exercise_names()


def _new_test_ids(exercise: Exercise) -> set[str]:
    return {test.id for test in exercise.tests if test.new}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Starter and solution of every exercise, graded (two at a time)."""
    results = {}
    for name in EXERCISES:
        exercise = load(name)
        out = tmp_path_factory.mktemp(name)
        results[name] = grade_batch(exercise, [exercise.starter, exercise.solution], out, jobs=2)
    return results


def test_there_are_exercises() -> None:
    assert {"01_put", "03_filter_search"} <= set(EXERCISES), EXERCISES


@pytest.mark.slow
@pytest.mark.parametrize("name", EXERCISES)
def test_the_solution_scores_full_marks(graded: dict[str, Any], name: str) -> None:
    result = graded[name]["solution"]
    failed = {test["name"]: test["output"] for test in result["tests"] if test["score"] == 0}
    assert result["score"] == load(name).max_score, f"{name} solution lost points: {failed}"


@pytest.mark.slow
@pytest.mark.parametrize("name", EXERCISES)
def test_the_starter_scores_zero_on_the_new_behaviour(graded: dict[str, Any], name: str) -> None:
    exercise = load(name)
    result = graded[name]["starter"]
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
    for part in ("README.md", "exercise.toml", "starter/app", "solution/app", "tests/hidden"):
        assert (exercise.root / part).exists(), f"{name} has no {part}"
    assert _new_test_ids(exercise), f"{name} marks no test as new behaviour"


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


@pytest.mark.parametrize("name", ["01_put", "06_property_tests"])
def test_the_gradescope_bundle_runs_this_grader(name: str, tmp_path: Path) -> None:
    out = tmp_path / "bundle.zip"
    export_gradescope(load(name), out)
    with zipfile.ZipFile(out) as bundle:
        names = set(bundle.namelist())
        run = bundle.read("run_autograder").decode()
    assert {"setup.sh", "run_autograder", "exercises/grade.py"} <= names
    assert f"-m exercises.grade {name} /autograder/submission" in run
    assert "/autograder/results/results.json" in run
    assert not any(n.startswith("exercises/") and "/0" in n and name not in n for n in names), (
        "the bundle holds other exercises"
    )


# --- a mixed batch -------------------------------------------------------------------------
def _variant(base: Path, root: Path, name: str, edit: tuple[str, str, str] | None) -> Path:
    target = root / name
    shutil.copytree(base, target, ignore=shutil.ignore_patterns("__pycache__"))
    if edit is not None:
        file, old, new = edit
        path = target / file
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return target


@pytest.mark.slow
def test_a_batch_of_20_mixed_submissions(tmp_path: Path) -> None:
    exercise = load("01_put")
    kinds: list[tuple[str, Path, tuple[str, str, str] | None, float]] = []
    for n in range(6):
        kinds.append((f"right{n}", exercise.solution, None, 13))
    for n in range(5):
        kinds.append((f"starter{n}", exercise.starter, None, 2))
    # PUT written with exclude_unset: omitted fields are kept instead of reset (3 points lost).
    wrong = (
        "app/crud.py",
        "item.model_dump().items()",
        "item.model_dump(exclude_unset=True).items()",
    )
    for n in range(4):
        kinds.append((f"wrong{n}", exercise.solution, wrong, 10))
    broken = ("app/main.py", "from fastapi import FastAPI", "from fastapi import FastAP")
    for n in range(3):
        kinds.append((f"broken{n}", exercise.solution, broken, 0))
    exits = ("app/main.py", "from fastapi import FastAPI", "import os\nos._exit(0)")
    kinds.append(("hostile_exit", exercise.solution, exits, 0))
    floods = (
        "app/main.py",
        "from fastapi import FastAPI",
        "print('y' * 10**7)\nfrom fastapi import FastAPI",
    )
    kinds.append(("hostile_flood", exercise.solution, floods, 13))
    subs = [_variant(base, tmp_path, name, edit) for name, base, edit, _ in kinds]
    started = time.monotonic()
    out = tmp_path / "out"
    results = grade_batch(exercise, subs, out, jobs=2, time_limit=20)
    elapsed = time.monotonic() - started
    scores = {name: results[name]["score"] for name, *_ in kinds}
    expected = {name: score for name, _, _, score in kinds}
    assert scores == expected
    assert elapsed < 90, f"20 submissions took {elapsed:.0f} s"
    gradebook = (out / "gradebook.csv").read_text(encoding="utf-8").splitlines()
    assert len(gradebook) == 21
    assert gradebook[0].startswith("submission,put_replaces_every_field")
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "<svg" in report
    offline = report.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http" not in offline, "the report must not load anything from the network"
    assert (out / "junit.xml").read_text(encoding="utf-8").count("<testcase") == 20 * 7
