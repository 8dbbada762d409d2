"""The chain's runs: earlier steps' checks on a later snapshot (or on final/), run by a child
pytest, and what each check did, read from that run's JUnit XML."""

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from tests.helpers.repository import REPO_ROOT
from tests.helpers.step_snapshots import STEPS

Outcomes = dict[str, dict[str, str]]  # step -> test name -> "" if it passed, else the failure


def app_dir(snapshot: str) -> str:
    """The --app-dir of a snapshot (a step's name, or "final"), from the repository root."""
    return snapshot if snapshot == "final" else f"steps/{snapshot}"


def run_earlier_checks(snapshot: str, out_dir: Path) -> Outcomes:
    """Run every earlier step's checks (all of them for final) against `snapshot` in a child
    pytest, and read its JUnit XML."""
    earlier = STEPS if snapshot == "final" else STEPS[: STEPS.index(snapshot)]
    report = out_dir / f"{snapshot}.xml"
    command = [
        sys.executable,
        "-m",
        "pytest",
        *(f"steps/{step}" for step in earlier),
        "--app-dir",
        app_dir(snapshot),
        "-p",
        "no:cacheprovider",
        "-q",
        f"--junitxml={report}",
    ]
    completed = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, env=os.environ.copy()
    )
    if not report.exists():
        raise AssertionError(f"{' '.join(command)} produced no report:\n{completed.stdout[-3000:]}")
    outcomes: Outcomes = {step: {} for step in earlier}
    for case in ElementTree.parse(report).iter("testcase"):
        match = re.search(r"steps\.(\d\d_[a-z]+)\.", case.get("classname", ""))
        if match is None:
            continue
        problems = [child for child in case if child.tag in ("failure", "error", "skipped")]
        detail = "; ".join(f"{p.tag}: {p.get('message', '')}"[:500] for p in problems)
        outcomes[match.group(1)][case.get("name", "?")] = detail
    return outcomes
