"""The progress summary at the end of a run against a learner's project.

One line per step (PASS or FAIL, with the reason when a step could not even start), then the
next step to work on and the command that checks it. Written last, after pytest's own short
summary, so that it is what the learner reads.

A run of several steps shows, above the summary, only its first failure: the learner works on
that one, and a wall of failures (111 ERROR lines for a project that has only app/__init__.py)
would hide it. ``-r…`` or ``--tb=…`` shows them all.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from items_course.commands import check_command, lesson_path
from items_course.course import step_after
from items_course.shared_state import (
    APP_DIR,
    BRIEF,
    HEADLINES,
    LOAD_FAILURES,
    RUN_RECORD,
    SHOWN,
)

STEP_IN_NODEID = re.compile(r"(?:^|/)steps/(\d\d_[a-z]+)/")
# How each outcome reads in a step's line ("error": the check could not even start).
OUTCOME_WORDS = {
    "passed": "passed",
    "failed": "failed",
    "error": "could not run",
    "skipped": "skipped",
    "xfailed": "xfailed",
    "xpassed": "xpassed",
}
_SHOWN_PROBLEMS = 5


def step_in(nodeid: str) -> str | None:
    """'03_schemas' for the nodeid of a check of that step, else None."""
    match = STEP_IN_NODEID.search(nodeid)
    return match.group(1) if match else None


@contextmanager
def first_failure_only(terminalreporter: pytest.TerminalReporter) -> Iterator[int]:
    """While pytest writes its failures and short summary: only the run's first failure.

    Yields how many failed checks were left out. Only in a learner's run (brief reports) of
    several steps, when the learner asked for no -r or --tb of their own: the summary below
    lists what else fails in that step, and the later steps come once it passes.
    """
    config = terminalreporter.config
    stats = terminalreporter.stats
    broken = sorted(
        {step for outcome in ("failed", "error") for step in _steps_of(stats.get(outcome, []))}
    )
    ran = set(_steps_of(stats.get("passed", []))) | set(broken)
    typed = config.invocation_params.args
    asked_for_all = any(arg.startswith("-r") and not arg.startswith("--") for arg in typed)
    record = config.stash.get(RUN_RECORD, None)
    first = record.first_failures.get(broken[0]) if record is not None and broken else None
    if not config.stash.get(BRIEF, False) or len(ran) < 2 or first is None or asked_for_all:
        yield 0
        return

    def is_first(report: object) -> bool:
        nodeid = str(getattr(report, "nodeid", ""))
        if step_in(nodeid) is None:
            return True  # not a step's check: pytest shows it as always
        return step_in(nodeid) == broken[0] and nodeid.rpartition("::")[2] == first.check

    saved = {outcome: stats.get(outcome, []) for outcome in ("failed", "error")}
    left_out = 0
    for outcome, reports in saved.items():
        kept = [report for report in reports if is_first(report)][:1]
        left_out += len(reports) - len(kept)
        stats[outcome] = kept
        for report in kept:
            _show_in_full(config, report)
    try:
        yield left_out
    finally:
        for outcome, reports in saved.items():
            if reports:
                stats[outcome] = reports
            else:
                stats.pop(outcome, None)


def _show_in_full(config: pytest.Config, report: pytest.TestReport) -> None:
    """Give REPORT back the full text of its problem when it points to another report, which
    this run does not print (see reports.point_back_at_repeats)."""
    for shown in config.stash.get(SHOWN, {}).values():
        if any(pointer is report for pointer in shown.pointers):
            report.longrepr = shown.report.longrepr


def _steps_of(reports: list[object]) -> Iterator[str]:
    for report in reports:
        step = step_in(getattr(report, "nodeid", ""))
        if step is not None:
            yield step


def write_summary(terminalreporter: pytest.TerminalReporter, left_out_above: int) -> None:
    """After a run against a learner's project: one line per step, then what to do next."""
    config = terminalreporter.config
    app_dir = config.stash.get(APP_DIR, None)
    if app_dir is None:
        return
    counts: dict[str, Counter[str]] = {}
    broken_checks: dict[str, list[str]] = {}
    for outcome in OUTCOME_WORDS:
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            step = step_in(nodeid)
            if step is not None:
                counts.setdefault(step, Counter())[outcome] += 1
                if outcome in ("failed", "error"):
                    broken_checks.setdefault(step, []).append(nodeid)
    if not counts:
        return
    # Checks left out by -m or -k: a step is not done while some of its checks never ran.
    left_out: Counter[str] = Counter()
    for item in terminalreporter.stats.get("deselected", []):
        step = step_in(getattr(item, "nodeid", ""))
        if step is not None:
            left_out[step] += 1
    headlines = config.stash.get(HEADLINES, {})
    load_failures = set(config.stash.get(LOAD_FAILURES, {}).values())
    write = terminalreporter.write_line
    terminalreporter.write_sep("=", f"your progress ({app_dir})")
    next_step = None
    for step in sorted(counts):
        tally = counts[step]
        broken = broken_checks.get(step, [])
        verdict = "FAIL" if broken else "PASS"
        details = ", ".join(f"{n} {OUTCOME_WORDS[outcome]}" for outcome, n in tally.items())
        reason = _common_headline(broken, headlines)
        if left_out[step]:
            details += f", {left_out[step]} not run (-m/-k)"
        if reason in load_failures and not tally["passed"]:
            details += f": {reason}"  # the step could not even start: a file is missing...
        write(f"  {verdict}  step {step.replace('_', ' ', 1):14} {details}")
        if broken and next_step is None:
            next_step = step
    unfinished = sorted(step for step in counts if left_out[step])
    if next_step is None and unfinished:
        total = sum(left_out.values())
        write(
            f"Every check that ran passes, but {total} {'was' if total == 1 else 'were'} left "
            "out by -m or -k. Run them too before you move on:\n  "
            + check_command(config, unfinished[0])
        )
        return
    if next_step is None:
        write("Every step checked here passes. Well done!")
        following = step_after(max(counts))
        if following is not None:
            write(
                f"Next: step {following}. Read {lesson_path(config, following)}, write what "
                "it adds, then run\n  " + check_command(config, following)
            )
        return
    problems: dict[str, list[str]] = {}
    for nodeid in broken_checks[next_step]:
        problems.setdefault(headlines.get(nodeid, "see its message above"), []).append(
            nodeid.rpartition("::")[2]
        )
    above = "the first message is above" if left_out_above else "each message is above"
    write(f"Next: step {next_step}. What fails there ({above}):")
    for problem, checks in list(problems.items())[:_SHOWN_PROBLEMS]:
        write(f"  - {problem}")
        write(f"    ({checks[0]}{f' and {len(checks) - 1} more' if len(checks) > 1 else ''})")
    if len(problems) > _SHOWN_PROBLEMS:
        write(f"  … and {len(problems) - _SHOWN_PROBLEMS} more problems")
    write(
        f"Read {lesson_path(config, next_step)} (its 'When a check fails' section), fix your "
        "code, then run\n  " + check_command(config, next_step)
    )
    if left_out_above:
        write(
            f"(Above is the first failure; {left_out_above} more checks fail, and the lines "
            "above say why. -ra lists them, --tb=short shows each one's message.)"
        )
    if config.stash.get(BRIEF, False):
        write("(Add --tb=long to see each failing check's code and full traceback.)")


def _common_headline(nodeids: list[str], headlines: dict[str, str]) -> str | None:
    """The one reason all these checks failed for, if they share one."""
    reasons = {headlines.get(nodeid) for nodeid in nodeids}
    if len(reasons) != 1:
        return None
    return reasons.pop()
