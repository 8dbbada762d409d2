"""Readable failure reports for a learner.

* A problem that stops many checks is shown in full once; the repeats point back to it
  (a missing app/models.py makes every check of step 02 fail with the same message).
* A learner's run (``--app-dir`` without ``--tb``) shows short tracebacks and each check's
  own message without pytest's assert introspection; an error raised in the learner's code
  shows the learner's lines, not 50 to 150 frames of library code.
* Each failure gets a one-line headline, for the progress summary.
"""

from __future__ import annotations

import re
import traceback
from pathlib import Path

import pytest

from items_course.advice import FRAMEWORK_ERRORS, PACKAGE, framework_advice, runtime_hint
from items_course.code_advice import a_checks_crash_on_a_learner_value, is_the_checks_code
from items_course.shared_state import (
    APP_DIR,
    BRIEF,
    HEADLINES,
    LOAD_FAILURES,
    SHOWN,
    ShownInFull,
)
from items_course.timeouts import LearnerCodeTimeout, find_timeout
from items_course.wording import shortened

# Heads the lines of a learner's error; what comes before it is the same for every check
# that meets the error, so repeats are recognised by that part.
WHERE_IT_HAPPENED = "Where it happened, from the check down to the line that failed:"


def choose_brief_reports(config: pytest.Config) -> None:
    """A learner's run: each failure shows the check's message and the line that failed,
    not the check's whole source. `--tb=long` brings the details back."""
    if config.stash.get(APP_DIR, None) is not None and config.option.tbstyle == "auto":
        config.option.tbstyle = "short"
        config.stash[BRIEF] = True


def before_report(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    """Trim the error before pytest formats it: the check's own message, the invented example."""
    if call.excinfo is not None and item.config.stash.get(BRIEF, False):
        drop_assertion_details(call.excinfo.value)
        drop_fixture_arguments(call.excinfo.value, getattr(item, "fixturenames", []))


def after_report(item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    """Shorten the report of a failed check, give it a headline, and point repeats back."""
    if not report.failed or call.excinfo is None:
        return
    config = item.config
    error = call.excinfo.value
    brief = config.stash.get(BRIEF, False)
    app_dir = config.stash.get(APP_DIR, None)
    timeout = find_timeout(error)
    advice = framework_advice(error)
    if timeout is not None and brief:
        # Wherever the error surfaced (a worker thread's, an exception group), what matters
        # is which of the learner's functions did not return, and the line it was at.
        report.longrepr = str(timeout) + _learner_lines(timeout, item.path, app_dir)
    elif advice is not None and brief:
        # FastAPI's own frames say nothing to a learner: the error and the advice do.
        report.longrepr = f"{type(error).__name__}: {error}\n{advice}"
    elif brief and app_dir is not None:
        short = error_in_learner_code(error, item.path, app_dir)
        if short:
            report.longrepr = short
    text = headline(timeout or error, config.stash.get(LOAD_FAILURES, {}))
    config.stash.setdefault(HEADLINES, {})[item.nodeid] = text
    point_back_at_repeats(item, report, text)


def drop_assertion_details(error: BaseException) -> None:
    """Keep only the check's own message of a failed `assert ..., message`.

    pytest appends its introspection of the assert expression (`assert False`,
    `+  where False = isinstance(<...>)`) to the message; every check's message already
    says what was expected and what was found, so for a learner that part is noise.
    """
    if not isinstance(error, AssertionError) or len(error.args) != 1:
        return
    text = error.args[0]
    if not isinstance(text, str) or text.startswith("assert "):
        return  # an assert without a message: the introspection is all there is
    message, found, _ = text.partition("\nassert ")
    if found:
        error.args = (message,)


def drop_fixture_arguments(error: BaseException, fixtures: list[str]) -> None:
    """Keep only the invented values in the example Hypothesis reports for a failed property.

    Its "Failing test case" note lists every argument of the check, the pytest fixtures too
    (`crud=<module 'app.crud' from '…'>`, `read_back=read`): the same in every run, and no
    help in reproducing the failure.
    """
    notes = getattr(error, "__notes__", None)
    if not notes or not fixtures:
        return
    fixture_argument = re.compile(rf"^\s+(?:{'|'.join(map(re.escape, fixtures))})=.*,$")
    error.__notes__ = [
        "\n".join(line for line in note.splitlines() if not fixture_argument.match(line))
        for note in notes
    ]


def error_in_learner_code(error: BaseException, check_file: Path, app_dir: Path) -> str:
    """An error the learner's code raised while a check ran, with only the lines that matter.

    A crash deep in the learner's code (SQLAlchemy called with the wrong arguments, a table
    that does not exist) comes with 50 to 150 frames of library code. Kept: the check's line
    and the learner's own lines, in calling order, then a hint. "" for any other failure.
    """
    if isinstance(error, (AssertionError, pytest.fail.Exception, pytest.skip.Exception)):
        return ""
    lines = without_repeats(_frames_that_matter(error, check_file, app_dir))
    hint = runtime_hint(error, app_dir.resolve())
    if not hint and not any(PACKAGE + "/" in line for line in lines):
        # Not the learner's code: pytest's own report is the right one, unless the check's
        # own line crashed on a value the learner's code gave it.
        return a_checks_crash_on_a_learner_value(error, check_file)
    notes = "".join(f"\n{note}" for note in getattr(error, "__notes__", []))
    return (
        f"{type(error).__name__}: {error}{notes}\n{WHERE_IT_HAPPENED}\n"
        + "\n".join(lines)
        + "\n"
        + hint
        + "(Frames of libraries are left out; --tb=long shows them.)"
    )


def _frames_that_matter(error: BaseException, check_file: Path, app_dir: Path | None) -> list[str]:
    """The check's lines (its module's and its helpers') and the learner's own lines of
    ERROR's traceback, in calling order."""
    own = (app_dir / PACKAGE).resolve() if app_dir is not None else None
    lines = []
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename).resolve()
        if own is not None and app_dir is not None and path.is_relative_to(own):
            where = path.relative_to(app_dir.resolve()).as_posix()
        elif is_the_checks_code(path, check_file):
            where = f"the check, {path.name}"
        else:
            continue
        lines.append(f"  {where}, line {frame.lineno}, in {frame.name}:\n      {frame.line}")
    return lines


def without_repeats(lines: list[str]) -> list[str]:
    """The same frame repeated (a function calling itself) shown once, with how often."""
    kept: list[str] = []
    repeats = 0
    for line in lines:
        if kept and line == kept[-1]:
            repeats += 1
            continue
        if repeats:
            kept.append(f"  (the frame above, {repeats} more times)")
            repeats = 0
        kept.append(line)
    if repeats:
        kept.append(f"  (the frame above, {repeats} more times)")
    return kept


def _learner_lines(error: LearnerCodeTimeout, check_file: Path, app_dir: Path | None) -> str:
    lines = _frames_that_matter(error, check_file, app_dir)
    if not any(PACKAGE + "/" in line for line in lines):
        return ""  # raised where the function was called again (see timeouts._replace)
    return f"\n{WHERE_IT_HAPPENED}\n" + "\n".join(lines)


def headline(error: BaseException, load_failures: dict[str, str]) -> str:
    """Why a check failed, in one line: its message's first sentence, or the error."""
    if str(error) in load_failures:
        return load_failures[str(error)]
    if type(error).__name__ in FRAMEWORK_ERRORS:
        return FRAMEWORK_ERRORS[type(error).__name__][0]
    if isinstance(error, LearnerCodeTimeout):
        return shortened(str(error).split(" — ", 1)[0])
    # Memory addresses differ from one run of a check to the next; the problem does not.
    text = re.sub(r" at 0x[0-9a-f]+", "", str(error))
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    first = lines[0] if lines else ""
    # A first line that ends in ":" only introduces the problem ("With 25 items stored:"):
    # the line after it says what it is.
    if first.endswith(":") and len(lines) > 1:
        first = f"{first} {lines[1]}"
    if not isinstance(error, (AssertionError, pytest.fail.Exception)):
        return shortened(f"{type(error).__name__}: {first}")
    sentence, stop, _ = first.partition(". ")
    return shortened(sentence + stop.strip() if first else type(error).__name__)


def point_back_at_repeats(item: pytest.Item, report: pytest.TestReport, text: str) -> None:
    """Show a problem in full once, in the report printed first; the others point back to it.

    pytest prints the checks that could not start (ERRORS: failures in setup) before those
    that failed (FAILURES). When a setup error repeats a failure's text, the full text moves
    to the error and the failure points back to it, so that "above" is true on the screen
    (the terminal prints the reports only at the end of the run, so moving it is in time).
    """
    shown_text = str(report.longrepr).partition(f"\n{WHERE_IT_HAPPENED}")[0]
    shown = item.config.stash.setdefault(SHOWN, {})
    first = shown.get(shown_text)
    if first is None:
        shown[shown_text] = ShownInFull(item.name, report)
        return

    def pointer(name: str) -> str:
        return f"The same problem as in {name} above: {text}"

    if report.when != "call" and first.report.when == "call":
        first.pointers.append(first.report)
        first.name, first.report = item.name, report
        for earlier in first.pointers:
            earlier.longrepr = pointer(item.name)
        return
    report.longrepr = pointer(first.name)
    first.pointers.append(report)
