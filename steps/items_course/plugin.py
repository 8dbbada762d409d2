"""The course's pytest plugin, shared by every check in the repository.

The repository's root conftest.py loads it. What it adds to pytest:

* ``--app-dir PATH`` — run the checks against the ``app`` package in PATH (a learner's
  project) instead of the snapshot next to the checks.
* the ``target`` fixture and one fixture per article module (``database``, ``models``,
  ``schemas``, ``crud``, ``router``, ``main``) — the ``app`` package under test, loaded so
  that many packages all called ``app`` (one per step, plus final/) live side by side in
  one pytest run, and failing with a message a beginner understands when a file or name
  is missing.
* ``--check-timeout SECONDS`` — learner code that runs that long without returning (10 s by
  default) fails its check, with a message naming the function, and the run goes on.
* Hypothesis profiles — ``fast`` by default, ``thorough`` when ``HYPOTHESIS_PROFILE=thorough``.
* a progress summary at the end of a run with ``--app-dir``: which steps pass, why a step
  could not even start (a missing file...), and the next step to work on; the verdicts are
  saved in the project's ``.items-course.json`` for ``items-course``.
* readable failures: a problem that stops many checks is shown in full once (the repeats
  point back to it), and a learner's run (``--app-dir`` without ``--tb``) shows short
  tracebacks and each check's own message without pytest's assert introspection.

This module only connects pytest's hooks and fixtures to the modules that do each job (see
the package's ``__init__``); their state lives in the run's stash (``shared_state``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Callable, Generator
from pathlib import Path
from types import ModuleType

import pytest

from items_course import requirements
from items_course.app_dir import resolve_app_dir
from items_course.course import step_of
from items_course.loading import AppPackage, Target
from items_course.progress import first_failure_only, step_in, write_summary
from items_course.reports import after_report, before_report, choose_brief_reports
from items_course.saved_progress import RunRecord, fingerprint, record
from items_course.shared_state import (
    APP_DIR,
    COURSE_COMMAND,
    FINGERPRINT,
    GUARD,
    HEADLINES,
    LOAD_FAILURES,
    PACKAGES,
    RUN_RECORD,
)
from items_course.timeouts import DEFAULT_SECONDS, Guard

# Before anything imports the packages the checks need: one message if some are missing.
requirements.stop_if_missing()


def _register_hypothesis_profiles() -> None:
    from items_course import hypothesis_profiles  # imports Hypothesis: after the check above

    hypothesis_profiles.register()


_register_hypothesis_profiles()


# --- Command line -----------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--app-dir",
        metavar="PATH",
        default=None,
        help="check the `app` package inside PATH (your project folder) instead of the snapshots",
    )
    parser.addoption(
        "--check-timeout",
        metavar="SECONDS",
        type=float,
        default=DEFAULT_SECONDS,
        help="fail a check whose call into your code has not returned after SECONDS "
        f"(default {DEFAULT_SECONDS:g}; 0: no limit)",
    )
    # Set by `items-course`: how the learner started it, so that the commands the summary
    # prints are items-course's. Not for typing by hand.
    parser.addoption("--course-command", default=None, help=argparse.SUPPRESS)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    raw = config.getoption("app_dir")
    if raw is not None:
        # Checked once, up front, so a typo gives one clear message instead of 100 failures.
        config.stash[APP_DIR] = resolve_app_dir(Path(raw), config.invocation_params.dir)
    course_command = config.getoption("course_command")
    if course_command is not None:
        config.stash[COURSE_COMMAND] = course_command
    config.stash[LOAD_FAILURES] = {}
    config.stash[PACKAGES] = {}
    config.stash[RUN_RECORD] = RunRecord()
    choose_brief_reports(config)
    guard = Guard(
        seconds=config.getoption("check_timeout"),
        learner_roots=lambda: [package.root for package in list(config.stash[PACKAGES].values())],
        learner_modules=lambda: [
            module
            for package in list(config.stash[PACKAGES].values())
            for module in list(package.modules.values())
        ],
    )
    guard.start()
    config.stash[GUARD] = guard


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    for package in config.stash.get(PACKAGES, {}).values():
        shutil.rmtree(package.workdir, ignore_errors=True)
    guard = config.stash.get(GUARD, None)
    if guard is None:
        return
    guard.stop()
    stuck = guard.still_stuck()
    if stuck:
        # Python waits for every thread before it exits, and this one never ends.
        sys.stdout.flush()
        sys.stderr.write(
            "\nThe run is over, but the learner's code is still running in a thread that "
            "cannot be stopped:\n  " + "\n  ".join(stuck) + "\nEnding the process.\n"
        )
        sys.stderr.flush()
        os._exit(pytest.ExitCode.TESTS_FAILED)


def pytest_report_header(config: pytest.Config) -> str:
    app_dir = config.stash.get(APP_DIR, None)
    if app_dir is None:
        return "checking: the snapshot next to each step's checks"
    return f"checking: your app package in {app_dir}"


# --- The package under test -------------------------------------------------------------
def app_package_for(config: pytest.Config, root: Path) -> AppPackage:
    """One AppPackage per folder for the whole run, so its modules are imported once."""
    packages = config.stash[PACKAGES]
    root = root.resolve()
    if root not in packages:
        packages[root] = AppPackage(root, config.stash[LOAD_FAILURES])
    return packages[root]


@pytest.fixture
def app_package_at(pytestconfig: pytest.Config) -> Callable[[Path], AppPackage]:
    """`app_package_at(folder)`: the run's AppPackage for the `app` inside `folder`."""
    return lambda root: app_package_for(pytestconfig, root)


@pytest.fixture
def loaded_app_packages(pytestconfig: pytest.Config) -> list[AppPackage]:
    """Every AppPackage this run has loaded so far (for the isolation checks)."""
    return list(pytestconfig.stash[PACKAGES].values())


@pytest.fixture(scope="module")
def target(request: pytest.FixtureRequest) -> Target:
    """The `app` package these checks test: the snapshot beside them, or ``--app-dir``."""
    test_file = request.path
    app_dir = request.config.stash.get(APP_DIR, None)
    root = app_dir if app_dir is not None else _snapshot_root(test_file)
    return Target(app_package_for(request.config, root), step=step_of(test_file))


def _module_fixture(name: str) -> object:
    def load(target: Target) -> ModuleType:
        return target.module(name)

    load.__name__ = name
    load.__doc__ = f"The target's app/{name}.py (fails with advice when it is missing or broken)."
    return pytest.fixture(scope="module", name=name)(load)


database = _module_fixture("database")
models = _module_fixture("models")
schemas = _module_fixture("schemas")
crud = _module_fixture("crud")
router = _module_fixture("router")
main = _module_fixture("main")


def _snapshot_root(test_file: Path) -> Path:
    for folder in test_file.parents:
        if (folder / "app").is_dir():
            return folder
    raise pytest.UsageError(f"{test_file} has no snapshot: no app/ folder above it")


# --- Running each check under the wall-clock guard --------------------------------------
def _guarded(item: pytest.Item) -> Generator[None, None, None]:
    guard = item.config.stash.get(GUARD, None)
    if guard is None:
        return (yield)
    with guard.phase():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from _guarded(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from _guarded(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from _guarded(item))


# --- Failure reports, and the verdicts saved in the learner's project -------------------
@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    before_report(item, call)
    report: pytest.TestReport = yield
    after_report(item, call, report)
    return report


def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    app_dir = config.stash.get(APP_DIR, None)
    if app_dir is not None:
        config.stash[FINGERPRINT] = fingerprint(app_dir)
        config.pluginmanager.register(_RecordsVerdicts(config), "items-course-verdicts")


class _RecordsVerdicts:
    """Gathers each check's verdict of a run against a learner's project.

    An object registered for the run, since pytest hands these hooks no config.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.record = config.stash[RUN_RECORD]
        self.headlines = config.stash.setdefault(HEADLINES, {})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        step = step_in(report.nodeid)
        if step is not None:
            why = self.headlines.get(report.nodeid, "")
            self.record.add(
                step, report.nodeid, report.when, report.outcome, report.longreprtext, why
            )

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        for item in items:
            step = step_in(item.nodeid)
            if step is not None:
                self.record.leave_out(step)


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    app_dir = config.stash.get(APP_DIR, None)
    if app_dir is not None and config.getoption("collectonly") is False:
        record(app_dir, config.stash[RUN_RECORD].tallies(), config.stash.get(FINGERPRINT, ""))


# --- The end of a learner's run ---------------------------------------------------------
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter,
) -> Generator[None, None, None]:
    """Around pytest's own summary: only the first failure in a run of several steps, then
    the progress summary, written last."""
    with first_failure_only(terminalreporter) as left_out:
        yield
    write_summary(terminalreporter, left_out)
