"""`items-course list`: the seven steps, passed, failed or not tried, from saved progress."""

from __future__ import annotations

from datetime import UTC, datetime

from items_course.cli.project import Invocation, Project
from items_course.course import PROGRESS_FILE, all_steps
from items_course.saved_progress import Progress

BAR_WIDTH = 35


def progress_bar(passed: int, total: int, width: int = BAR_WIDTH) -> str:
    """`Progress: [##########>----------]  3/7 steps passed`."""
    filled = round(width * passed / total) if total else 0
    arrow = ">" if passed < total else ""
    bar = ("#" * filled + arrow).ljust(width, "-")[:width]
    return f"Progress: [{bar}]  {passed}/{total} steps passed"


def list_text(project: Project, invocation: Invocation, progress: Progress | None = None) -> str:
    """The list of steps with their saved verdicts, and what to do next."""
    progress = progress or project.progress()
    steps = all_steps()
    current = progress.current_step()
    lines = [f"Your progress in {project.root} (saved in {PROGRESS_FILE}):", ""]
    for step in steps:
        status = progress.status(step.folder)
        result = progress.steps.get(step.folder)
        detail = ""
        if result is not None:
            detail = f"  {result.passed} passed, {result.failed} failed, {_ago(result.when)}"
            if result.status == "failed" and result.first_failure is not None:
                detail += f"\n{'':22}first: {result.first_failure.headline}"
        marker = ">" if step.folder == current and status != "passed" else " "
        lines.append(f" {marker} {step.label:13} {status:10}{detail}".rstrip())
    lines += ["", progress_bar(progress.passed_count(), len(steps))]
    if progress.passed_count() == len(steps):
        lines.append("Every step passes. Well done!")
    else:
        number = current.split("_", 1)[0]
        lines.append(
            f"Next: {invocation.command('check', number)} (or {invocation.command()} to "
            "check it each time you save)"
        )
    return "\n".join(lines)


def _ago(when: str) -> str:
    try:
        seconds = (datetime.now(UTC) - datetime.fromisoformat(when)).total_seconds()
    except ValueError:
        return when
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    return "just now"
