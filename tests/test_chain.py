"""The steps form a chain: a later snapshot never breaks an earlier lesson, every step's
checks pass on final/ (the app the steps converge on), and each snapshot changes exactly
the files its README says it changes."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers.chain import Outcomes, app_dir, run_earlier_checks
from tests.helpers.repository import REPO_ROOT
from tests.helpers.step_snapshots import STEPS, actual_changes

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
@pytest.fixture(scope="module")
def chain_outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcomes]:
    """Outcomes of all the chain runs: one child pytest per later snapshot and one for
    final/, two at a time."""
    out_dir = tmp_path_factory.mktemp("chain")
    # final/ first: its run is the longest (every step's checks).
    targets = ["final", *STEPS[1:]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda snapshot: run_earlier_checks(snapshot, out_dir), targets)
        return dict(zip(targets, results, strict=True))


@pytest.mark.slow
@pytest.mark.parametrize(("checks", "snapshot"), PAIRS, ids=[f"{c}-on-{s}" for c, s in PAIRS])
def test_earlier_checks_pass_on_later_snapshot(
    checks: str, snapshot: str, chain_outcomes: dict[str, Outcomes]
) -> None:
    results = chain_outcomes[snapshot][checks]
    where = app_dir(snapshot)
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
