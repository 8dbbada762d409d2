"""What each step's snapshot holds, and what it adds, changes or removes after the step
before it: the facts that `test_chain.py` (the "What changed" lists) and `test_lessons.py`
(the code shown in the lessons) compare the READMEs with."""

import filecmp
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
STEPS = sorted(p.name for p in (REPO_ROOT / "steps").iterdir() if re.match(r"\d\d_", p.name))
# Not part of a learner's project: the step's checks, its lesson, and what running them leaves.
IGNORED_PARTS = {"tests", "__pycache__", ".pytest_cache", ".hypothesis"}


def snapshot_files(step: str) -> set[str]:
    """The project files of a step's snapshot, relative to its folder (`app/models.py`)."""
    root = REPO_ROOT / "steps" / step
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file()
        and not IGNORED_PARTS.intersection(path.relative_to(root).parts)
        and path.name != "README.md"
        and path.suffix not in (".db", ".pyc")
    }


def previous_step(step: str) -> str | None:
    """The step before `step`, or None for the first one."""
    index = STEPS.index(step)
    return STEPS[index - 1] if index else None


def actual_changes(step: str) -> set[tuple[str, str]]:
    """("added" | "changed" | "removed", path) for every file the step touches."""
    before_step = previous_step(step)
    files = snapshot_files(step)
    before = snapshot_files(before_step) if before_step else set()
    changes = {("added", path) for path in files - before}
    changes |= {("removed", path) for path in before - files}
    for path in files & before:
        previous = REPO_ROOT / "steps" / str(before_step) / path
        if not filecmp.cmp(previous, REPO_ROOT / "steps" / step / path, shallow=False):
            changes.add(("changed", path))
    return changes
