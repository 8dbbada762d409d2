"""The grader run by any user where bubblewrap works: .ci/run also runs this module as a user
who is not root (with the attack tests), where the runs are isolated by bubblewrap in a user
namespace; as root, by bubblewrap with a user of their own per worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from exercises.spec import load

PUT = load("01_put")


@pytest.mark.slow
def test_the_solution_of_01_gets_full_marks_in_runs_isolated_by_bubblewrap(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "exercises.grade", "01_put", str(PUT.solution), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "GRADER_SANDBOX": "bwrap"},
    )
    assert done.returncode == 0, done.stderr
    who = "as root, each run as a user of its own" if os.geteuid() == 0 else "in a user namespace"
    assert "Runs isolated by bubblewrap" in done.stderr, done.stderr
    assert who in done.stderr, done.stderr
    assert "NOT isolated" not in done.stderr, done.stderr
    results = json.loads((out / "solution" / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == PUT.max_score == 13, results["output"]
    assert "Runs isolated by bubblewrap" in (out / "report.html").read_text(encoding="utf-8")
