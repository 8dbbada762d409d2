"""`items-course hint [STEP]`: the advice for the step's first failure, then the lesson's
"When a check fails" section."""

from __future__ import annotations

from items_course.cli.lesson import advice_about, section
from items_course.cli.project import Invocation, Project
from items_course.cli.runner import CheckResult, collect
from items_course.course import WHEN_A_CHECK_FAILS, Step, all_steps
from items_course.saved_progress import fingerprint


def current_result(
    step: Step, project: Project, invocation: Invocation, timeout: float
) -> CheckResult | None:
    """The step's verdict as the code is now: the saved one if no file changed since, else
    a new run's. None if the saved verdict is a pass and nothing changed."""
    from items_course.cli.check import request_for

    saved = project.progress().steps.get(step.folder)
    if saved is not None and saved.fingerprint == fingerprint(project.root):
        return CheckResult(
            0 if saved.status == "passed" else 1,
            saved.passed,
            saved.failed,
            saved.first_failure,
            "",
            0,
        )
    return collect(request_for([step], project, invocation, timeout))


def hint_text(step: Step, result: CheckResult, invocation: Invocation) -> str:
    """The advice for RESULT's first failure, then the lesson's section."""
    lesson = section(step)
    lines = []
    if result.passes:
        following = [other for other in all_steps() if other > step]
        lines.append(f"{step.title} passes: there is no failure to explain.")
        if following:
            lines.append(f"Next: {invocation.command('check', following[0].number)}")
        return "\n".join(lines)
    failure = result.first_failure
    if failure is None:
        lines += [
            f"{step.title}: the checks could not run. What pytest said:",
            "",
            result.output.strip() or "(nothing)",
        ]
    else:
        total = result.passed + result.failed
        lines += [
            f"{step.title}: {result.failed} of {total} checks fail. The first, "
            f"{failure.check}, says:",
            "",
            failure.message.strip(),
        ]
        matching = advice_about(lesson or "", failure.message)
        if matching:
            lines += ["", "The lesson's advice for this message:", *matching]
    lines += ["", f"--- {WHEN_A_CHECK_FAILS}, from the lesson {step.lesson} ---", ""]
    lines.append(lesson if lesson is not None else "(The lesson has no such section.)")
    lines += ["", f"Check again: {invocation.command('check', step.number)}"]
    return "\n".join(lines)
