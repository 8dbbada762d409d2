"""No submission costs another its grade, nor the machine its resources.

Honest copies of the starter and the solution are graded in the same pool as hostile
submissions that eat resources (with small limits set for the test), kill their worker,
or leave processes and files behind; the honest ones keep exactly their scores, and each
hostile one gets a score and a message that says what happened.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.grader_attacks.hostile import (
    QUICK,
    SCRATCH_BYTES,
    SMALL,
    feedback,
    score_and_text,
)

HONEST = {
    "resources": {
        "honest_solution_0": 13,
        "honest_solution_1": 13,
        "honest_solution_2": 13,
        "honest_starter_0": 2,
        "honest_starter_1": 2,
    },
    "files": {"honest_solution_0": 16, "honest_solution_1": 16, "honest_starter": 1},
    "killer": {"honest_solution": 13, "honest_starter": 2},
    "escapes": {"honest_solution": 13, "honest_starter": 2},
    "forgeries": {"honest_starter": 0},
}


def _probe(text: str, name: str) -> str:
    found = re.search(rf"RuntimeError: {name}-PROBE (.*)", text)
    assert found, f"the {name} probe did not report:\n{text}"
    return found[1]


@pytest.mark.slow
def test_honest_submissions_keep_their_exact_scores_beside_hostile_ones(
    graded: dict[str, Any],
) -> None:
    scores = {
        batch: {name: graded["results"][batch][name]["score"] for name in expected}
        for batch, expected in HONEST.items()
    }
    assert scores == HONEST


@pytest.mark.slow
def test_a_compressed_or_oversized_answer_is_read_raw_and_capped(graded: dict[str, Any]) -> None:
    score, text = score_and_text(graded["results"]["resources"], "gzip_bomb")
    assert score == 0, text
    # 300 KB of gzip are not inflated to 300 MB in the grader, and 3 MB are not read.
    assert "compressed with gzip, which the grader does not unpack" in text, text
    assert "answered more than 1024 KB" in text, text


@pytest.mark.slow
def test_a_run_fills_only_its_own_size_capped_area(graded: dict[str, Any]) -> None:
    text = feedback(graded["results"]["resources"], "fills_its_area")
    written = int(_probe(text, "FILL"))
    assert 0 < written < SCRATCH_BYTES, f"the app wrote {written} bytes, its area holds less"


@pytest.mark.slow
def test_a_run_cannot_start_more_processes_than_its_limit(graded: dict[str, Any]) -> None:
    text = feedback(graded["results"]["resources"], "forks_sleepers")
    forked = int(_probe(text, "FORK"))
    assert forked < SMALL["processes"], f"the app started {forked} processes"


@pytest.mark.slow
def test_a_run_cannot_write_a_file_larger_than_its_limit(graded: dict[str, Any]) -> None:
    text = feedback(graded["results"]["resources"], "makes_a_huge_file")
    assert "refused: [Errno 27] File too large" in _probe(text, "HUGE"), text


@pytest.mark.slow
def test_a_deep_tree_with_odd_names_is_removed_and_the_feedback_shows_no_grader_trace(
    graded: dict[str, Any],
) -> None:
    score, text = score_and_text(graded["results"]["resources"], "leaves_a_deep_tree")
    assert score == 2, text  # what the starter it is scores
    for noise in ("Traceback", "grader itself failed", "RecursionError", "exercises/"):
        assert noise not in text, f"the feedback shows the grader's {noise!r}:\n{text}"
    left = graded["deep_trees_left"]
    assert not left, f"the grading left {left} in the scratch folder"


@pytest.mark.slow
def test_a_file_scan_refuses_links_fifos_and_devices_without_opening_them(
    graded: dict[str, Any],
) -> None:
    result = graded["results"]["files"]["links_and_fifos"]
    tests = {test["name"].split(":")[0]: test for test in result["tests"]}
    scan = tests["database_holds_no_password"]
    assert scan["score"] == 0, scan
    for refused in ("server.log is a symbolic link", "queue.fifo is a FIFO", "queue.log"):
        assert refused in scan["output"], scan["output"]
    assert result["execution_time"] < QUICK, result["execution_time"]


@pytest.mark.slow
def test_a_file_scan_reads_no_more_than_its_cap(graded: dict[str, Any]) -> None:
    result = graded["results"]["files"]["padded_log"]
    tests = {test["name"].split(":")[0]: test for test in result["tests"]}
    scan = tests["database_holds_no_password"]
    assert scan["score"] == 0, scan
    assert "server.log holds" in scan["output"], scan["output"]
    assert "more than 4194304" in scan["output"], scan["output"]


@pytest.mark.slow
def test_a_column_of_thousands_of_tokens_is_refused_at_once(graded: dict[str, Any]) -> None:
    result = graded["results"]["files"]["many_tokens"]
    text = feedback(graded["results"]["files"], "many_tokens")
    # A search quadratic in the tokens held a worker for minutes; now it is linear and the
    # row too large to be a salt and a hash is refused with a message.
    assert result["execution_time"] < QUICK, result["execution_time"]
    assert "bytes for the user" in text, text
    assert "very slow" not in text, text


@pytest.mark.slow
def test_every_check_is_stopped_at_its_own_time_bound(graded: dict[str, Any]) -> None:
    text = feedback(graded["results"]["slow"], "slow_app")
    assert "did not finish within 2 s, the most one check may take" in text, text


@pytest.mark.slow
def test_a_worker_that_dies_is_replaced_and_its_submission_graded_again(
    graded: dict[str, Any],
) -> None:
    result = graded["results"]["killer"]["kills_its_worker"]
    assert result.get("extra_data") == {"grader_error": True}, result
    assert "the grader itself failed on this submission" in result["output"], result["output"]
    assert "Traceback" not in result["output"], result["output"]
    out = graded["out"]["killer"]
    gradebook = (out / "gradebook.csv").read_text(encoding="utf-8")
    assert "kills_its_worker," in gradebook
    assert "grader error: grade again" in gradebook, gradebook
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "The grader itself failed on 1 submission(s), twice each: kills_its_worker" in report
    log = (out / "grader-errors.log").read_text(encoding="utf-8")
    assert "=== kills_its_worker" in log, log
    assert "killed by signal 9" in log, log
    assert "graded 2 times" in log, log


@pytest.mark.slow
def test_without_namespaces_a_worker_killed_by_an_app_costs_no_one_else(
    fallback: dict[str, Any],
) -> None:
    assert fallback["api"].returncode == 0, fallback["api"].stderr
    results = fallback["results"]
    scores = {name: results[name]["score"] for name in results}
    assert scores == {
        "honest_solution": 13,
        "kills_its_worker": 0,
        "starts_a_daemon": 2,
        "honest_starter": 2,
    }, scores
    assert results["kills_its_worker"].get("extra_data") == {"grader_error": True}


@pytest.mark.slow
def test_without_namespaces_no_process_a_submission_started_outlives_the_batch(
    fallback: dict[str, Any],
) -> None:
    assert fallback["alive"] == [], f"daemons of graded apps still run: {fallback['alive']}"


@pytest.mark.slow
def test_without_namespaces_the_grader_writes_nothing_an_isolated_grading_reads(
    fallback: dict[str, Any],
) -> None:
    assert fallback["unit"].returncode == 0, fallback["unit"].stderr
    assert fallback["unit_results"]["unit_solution"]["score"] == 10
    written = sorted(path.name for path in fallback["cache"].rglob("*"))
    assert written == [], f"a grading without namespaces wrote {written} in the cache folder"
