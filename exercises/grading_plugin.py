"""Loaded by the grader into each run of a unit exercise: the grading Hypothesis profile.

Never imported by the grader: unitrun.py writes a copy of this file into the grader's
folder of each run, under a random name, with the two values below replaced (the examples
per property of the pass, and the random marker the grader looks for in the run's output),
and the run loads it with `-p NAME`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hypothesis import HealthCheck, Phase, settings

if TYPE_CHECKING:
    import pytest

MAX_EXAMPLES = 3
MARKER = "grader-hypothesis-tests="

# No shrinking: the grade needs pass or fail only, and shrinking a failure can take long.
settings.register_profile(
    "grading",
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    print_blob=False,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("grading")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Print how many of the collected tests are Hypothesis tests, after the marker."""
    # A hint for the grader: with no Hypothesis test, a bigger budget changes nothing.
    count = sum(
        bool(getattr(getattr(i, "obj", None), "is_hypothesis_test", False)) for i in session.items
    )
    session.config.pluginmanager.getplugin("terminalreporter").write_line(f"{MARKER}{count}")
