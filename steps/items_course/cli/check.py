"""`items-course check [STEP]`: one step's checks, pytest's output and exit status."""

from __future__ import annotations

from items_course.cli.project import Invocation, Project
from items_course.cli.runner import CheckRequest, run_in_terminal
from items_course.course import Step, all_steps


def request_for(
    steps: list[Step], project: Project, invocation: Invocation, timeout: float
) -> CheckRequest:
    """The run of STEPS' checks against PROJECT, printing INVOCATION's commands."""
    folders = tuple(step.folder for step in steps)
    return CheckRequest(folders, str(project.root), invocation.command(), timeout)


def steps_to_check(step: Step, project: Project) -> list[Step]:
    """STEP, and the earlier steps not passed yet.

    Each step builds on the ones before, and a project that passes step 03 passes steps 01
    and 02 (the course's chain of checks makes sure of it). Checking them in the same run
    keeps the saved progress true, and shows an earlier step's problem first.
    """
    progress = project.progress()
    earlier = [
        other for other in all_steps() if other < step and progress.status(other.folder) != "passed"
    ]
    return [*earlier, step]


def check(step: Step, project: Project, invocation: Invocation, timeout: float) -> int:
    """Run STEP's checks (and those of earlier steps not passed yet) against PROJECT in this
    process; pytest's exit status."""
    steps = steps_to_check(step, project)
    return run_in_terminal(request_for(steps, project, invocation, timeout))
