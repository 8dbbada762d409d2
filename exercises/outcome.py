"""What grading one submission produces, and how the app's output is shown to the learner.

Shared by the API grading (api.py), the unit grading (unitrun.py) and the batch (pool.py,
worker.py); it imports nothing of the repository, so that any of them may use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

GRADER_ERROR = (
    "Not graded: the grader itself failed on this submission (its fault, not yours). It "
    "tried twice; your instructor has the details and will grade it again."
)


@dataclass
class Outcome:
    """The result of one graded test for one submission."""

    id: str
    title: str
    score: float
    max_score: float
    passed: bool
    output: str
    visibility: str


class GradedTest(Protocol):
    """What an Outcome takes from a test of exercise.toml (spec.TestSpec)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def points(self) -> float: ...
    @property
    def visibility(self) -> str: ...


def outcome_of(test: GradedTest, passed: bool, output: str) -> Outcome:
    """The Outcome of TEST: all its points when it PASSED, none otherwise."""
    return Outcome(
        id=test.id,
        title=test.title,
        score=test.points if passed else 0.0,
        max_score=test.points,
        passed=passed,
        output=output,
        visibility=test.visibility,
    )


def last_lines(text: str, count: int = 15) -> str:
    """The last COUNT lines of TEXT, indented."""
    lines = text.strip().splitlines()[-count:]
    return "\n".join("    " + line for line in lines)


# `  File "/some/path.py", line 12, in name`: a frame of a Python traceback.
_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line \d+')


def learner_output(text: str, project: Path) -> str:
    """The app's output as the learner should read it: in each traceback, only the frames of
    the submission's own files (named relative to it, `app/crud.py`), and the error itself.

    uvicorn's and importlib's frames come before the learner's and would fill the lines kept
    of a long output, leaving out where the error is.
    """
    root = f"{project}/"
    kept: list[str] = []
    inside_other_code = False
    for line in text.splitlines():
        frame = _FRAME.match(line)
        if frame is not None:
            inside_other_code = not frame["path"].startswith(root)
            if not inside_other_code:
                kept.append(line.replace(root, ""))
            continue
        # A frame's source and caret lines are indented deeper than the frame itself; the
        # next unindented line (the error, or other output) ends the frame.
        if inside_other_code and line.startswith("    "):
            continue
        inside_other_code = False
        kept.append(line.replace(root, ""))
    return "\n".join(kept)
