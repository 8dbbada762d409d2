"""What the plugin's modules share during one pytest run, kept in the run's stash.

Nothing is shared through module globals: two runs in one process (the `items-course`
watch server, pytest's own tests of plugins) each have their own state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from items_course.loading import AppPackage
from items_course.saved_progress import RunRecord
from items_course.timeouts import Guard

# The learner's project folder, given with --app-dir (absent: the checks test the snapshots).
APP_DIR = pytest.StashKey[Path]()
# One AppPackage per folder for the whole run, so its modules are imported once.
PACKAGES = pytest.StashKey[dict[Path, AppPackage]]()
# Each message a module could not be loaded with -> its one-line reason.
LOAD_FAILURES = pytest.StashKey[dict[str, str]]()
# Set when a learner's run chose the short failure reports (see reports.configure).
BRIEF = pytest.StashKey[bool]()


@dataclass
class ShownInFull:
    """A failure text shown in full: the check and report showing it, and the reports that
    point back to it (kept so that the full text can move to a report printed earlier)."""

    name: str
    report: pytest.TestReport
    pointers: list[pytest.TestReport] = field(default_factory=list)


# Failure text -> where it is shown in full (repeats point back to it).
SHOWN = pytest.StashKey[dict[str, ShownInFull]]()
# nodeid -> one line: why the check failed.
HEADLINES = pytest.StashKey[dict[str, str]]()
# The wall-clock guard of this run (see timeouts).
GUARD = pytest.StashKey[Guard]()
# How the learner started this run when `items-course` did ("items-course --app-dir X"):
# the commands the summary prints are then items-course's.
COURSE_COMMAND = pytest.StashKey[str]()
# What this run saw of each step, and the fingerprint of the project when it started (see
# saved_progress).
RUN_RECORD = pytest.StashKey[RunRecord]()
FINGERPRINT = pytest.StashKey[str]()
