"""The steps form a chain: a later snapshot never breaks an earlier lesson, every step's
checks pass on final/ (the app the steps converge on), and each snapshot changes exactly
the files its README says it changes."""

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.step_snapshots import REPO_ROOT, STEPS, actual_changes

# Every (earlier step's checks, later snapshot) pair, then every step's checks on final/.
PAIRS = [(checks, snapshot) for j, snapshot in enumerate(STEPS) for checks in STEPS[:j]]
PAIRS += [(checks, "final") for checks in STEPS]


def test_the_seven_article_steps_are_here_in_order() -> None:
    assert STEPS == [
        "01_database",
        "02_models",
        "03_schemas",
        "04_crud",
        "05_router",
        "06_main",
        "07_alembic",
    ]


# --- Earlier checks on later snapshots ---------------------------------------------------
Outcomes = dict[str, dict[str, str]]  # step -> test name -> "" if it passed, else the failure


def _app_dir(snapshot: str) -> str:
    return snapshot if snapshot == "final" else f"steps/{snapshot}"


def _run_earlier_checks(snapshot: str, out_dir: Path) -> Outcomes:
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
        _app_dir(snapshot),
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


@pytest.fixture(scope="module")
def chain_outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcomes]:
    """Outcomes of all the chain runs: one child pytest per later snapshot and one for
    final/, two at a time."""
    out_dir = tmp_path_factory.mktemp("chain")
    # final/ first: its run is the longest (every step's checks).
    targets = ["final", *STEPS[1:]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda snapshot: _run_earlier_checks(snapshot, out_dir), targets)
        return dict(zip(targets, results, strict=True))


@pytest.mark.slow
@pytest.mark.parametrize(("checks", "snapshot"), PAIRS, ids=[f"{c}-on-{s}" for c, s in PAIRS])
def test_earlier_checks_pass_on_later_snapshot(
    checks: str, snapshot: str, chain_outcomes: dict[str, Outcomes]
) -> None:
    results = chain_outcomes[snapshot][checks]
    where = _app_dir(snapshot)
    assert results, f"No check of step {checks} ran against {where}."
    failed = {name: detail for name, detail in results.items() if detail}
    assert not failed, (
        f"Step {checks}'s checks should still pass on {where}, "
        f"but {len(failed)} of {len(results)} did not:\n"
        + "\n".join(f"  {name}: {detail}" for name, detail in failed.items())
        + f"\nReproduce: pytest steps/{checks} --app-dir {where}"
    )


# --- Each README lists exactly the files its snapshot changes ---------------------------
CHANGE_LINE = re.compile(r"^- (added|changed|removed) `([^`]+)`", re.MULTILINE)


def _readme_changes(step: str) -> set[tuple[str, str]]:
    readme = (REPO_ROOT / "steps" / step / "README.md").read_text(encoding="utf-8")
    return {(kind, path) for kind, path in CHANGE_LINE.findall(readme)}


@pytest.mark.parametrize("step", STEPS)
def test_readme_lists_exactly_the_files_the_step_changes(step: str) -> None:
    actual = actual_changes(step)
    listed = _readme_changes(step)
    assert listed == actual, (
        f"steps/{step}/README.md and the snapshot disagree about what this step changes.\n"
        f"  changed but not in the README: {sorted(actual - listed)}\n"
        f"  in the README but not changed: {sorted(listed - actual)}\n"
        "The list at the start of the lesson's 'Write it' uses lines like: "
        "- added `app/models.py` — ..."
    )
