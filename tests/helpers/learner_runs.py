"""The course's checks run as a learner runs them: pytest in a child process, from the
repository root, and what its progress summary says.

Used by `tests/test_course_plugin.py` (the plugin's rules) and `tests/test_step_checks_advice.py`
(the steps' own messages).
"""

import os
import subprocess
import sys

from tests.helpers.repository import REPO_ROOT


def run_pytest(
    *args: str, columns: int | None = None, on_ci: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run pytest in the repository.

    `columns` sets the width of the terminal pytest believes in. pytest prints more when it sees
    it runs on a CI service (the CI or BUILD_NUMBER variable), so those are removed unless
    `on_ci` asks for them: the checks that read the output then read the same output on a
    laptop and in CI.
    """
    environment = {k: v for k, v in os.environ.items() if k not in ("CI", "BUILD_NUMBER")}
    if on_ci:
        environment["CI"] = "true"
    if columns is not None:
        environment["COLUMNS"] = str(columns)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def summary_problems(run: subprocess.CompletedProcess[str]) -> int:
    """How many problems the progress summary at the end of a learner's run lists."""
    return run.stdout.split("your progress", 1)[-1].count("\n  - ")
