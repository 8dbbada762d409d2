"""Grading a "unit" exercise: the learner's tests against the reference app and its mutants.

The learner hands in tests (tests/test_*.py). The grader runs them, each time in a fresh
folder and a fresh process, against

* the reference app (the starter's app/) and an equivalent rewrite of it (same behaviour,
  different source): the tests must pass on both, or no mutant counts;
* each mutant: the rewrite with one bug put in (one line of it changed). A mutant is killed
  when the tests fail on it. Built on the rewrite, every mutant differs from the starter in
  the same files, the same functions and the same number of lines as the rewrite does, so
  a test that counts what differs from the starter cannot tell a mutant from the rewrite.

Only the exit status of each isolated run decides (0 = passed, 1 = some test failed): the
learner's code runs inside the run, so nothing it reports about itself is trusted. Every
run looks the same from inside (same folder layout under a random name, fresh files and
timestamps, same environment, the same pytest arguments and limits: the learner's report
is read from every run's output and thrown away for the mutants), so a test cannot tell
the reference from a mutant except by the app's behaviour; the equivalent rewrite defeats
tests that compare the app's source with the starter's. The app variants and the hidden
tests lie in folders only root may enter, which no run sees in namespaces.

Nor can one run leave anything for the next: as root, each run gets namespaces of its own
(confine.py: private /tmp and the like, everything else read-only, its own processes and
network, all its processes killed at its end). Order, for what namespaces cannot hide
(the clock) and for graders without them: the reference runs first (a test that fails on
a correct app gets its note at once), then the rewrite at a random place among the
mutants, so a test that counts its runs or watches the clock cannot tell it from a mutant.
Without namespaces the reference also runs last: a test whose result changed meanwhile
depends on what earlier runs left, and scores nothing, with a note saying so.

Two passes: every run first uses a small Hypothesis budget (CHEAP_EXAMPLES per property);
the mutants that survive it run again with FULL_EXAMPLES, and count only if the tests also
pass on the reference and the rewrite with that budget. Each pass is a complete, honest
grading on its own; a mutant scores when either pass kills it.

Speed: per grading worker, a "zygote" process imports pytest, Hypothesis, FastAPI and
SQLAlchemy once, freezes its heap (gc.freeze: pytest's gc.collect() calls then skip it), and
forks one "target" process per app variant that imports that variant's app (grader code,
never the learner's). A run forks from its target: no import is repeated. The zygote
(zygote.py) is started with `python -I -c`, from the text of confine.py and its own, and
knows nothing of the repository; learner code only ever runs in the forked run processes,
which drop every inherited file descriptor and confine themselves (confine.enter: limits,
namespaces, a user of their own) before running pytest.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from exercises import files, sandbox
from exercises.confine import SANDBOX_FAILED
from exercises.outcome import Outcome, learner_output, outcome_of
from exercises.spec import Exercise, ExerciseError

PER_RUN_LIMIT = 30.0
CHEAP_EXAMPLES = 3
FULL_EXAMPLES = 15
MAX_TEST_FILE_BYTES = 1024 * 1024
MAX_TESTS_BYTES = 5 * 1024 * 1024

# The zygote's program (zygote.py), run from text after confine.py's: see Zygote.start.
ZYGOTE_SOURCE = (Path(__file__).parent / "zygote.py").read_text(encoding="utf-8")


def cache_dir() -> tuple[Path, bool]:
    """(the folder for Hypothesis's Unicode tables, whether it is a fresh one to delete).

    With namespaces, the grader's own cache folder, readable by root only (rebuilt when it
    is not the grader's alone). Without them a run may keep the grader's user and write
    there, so the tables are built in a fresh folder, thrown away afterwards: nothing a
    fallback grading writes is read by a later isolated one."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "items-api-grader" / "hypothesis"
    if sandbox.isolation().isolated:
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            info = folder.lstat()
            if info.st_uid == os.geteuid() and not info.st_mode & 0o077:
                return folder, False
        except OSError:
            pass
    return Path(tempfile.mkdtemp(prefix="grader-cache-")), True


class Zygote:
    """A pre-warmed process that forks one sandboxed pytest run per request."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.cpu = 0.0  # CPU seconds the runs used so far (for the benchmark)
        self.fresh_cache: Path | None = None

    def start(self) -> subprocess.Popen[str]:
        """Start the zygote unless it runs already."""
        if self.process is None or self.process.poll() is not None:
            cache, fresh = cache_dir()
            if fresh:
                self.fresh_cache = cache
            code = sandbox.CONFINE_SOURCE + "\n" + ZYGOTE_SOURCE
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-c", code, str(cache), str(os.getpid())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                cwd="/",
                env=sandbox.child_environment(Path("/tmp")),
                start_new_session=True,
            )
        return self.process

    def run(self, job: dict[str, Any]) -> tuple[int | None, bool]:
        """Run one job; (exit code or None if the run could not be judged, timed out)."""
        process = self.start()
        assert process.stdin is not None
        assert process.stdout is not None
        try:
            process.stdin.write(json.dumps(job) + "\n")
            process.stdin.flush()
            line = process.stdout.readline()
        except OSError:
            line = ""
        if not line:  # the zygote died: judge this run as failed
            self.close()
            return None, False
        answer = json.loads(line)
        self.cpu += float(answer.get("cpu", 0.0))
        code = answer["code"]
        return (None if code is None else int(code)), bool(answer["timed_out"])

    def close(self) -> None:
        """Stop the zygote and its targets."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.kill()
            self.process.wait()
            self.process = None
        if self.fresh_cache is not None:
            files.remove_tree(self.fresh_cache)
            self.fresh_cache = None


@dataclass(frozen=True)
class Variant:
    """The reference app with one textual change: a mutant, or part of the rewrite."""

    name: str
    file: str
    old: str
    new: str
    hint: str = ""


def variants(exercise: Exercise) -> tuple[list[Variant], list[Variant]]:
    """(mutants, the edits of the equivalent rewrite) from tests/hidden/mutants.py; each
    mutant's text is the rewrite's (a mutant is the rewrite with that edit applied)."""
    path = exercise.hidden_tests / "mutants.py"
    spec = importlib.util.spec_from_file_location(f"_hidden_mutants_{exercise.name}", path)
    if spec is None or spec.loader is None:
        raise ExerciseError(f"cannot load {path}")
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    mutants = [Variant(**entry) for entry in module.MUTANTS]
    equivalents = [Variant(**entry) for entry in module.EQUIVALENTS]
    return mutants, equivalents


def edited(source: str, edits: list[Variant], file: str) -> str:
    """SOURCE (of app/FILE) with EDITS applied in order; each text must occur once."""
    for edit in edits:
        if edit.file != file:
            continue
        if source.count(edit.old) != 1:
            raise ExerciseError(f"variant {edit.name}: its text must occur once in {edit.file}")
        if edit.old.count("\n") != edit.new.count("\n"):
            # Line numbers of the code below would move: a test could count them.
            raise ExerciseError(f"variant {edit.name}: it must keep the number of lines")
        source = source.replace(edit.old, edit.new)
    return source


def build_app(exercise: Exercise, target: Path, edits: list[Variant]) -> None:
    """Write the reference app/ (the starter's, from its layers) to TARGET/app and apply each
    edit (its text must occur once). Every file is written now, so its time is the same for
    every variant: which files were edited must not show."""
    for relative, source in exercise.project_files("starter").items():
        if relative.startswith("app/"):
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(source.read_bytes())
    for name in sorted({edit.file for edit in edits}):
        file = target / "app" / name
        file.write_text(edited(file.read_text(encoding="utf-8"), edits, name), encoding="utf-8")


def mutant_edits(rewrite: list[Variant], mutant: Variant) -> list[Variant]:
    """The edits of a mutant's app: the rewrite's, then the mutant's own."""
    return [*rewrite, mutant]


class Targets:
    """This worker's zygote and the app variants its targets import, built once."""

    def __init__(self) -> None:
        self.zygote = Zygote()
        self.root: Path | None = None
        self.apps: dict[tuple[str, str], Path] = {}

    def app_dir(self, exercise: Exercise, name: str, edits: list[Variant]) -> Path:
        """The folder holding the variant's app/ (built on first use, read-only)."""
        key = (exercise.name, name)
        if key not in self.apps:
            if self.root is None:
                self.root = Path(tempfile.mkdtemp(prefix="grader-apps-", dir=sandbox.worker_area()))
                # Root only: a run outside namespaces must not read any variant (a path
                # found in its memory included); the targets that import them are root.
                self.root.chmod(0o700)
            folder = Path(tempfile.mkdtemp(dir=self.root))  # a random name: it tells nothing
            folder.chmod(0o700)
            build_app(exercise, folder, edits)
            self.apps[key] = folder
        return self.apps[key]

    def close(self) -> None:
        """Stop the zygote and delete the variants."""
        self.zygote.close()
        if self.root is not None:
            files.remove_tree(self.root)
            self.root = None
            self.apps.clear()


_WORKER = Targets()
atexit.register(_WORKER.close)


def close_worker() -> None:
    """Stop this worker's zygote and delete its variants (when the worker ends)."""
    _WORKER.close()


def infrastructure() -> frozenset[int]:
    """This worker's processes that serve every submission (the zygote), not swept."""
    process = _WORKER.zygote.process
    return (
        frozenset() if process is None or process.poll() is not None else frozenset({process.pid})
    )


def warm_up(exercise: Exercise | None = None) -> None:
    """Start this worker's zygote (and build EXERCISE's variants) before the first submission."""
    _WORKER.zygote.start()
    if exercise is not None:
        mutants, rewrite = variants(exercise)
        builds = [("reference", []), ("rewrite", rewrite)]
        builds += [(mutant.name, mutant_edits(rewrite, mutant)) for mutant in mutants]
        # In random order: the folders' creation times must not tell which is which.
        random.shuffle(builds)
        for name, edits in builds:
            _WORKER.app_dir(exercise, name, edits)


# The plugin each run loads (grading_plugin.py), written out with its two values set.
_GRADING_PLUGIN = (Path(__file__).parent / "grading_plugin.py").read_text(encoding="utf-8")


def grading_plugin(examples: int, marker: str) -> str:
    """The text of grading_plugin.py with EXAMPLES per property and MARKER set."""
    text = _GRADING_PLUGIN
    for default, value in (
        ("MAX_EXAMPLES = 3", examples),
        ('MARKER = "grader-hypothesis-tests="', marker),
    ):
        line = f"\n{default}\n"
        if text.count(line) != 1:
            raise ExerciseError(f"grading_plugin.py has no line {default!r} to set")
        text = text.replace(line, f"\n{default.split(' = ')[0]} = {value!r}\n")
    return text


_UNUSED_PLUGINS = (
    "cacheprovider",
    "doctest",
    "pastebin",
    "junitxml",
    "legacypath",
    "setuponly",
    "setupplan",
    "stepwise",
    "nose",
    "faulthandler",
)
_GRADING_INI = "[pytest]\naddopts =\nfilterwarnings =\n    ignore::DeprecationWarning\n"


@dataclass
class Run:
    """The outcome of the learner's tests on one variant."""

    code: int | None
    timed_out: bool
    output: str
    hypothesis_tests: bool = True

    @property
    def passed(self) -> bool:
        """All tests passed (and at least one ran)."""
        return self.code == 0 and not self.timed_out

    @property
    def failed(self) -> bool:
        """Some test failed: pytest's exit status 1, and nothing else."""
        return self.code == 1 and not self.timed_out

    def describe(self) -> str:
        """Why a run neither passed nor failed cleanly, in words."""
        if self.timed_out:
            return "the tests ran past the time limit"
        return {
            None: "the test process was killed before it finished",
            0: "every test passed",
            1: "some tests failed",
            2: "the test run was interrupted (an error while collecting the tests?)",
            3: "pytest hit an internal error",
            4: "pytest could not understand its command line",
            5: "no tests were collected (are they named test_*?)",
            SANDBOX_FAILED: "the grader could not confine the run (its fault, not your tests')",
        }.get(self.code, f"the test process ended with status {self.code}")


class Grading:
    """Everything one unit-exercise submission's runs share."""

    def __init__(self, exercise: Exercise, submission: Path, workdir: Path) -> None:
        self.exercise = exercise
        self.workdir = workdir
        self.deadline = time.monotonic() + exercise.time_limit
        self.user = sandbox.sandbox_user()
        self.limits = sandbox.Limits.of(exercise, cpu_seconds=PER_RUN_LIMIT)
        copied = workdir / "learner"
        submission, found = files.locate_project(submission, "tests")
        # Only tests/test_*.py, regular files with one name: no link is followed.
        report = files.copy_in(
            submission,
            copied,
            ["tests"],
            owner=None,
            budget=MAX_TESTS_BYTES,
            file_limit=MAX_TEST_FILE_BYTES,
            accept=_is_test_file,
        )
        self.notes: list[str] = ([found] if found else []) + list(report.notes)
        self.tests = copied / "tests"
        self.tests.mkdir(exist_ok=True)
        for extra in sorted(self.tests.iterdir()):
            if extra.is_dir():  # folders of tests/: their files were never copied
                files.remove_tree(extra)
        # The copy stays the grader's: each run gets its own copy of it.
        copied.chmod(0o700)
        self.tests.chmod(0o700)
        # A random marker: the learner's code cannot print it in advance.
        self.marker = f"grader-hypothesis-tests-{os.urandom(8).hex()}="
        # Random names too: a name that held the time would be a clock started at the
        # beginning of the grading, and the reference always runs first.
        self.plugins: dict[int, tuple[str, str]] = {}
        for examples in (CHEAP_EXAMPLES, FULL_EXAMPLES):
            name = f"grading_plugin_{os.urandom(8).hex()}"
            self.plugins[examples] = name, grading_plugin(examples, self.marker)
        # Runs in namespaces of their own, that nothing of another run reaches.
        self.isolated = sandbox.runs_isolated(self.user)
        self.count = 0

    def run(self, name: str, edits: list[Variant], examples: int, report: bool) -> Run:
        """Run the learner's tests against the app variant NAME (the reference plus EDITS).

        Every run is the same from inside, whatever the variant; REPORT only says whether
        its output is kept for the learner (reference and rewrite) or thrown away."""
        self.count += 1
        # Every run sees the same layout, .../<random>/project/{app,tests}, with fresh files
        # and fresh timestamps: neither the path nor a date tells which run this is.
        box = Path(tempfile.mkdtemp(dir=self.workdir))
        box.chmod(0o711)
        project = box / "project"
        grader = box / "grader"
        project.mkdir()
        grader.mkdir()
        plugin, plugin_text = self.plugins[examples]
        (grader / f"{plugin}.py").write_text(plugin_text, encoding="utf-8")
        (grader / "pytest.ini").write_text(_GRADING_INI, encoding="utf-8")
        app_dir = _WORKER.app_dir(self.exercise, name, edits)
        fresh_copy(app_dir / "app", project / "app", self.user)
        fresh_copy(self.tests, project / "tests", self.user)
        if self.user is not None:
            os.chown(project, *self.user)
        output = box / "output.txt"
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            return Run(None, True, "")
        args = [
            # Plugins a graded run never needs: each one costs time at every start.
            *[arg for name in _UNUSED_PLUGINS for arg in ("-p", f"no:{name}")],
            "-p",
            "_hypothesis_pytestplugin",
            "-p",
            plugin,
            "--noconftest",
            "-c",
            str(grader / "pytest.ini"),
            "--rootdir",
            str(project),
            "--import-mode=importlib",
            "-q",
            "--no-header",
            # The same for every variant, so that no test can tell which it runs against by
            # reading its options: stop at the first failure (a mutant is killed by one;
            # the learner's report shows the first test to fix), with the plain traceback
            # (pytest's usual one parses the source of every frame and can cost seconds).
            "-rfE",
            "--tb=native",
            "-x",
            "-W",
            "ignore::DeprecationWarning",
            # The grader loads Hypothesis' plugin by name after importing it, and pytest warns
            # that it cannot rewrite its asserts: a note about the grader, not the learner.
            "-W",
            "ignore::pytest.PytestAssertRewriteWarning",
            "tests",
        ]
        # In namespaces, the run sees its project (writable) and the grader's two files
        # (read-only), nothing else of the scratch folder: no other run, no variant.
        confinement = sandbox.confinement(project, self.limits, self.user, also=[grader])
        job = {
            "target": hashlib.sha256(str(app_dir).encode()).hexdigest()[:16],
            "app_dir": str(app_dir),
            "cwd": str(project),
            "path": [str(project), str(grader)],
            "args": args,
            "env": sandbox.child_environment(project),
            "output": str(output),
            "timeout": min(PER_RUN_LIMIT, remaining),
            "sandbox": confinement,
        }
        code, timed_out = _WORKER.zygote.run(job)
        text = ""
        # The output file is the grader's (made by the run before it was confined).
        with contextlib.suppress(OSError), open(output, "rb") as file:
            text = file.read(self.exercise.output_limit).decode("utf-8", "replace")
        files.remove_tree(box)
        # Only ever used to skip a rerun, which can only cost the learner: safe to read.
        hypothesis_tests = f"{self.marker}0\n" not in text
        text = "\n".join(line for line in text.splitlines() if self.marker not in line).strip()
        if not report:  # a mutant's output is never shown
            return Run(code, timed_out, "", hypothesis_tests)
        return Run(code, timed_out, learner_output(text, project) + "\n", hypothesis_tests)

    def why_not_counted(self, run: Run, examples: int, which: str) -> str:
        """The note for tests that do not pass on a correct app (WHICH: the reference app or
        a correct rewrite of it)."""
        why = (
            f"With {examples} examples per property, your tests must pass on a correct app, "
            f"but on {which} {run.describe()}."
        )
        return why + _report_end(run)

    def why_out_of_time(self) -> str:
        """The note for a grading whose last run on the reference app hit the time limit."""
        return (
            f"The grading ran past its time limit ({self.exercise.time_limit:g} s for the "
            "whole submission) before the last run of your tests on the correct app, which "
            "must pass for any mutant to count. Make your tests quicker: fewer or smaller "
            "examples, no sleeps, no slow set-up repeated in every test."
        )

    def why_inconsistent(self, run: Run) -> str:
        """The note for tests that passed on the reference app at first and not later."""
        return (
            "Your tests passed on the correct app at first, but not when it ran again later "
            f"in the grading ({run.describe()}): their result depends on something other "
            "than the app (files or processes left by earlier runs, the clock, chance). "
            "Each run must give the same result on the same app." + _report_end(run)
        )


def fresh_copy(source: Path, target: Path, owner: tuple[int, int] | None) -> None:
    """Copy the files under SOURCE (a folder the grader made: an app variant, the copy of
    the learner's tests) to TARGET, contents only, for OWNER: every file and folder gets
    the time of the copy. The source's dates would tell when the grading started (the
    tests'), or which files a mutant changed (the app's)."""
    target.mkdir()
    if owner is not None:
        os.chown(target, *owner)
    for entry in sorted(source.iterdir()):
        if entry.name == "__pycache__":
            continue
        if entry.is_dir() and not entry.is_symlink():
            fresh_copy(entry, target / entry.name, owner)
        elif entry.is_file() and not entry.is_symlink():
            (target / entry.name).write_bytes(entry.read_bytes())
            if owner is not None:
                os.chown(target / entry.name, *owner)


def _is_test_file(relative: str) -> bool:
    parts = relative.split("/")
    return len(parts) == 2 and parts[1].startswith("test_") and parts[1].endswith(".py")


def _report_end(run: Run) -> str:
    return "\nThe end of pytest's report:\n" + run.output[-3000:] if run.output.strip() else ""


@dataclass
class Verdicts:
    """What the runs of a grading found so far."""

    killed: set[str] = field(default_factory=set)
    messages: dict[str, str] = field(default_factory=dict)
    problem: str | None = None  # why no mutant counts (from this pass on), if so
    inconsistent: bool = False  # the problem: results that change from run to run


def grading_pass(
    grading: Grading, survivors: list[Variant], rewrite: list[Variant], examples: int
) -> tuple[Verdicts, bool]:
    """One pass over the SURVIVORS with EXAMPLES per property: (its verdicts, any
    Hypothesis test seen).

    The reference app runs first, so tests that fail on a correct app get their note at
    once. The equivalent rewrite then runs at a random place among the mutants: a test
    that counts its runs or watches the clock cannot tell it from a mutant, and fails on
    it as well. The pass counts only if the tests pass on both.
    """
    found = Verdicts()
    reference = grading.run("reference", [], examples, report=True)
    hypothesis_tests = reference.hypothesis_tests
    if not reference.passed:
        found.problem = grading.why_not_counted(reference, examples, "the reference app")
        return found, hypothesis_tests
    order: list[Variant | None] = [None, *survivors]  # None: the rewrite
    random.shuffle(order)
    for mutant in order:
        if mutant is None:
            run = grading.run("rewrite", rewrite, examples, report=True)
            hypothesis_tests = hypothesis_tests or run.hypothesis_tests
            if not run.passed:
                # Is it the rewrite, or do the tests no longer pass on anything? Ask the
                # reference again: the note must name the right cause.
                again = grading.run("reference", [], examples, report=True)
                if again.passed:
                    which = "a correct rewrite of the app"
                    found.problem = grading.why_not_counted(run, examples, which)
                else:
                    found.problem = grading.why_inconsistent(again)
                    found.inconsistent = True
                return found, hypothesis_tests
            continue
        edits = mutant_edits(rewrite, mutant)
        run = grading.run(mutant.name, edits, examples, report=False)
        if run.failed:
            found.killed.add(mutant.name)
        elif run.passed:
            found.messages[mutant.name] = f"Your tests all pass on an app where {mutant.hint}."
        else:
            found.messages[mutant.name] = (
                f"Not counted: on an app where {mutant.hint}, {run.describe()}."
            )
    return found, hypothesis_tests


def grade_unit(exercise: Exercise, submission: Path, workdir: Path) -> tuple[list[Outcome], str]:
    """Grade a unit exercise: (outcomes, a note for the whole submission).

    A first pass with CHEAP_EXAMPLES per property, a second with FULL_EXAMPLES for the
    mutants that survived it (when there are Hypothesis tests); each pass is an honest
    grading on its own. Without namespaces, when some mutant was killed, the reference app
    runs once more at the end: tests whose result on it changed since the first run count
    for nothing.
    """
    mutants, rewrite = variants(exercise)
    by_name = {mutant.name: mutant for mutant in mutants}
    missing = [test.id for test in exercise.tests if test.id not in by_name]
    if missing:
        raise ExerciseError(f"{exercise.name}: tests {missing} name no mutant")
    grading = Grading(exercise, submission, workdir)
    notes = grading.notes
    if not any(grading.tests.iterdir()):
        notes.append("No test files found: put your tests in tests/test_*.py.")
    killed: set[str] = set()
    messages: dict[str, str] = {}
    survivors = [by_name[test.id] for test in exercise.tests]
    budget = 0  # the examples per property of the last pass that counted
    inconsistent = False
    for examples in (CHEAP_EXAMPLES, FULL_EXAMPLES):
        found, hypothesis_tests = grading_pass(grading, survivors, rewrite, examples)
        if found.problem is not None:
            inconsistent = found.inconsistent
            notes.append(
                found.problem + ("" if inconsistent else "\nNo mutant counts with that budget.")
            )
            for mutant in survivors:
                messages[mutant.name] = "Not counted: your tests fail on a correct app (see above)."
            break
        budget = examples
        killed |= found.killed
        messages.update(found.messages)
        survivors = [mutant for mutant in survivors if mutant.name not in killed]
        if not survivors or not hypothesis_tests:
            break  # nothing left, or a bigger Hypothesis budget would change nothing
    if killed and budget and not inconsistent and not grading.isolated:
        # Without namespaces, runs share /tmp and more: a test can keep state from one run
        # to the next, so the reference runs last too. In namespaces every run starts from
        # the same state and only the clock differs, which a last run would not catch
        # either (a test could fail in a middle window only): it is not worth a run there.
        last = grading.run("reference", [], budget, report=True)
        if last.timed_out:
            # Not "inconsistent": the clock ran out. Still no mutant counts, or tests that
            # keep state could run out the clock on purpose to escape this last check.
            notes.append(grading.why_out_of_time())
            notes.append("No mutant counts.")
            killed.clear()
            messages = dict.fromkeys(
                by_name,
                "Not counted: the grading ran out of time before its last check (see above).",
            )
        elif not last.passed:
            notes.append(grading.why_inconsistent(last))
            inconsistent = True
    if inconsistent:
        # Tests whose result changes from run to run prove nothing, in any pass.
        notes.append("No mutant counts.")
        killed.clear()
        messages = dict.fromkeys(
            by_name, "Not counted: your tests' results change from run to run (see above)."
        )
    outcomes = []
    for test in exercise.tests:
        passed = test.id in killed
        outcomes.append(outcome_of(test, passed, "" if passed else messages.get(test.id, "")))
    return outcomes, "\n".join(notes)
