"""The Gradescope bundle end to end: built by exercises/export.py, laid out as Gradescope
lays out its autograder container (/autograder/source, /autograder/submission,
/autograder/results), set up by its own setup.sh and run by its own run_autograder, as
root, inside a bubblewrap sandbox whose / is a tmpfs (the machine's folders read-only, never
its own /autograder or /opt/grader-venv). setup.sh skips apt-get where Python 3.11 and
bubblewrap are there already, as here, and builds the grader's venv from the bundle's
requirements.txt (the course's lock file, hashes checked)."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from typing import Any

import pytest

from exercises.export import export_gradescope
from exercises.spec import load
from tests.helpers.gradescope_container import BWRAP, Container, lay_out
from tests.helpers.gradescope_schema import schema_problems

PUT = load("01_put")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        (os.geteuid() != 0 or BWRAP is None) and not os.environ.get("CI"),
        reason="needs root and bubblewrap, as CI has (.ci/run installs it)",
    ),
]
HANG = "\nimport time\ntime.sleep(3600)  # never serves\n"


@pytest.fixture(scope="module")
def gradescope(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The bundle of exercise 01, set up once, then each submission graded in a container of
    its own: {case: (results.json, the autograder's output)}."""
    base = tmp_path_factory.mktemp("gradescope")
    base.chmod(0o755)
    bundle = base / "01_put-autograder.zip"
    export_gradescope(PUT, bundle)
    container = Container(base)
    setup_folder = lay_out(base / "setup", bundle, PUT.starter)
    setup = container.run(setup_folder, "bash", "/autograder/source/setup.sh", timeout=600)
    assert setup.returncode == 0, f"setup.sh failed:\n{setup.stdout}\n{setup.stderr}"

    nested = base / "uploads" / "nested"
    shutil.copytree(PUT.solution, nested / "01_put")  # a zip of the project folder
    hanging = base / "uploads" / "hanging"
    shutil.copytree(PUT.starter, hanging)
    with (hanging / "app" / "main.py").open("a", encoding="utf-8") as main:
        main.write(HANG)
    cases = {"solution": PUT.solution, "starter": PUT.starter, "nested": nested}
    cases["hanging"] = hanging
    cases["crashing_grader"] = PUT.solution
    found: dict[str, Any] = {"bundle": bundle, "setup": setup}
    for case, submission in cases.items():
        autograder = lay_out(base / "containers" / case, bundle, submission)
        if case == "crashing_grader":  # the grader itself dies before it grades
            grade = autograder / "source" / "exercises" / "grade.py"
            grade.write_text("raise RuntimeError('a bug of the grader')\n", encoding="utf-8")
        done = container.run(autograder, "/autograder/run_autograder", timeout=300)
        results = autograder / "results" / "results.json"
        assert results.is_file(), f"{case}: no results.json\n{done.stdout}\n{done.stderr}"
        found[case] = (json.loads(results.read_text(encoding="utf-8")), done.stdout + done.stderr)
    return found


@pytest.mark.parametrize("case", ["solution", "starter", "nested", "hanging", "crashing_grader"])
def test_results_json_follows_gradescopes_schema(gradescope: dict[str, Any], case: str) -> None:
    results, log = gradescope[case]
    assert schema_problems(results) == [], log
    assert results["output_format"] == "text"
    texts = [results["output"], *(test["output"] for test in results["tests"])]
    # Plain text reads as written: no markup for Gradescope to render, no terminal codes.
    assert not any("\x1b" in text or "&lt;" in text or "<br" in text for text in texts), texts


def test_the_solution_gets_full_marks_and_the_grader_says_runs_were_isolated(
    gradescope: dict[str, Any],
) -> None:
    results, log = gradescope["solution"]
    assert results["score"] == PUT.max_score, results
    assert all(test["status"] == "passed" for test in results["tests"])
    assert "Runs isolated by bubblewrap" in log, log


def test_the_starter_gets_the_starters_score(gradescope: dict[str, Any]) -> None:
    results, _ = gradescope["starter"]
    assert 0 < results["score"] < PUT.max_score, results
    assert len(results["tests"]) == len(PUT.tests)
    failed = [test for test in results["tests"] if test["status"] == "failed"]
    assert failed, results
    # Each failure in public terms: the request, what it should answer, what it did.
    assert all(" should answer " in test["output"] for test in failed), failed


def test_an_app_one_folder_down_is_found_and_graded(gradescope: dict[str, Any]) -> None:
    results, _ = gradescope["nested"]
    assert results["score"] == PUT.max_score, results
    assert "Graded the project in 01_put/" in results["output"], results["output"]


def test_a_hanging_submission_stops_at_its_limit_and_says_so(gradescope: dict[str, Any]) -> None:
    results, _ = gradescope["hanging"]
    assert results["score"] == 0, results
    assert results["execution_time"] <= PUT.time_limit + 10, results
    assert "did not answer within" in json.dumps(results), results


def test_a_crashing_grader_still_leaves_results_that_say_so(gradescope: dict[str, Any]) -> None:
    results, log = gradescope["crashing_grader"]
    assert results["score"] == 0
    assert results["extra_data"]["grader_error"] is True
    assert "The autograder failed on this submission" in results["output"]
    assert "not your fault" in results["output"]
    assert "Your instructor has been told" in results["output"]
    assert "a bug of the grader" in log, "the staff's log must show what went wrong"


def test_the_bundle_holds_only_what_grading_reads(gradescope: dict[str, Any]) -> None:
    with zipfile.ZipFile(gradescope["bundle"]) as bundle:
        names = bundle.namelist()
    assert not [name for name in names if "/solution/" in name], names
    assert not [name for name in names if name.endswith(("export.py", "release.py"))], names
