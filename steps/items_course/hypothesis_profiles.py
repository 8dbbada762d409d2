"""The Hypothesis profiles: ``fast`` by default, ``thorough`` when HYPOTHESIS_PROFILE=thorough."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from items_course.course import COURSE_ROOT


def register() -> None:
    """Register both profiles and load the one HYPOTHESIS_PROFILE names (fast if none)."""
    # The example database lives in the course's folder: the checks run in temporary working
    # directories, and a failure found once should be replayed first the next time.
    examples = DirectoryBasedExampleDatabase(COURSE_ROOT / ".hypothesis" / "examples")
    # deadline=None: every example talks to a real database, whose timing varies from run to
    # run (learner code that never returns is stopped by the plugin's own guard, timeouts.py).
    # No explain phase: it re-runs a failing example hundreds of times under a tracer, which
    # turned a one-second failure into a minute; the shrunk example is what a learner needs.
    no_explain = tuple(phase for phase in Phase if phase is not Phase.explain)
    # report_multiple_bugs=False: when two mistakes break one property, the learner gets the
    # simplest failure, fixes it and runs again, instead of an ExceptionGroup of both.
    settings.register_profile(
        "fast",
        max_examples=25,
        deadline=None,
        database=examples,
        phases=no_explain,
        report_multiple_bugs=False,
    )
    settings.register_profile(
        "thorough",
        max_examples=300,
        deadline=None,
        database=None,
        phases=no_explain,
        suppress_health_check=[HealthCheck.too_slow],
        report_multiple_bugs=False,
    )
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))
