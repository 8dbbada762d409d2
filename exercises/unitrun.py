"""Grading a "unit" exercise: the learner's tests against the reference app and its mutants.

The learner hands in tests (tests/test_*.py). The grader runs them, each time in a fresh
folder and a fresh process, against

* the reference app (the starter's app/) and an equivalent rewrite of it (same behaviour,
  different source): the tests must pass on both, or no mutant counts;
* each mutant (the reference with one bug put in): a mutant is killed when the tests fail.

Only the exit status of each isolated run decides (0 = passed, 1 = some test failed): the
learner's code runs inside the run, so nothing it reports about itself is trusted. Every
run looks the same from inside (same folder layout, same environment, random folder name),
so a test cannot tell the reference from a mutant except by the app's behaviour; the
equivalent rewrite defeats tests that compare the app's source with the starter's.

Two passes: every run first uses a small Hypothesis budget (CHEAP_EXAMPLES per property);
the mutants that survive it run again with FULL_EXAMPLES, and count only if the tests also
pass on the reference and the rewrite with that budget. Each pass is a complete, honest
grading on its own; a mutant scores when either pass kills it.

Speed: per grading worker, a "zygote" process imports pytest, Hypothesis, FastAPI and
SQLAlchemy once, freezes its heap (gc.freeze: pytest's gc.collect() calls then skip it), and
forks one "target" process per app variant that imports that variant's app (grader code,
never the learner's). A run forks from its target: no import is repeated. The zygote is
started with `python -I` from a string and knows nothing of the repository; learner code
only ever runs in the forked run processes, which set their limits, drop every inherited
file descriptor and (as root) become `nobody` before running pytest.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from exercises import sandbox
from exercises.spec import Exercise, ExerciseError

PER_RUN_LIMIT = 30.0
CHEAP_EXAMPLES = 3
FULL_EXAMPLES = 15

_ZYGOTE = r"""
import gc, importlib, json, os, resource, select, signal, sys, time
import pytest, _pytest.main, _pytest.python, _pytest.runner, _pytest.terminal, _pytest.fixtures
import _pytest.junitxml, _pytest.capture, _pytest.skipping, _pytest.unittest, _pytest.warnings
import _pytest.unraisableexception, _pytest.threadexception, _pytest.logging, _pytest.tmpdir
import hypothesis, _hypothesis_pytestplugin
import fastapi, fastapi.testclient, sqlalchemy, sqlalchemy.orm, sqlalchemy.pool, pydantic, httpx
import anyio._backends._asyncio

def close_fds_except(*keep):
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 65536)

def run(job):
    os.setsid()
    out = os.open(job["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.closerange(3, 65536)
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    memory = job["memory"]
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (job["fsize"], job["fsize"]))
    if job["uid"] is not None:
        os.setgroups([])
        os.setgid(job["gid"])
        os.setuid(job["uid"])
    os.chdir(job["cwd"])
    os.environ.clear()
    os.environ.update(job["env"])
    sys.stdin = open(os.devnull)
    sys.stdout = open(1, "w", closefd=False)
    sys.stderr = open(2, "w", closefd=False)
    sys.path[:0] = job["path"]
    sys.argv = ["pytest"]
    code = pytest.main(job["args"])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(code))

def fork_run(job):
    pid = os.fork()
    if pid == 0:
        try:
            run(job)
        finally:
            os._exit(70)
    deadline = time.monotonic() + job["timeout"]
    timed_out = False
    fd = os.pidfd_open(pid)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            break
    os.close(fd)
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except OSError:
            pass
    _, status, usage = os.wait4(pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    return {"code": os.waitstatus_to_exitcode(status), "timed_out": timed_out, "cpu": cpu}

def target(app_dir, commands, answers):
    # One app variant (grader code), imported once; every run of it forks from here.
    sys.path.insert(0, app_dir)
    try:
        for name in sorted(os.listdir(os.path.join(app_dir, "app"))):
            if name.endswith(".py"):
                importlib.import_module("app" if name == "__init__.py" else "app." + name[:-3])
    except BaseException:
        for name in [n for n in sys.modules if n == "app" or n.startswith("app.")]:
            del sys.modules[name]
    sys.path.remove(app_dir)
    scan_constants()
    gc.collect()
    gc.freeze()
    reader = os.fdopen(commands, "r")
    writer = os.fdopen(answers, "w")
    for line in reader:
        writer.write(json.dumps(fork_run(json.loads(line))) + "\n")
        writer.flush()
    os._exit(0)

def start_target(app_dir):
    commands, to_target = os.pipe()
    from_target, answers = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, 0)
            os.dup2(null, 1)
            close_fds_except(commands, answers)
            target(app_dir, commands, answers)
        finally:
            os._exit(70)
    os.close(commands)
    os.close(answers)
    return pid, os.fdopen(to_target, "w"), os.fdopen(from_target, "r")

def scan_constants():
    # Hypothesis collects constants from the source of every "local" module it has not seen
    # yet, checking each loaded module once (tens of ms): mark the loaded ones as seen now.
    try:
        from hypothesis.internal.conjecture.providers import _get_local_constants
        _get_local_constants()
    except Exception:
        pass

# Hypothesis builds its Unicode tables on first use (tens of ms): once, here, not per run.
import shutil, tempfile
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.internal.charmap import charmap
home = tempfile.mkdtemp()
set_hypothesis_home_dir(home)
charmap()
set_hypothesis_home_dir(None)
shutil.rmtree(home, ignore_errors=True)
scan_constants()
gc.collect()
gc.freeze()
targets = {}
for line in sys.stdin:
    job = json.loads(line)
    key = job["target"]
    if key not in targets:
        targets[key] = start_target(job["app_dir"])
    pid, to_target, from_target = targets[key]
    answer = ""
    try:
        to_target.write(line)
        to_target.flush()
        answer = from_target.readline()
    except OSError:
        pass
    if not answer:  # the target died: forget it (the next job starts it again)
        del targets[key]
        for close in (to_target.close, from_target.close, lambda: os.kill(pid, signal.SIGKILL)):
            try:
                close()
            except OSError:
                pass
        os.waitpid(pid, 0)
        answer = json.dumps({"code": None, "timed_out": False}) + "\n"
    sys.stdout.write(answer)
    sys.stdout.flush()
"""


class Zygote:
    """A pre-warmed process that forks one sandboxed pytest run per request."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.cpu = 0.0  # CPU seconds the runs used so far (for the benchmark)

    def start(self) -> subprocess.Popen[str]:
        """Start the zygote unless it runs already."""
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-c", _ZYGOTE],
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


@dataclass(frozen=True)
class Variant:
    """The reference app with one textual change: a mutant, or part of the rewrite."""

    name: str
    file: str
    old: str
    new: str
    hint: str = ""


def variants(exercise: Exercise) -> tuple[list[Variant], list[Variant]]:
    """(mutants, the edits of the equivalent rewrite) from tests/hidden/mutants.py."""
    path = exercise.hidden_tests / "mutants.py"
    spec = importlib.util.spec_from_file_location(f"_hidden_mutants_{exercise.name}", path)
    if spec is None or spec.loader is None:
        raise ExerciseError(f"cannot load {path}")
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    mutants = [Variant(**entry) for entry in module.MUTANTS]
    equivalents = [Variant(**entry) for entry in module.EQUIVALENTS]
    return mutants, equivalents


def build_app(reference: Path, target: Path, edits: list[Variant]) -> None:
    """Copy the reference app/ to TARGET/app and apply each edit (its text must occur once)."""
    shutil.copytree(reference, target / "app", ignore=shutil.ignore_patterns("__pycache__"))
    for edit in edits:
        file = target / "app" / edit.file
        source = file.read_text(encoding="utf-8")
        if source.count(edit.old) != 1:
            raise ExerciseError(f"variant {edit.name}: its text must occur once in {edit.file}")
        file.write_text(source.replace(edit.old, edit.new), encoding="utf-8")


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
                self.root = Path(tempfile.mkdtemp(prefix="grader-apps-", dir=sandbox.scratch_dir()))
                self.root.chmod(0o755)
            folder = Path(tempfile.mkdtemp(dir=self.root))  # a random name: it tells nothing
            folder.chmod(0o755)
            build_app(exercise.starter / "app", folder, edits)
            self.apps[key] = folder
        return self.apps[key]

    def close(self) -> None:
        """Stop the zygote and delete the variants."""
        self.zygote.close()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
            self.apps.clear()


_WORKER = Targets()
atexit.register(_WORKER.close)


def warm_up(exercise: Exercise | None = None) -> None:
    """Start this worker's zygote (and build EXERCISE's variants) before the first submission."""
    _WORKER.zygote.start()
    if exercise is not None:
        mutants, rewrite = variants(exercise)
        _WORKER.app_dir(exercise, "reference", [])
        _WORKER.app_dir(exercise, "rewrite", rewrite)
        for mutant in mutants:
            _WORKER.app_dir(exercise, mutant.name, [mutant])


_GRADING_PLUGIN = '''"""Loaded by the grader into each run: the grading Hypothesis profile."""
from hypothesis import HealthCheck, Phase, settings

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


def pytest_collection_finish(session):
    # A hint for the grader: with no Hypothesis test, a bigger budget changes nothing.
    count = sum(bool(getattr(getattr(i, "obj", None), "is_hypothesis_test", False))
                for i in session.items)
    session.config.pluginmanager.getplugin("terminalreporter").write_line(f"MARKER{count}")
'''
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
        }.get(self.code, f"the test process ended with status {self.code}")


class Grading:
    """Everything one unit-exercise submission's runs share."""

    def __init__(self, exercise: Exercise, submission: Path, workdir: Path) -> None:
        self.exercise = exercise
        self.workdir = workdir
        self.deadline = time.monotonic() + exercise.time_limit
        self.user = sandbox.sandbox_user()
        self.tests = workdir / "learner-tests"
        self.notes: list[str] = []
        self.tests.mkdir()
        source = submission / "tests"
        if source.is_dir():
            for file in sorted(source.glob("test_*.py")):
                if file.is_symlink() or not file.is_file():
                    self.notes.append(f"skipped tests/{file.name}: not a regular file")
                elif file.stat().st_size > 1024 * 1024:
                    self.notes.append(f"skipped tests/{file.name}: larger than 1 MB")
                else:
                    shutil.copyfile(file, self.tests / file.name)
        self.grader = workdir / "grader"
        self.grader.mkdir()
        # A random marker: the learner's code cannot print it in advance.
        self.marker = f"grader-hypothesis-tests-{os.urandom(8).hex()}="
        self.plugins: dict[int, str] = {}
        for examples in (CHEAP_EXAMPLES, FULL_EXAMPLES):
            name = f"grading_plugin_{examples}_{time.monotonic_ns()}"
            text = _GRADING_PLUGIN.replace("MAX_EXAMPLES", str(examples))
            (self.grader / f"{name}.py").write_text(
                text.replace("MARKER", self.marker), encoding="utf-8"
            )
            self.plugins[examples] = name
        (self.grader / "pytest.ini").write_text(_GRADING_INI, encoding="utf-8")
        self.count = 0

    def run(
        self, name: str, edits: list[Variant], examples: int, stop_at_first_failure: bool
    ) -> Run:
        """Run the learner's tests against the app variant NAME (the reference plus EDITS)."""
        self.count += 1
        box = self.workdir / f"run{self.count}"
        project = box / "project"  # every run sees the same layout: .../project/{app,tests}
        project.mkdir(parents=True)
        app_dir = _WORKER.app_dir(self.exercise, name, edits)
        shutil.copytree(app_dir / "app", project / "app")
        shutil.copytree(self.tests, project / "tests")
        sandbox.hand_over(project, self.user)
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
            self.plugins[examples],
            "--noconftest",
            "-c",
            str(self.grader / "pytest.ini"),
            "--rootdir",
            str(project),
            "--import-mode=importlib",
            "-q",
            "--no-header",
            # A mutant's output is never shown, and pytest's usual traceback (it parses the
            # source of every frame) can cost seconds: none for mutants, plain for the rest.
            *(["--tb=no"] if stop_at_first_failure else ["-rfE", "--tb=native"]),
            "-W",
            "ignore::DeprecationWarning",
            *(["-x"] if stop_at_first_failure else []),
            "tests",
        ]
        job = {
            "target": hashlib.sha256(str(app_dir).encode()).hexdigest()[:16],
            "app_dir": str(app_dir),
            "cwd": str(project),
            "path": [str(project), str(self.grader)],
            "args": args,
            "env": sandbox.child_environment(project),
            "output": str(output),
            "timeout": min(PER_RUN_LIMIT, remaining),
            "memory": self.exercise.memory_mb * 1024 * 1024,
            "fsize": self.exercise.output_limit * 4,
            "uid": self.user[0] if self.user else None,
            "gid": self.user[1] if self.user else None,
        }
        code, timed_out = _WORKER.zygote.run(job)
        text = ""
        if output.exists():
            with output.open("rb") as file:
                text = file.read(self.exercise.output_limit).decode("utf-8", "replace")
        shutil.rmtree(box, ignore_errors=True)
        # Only ever used to skip a rerun, which can only cost the learner: safe to read.
        hypothesis_tests = f"{self.marker}0\n" not in text
        text = "\n".join(line for line in text.splitlines() if self.marker not in line).strip()
        return Run(code, timed_out, text + "\n", hypothesis_tests)

    def gate(self, rewrite: list[Variant], examples: int) -> tuple[str | None, bool]:
        """Run the tests on the reference and the rewrite: (why they failed or None, any
        Hypothesis test seen)."""
        hypothesis_tests = False
        for name, edits in (("reference", []), ("rewrite", rewrite)):
            run = self.run(name, edits, examples, stop_at_first_failure=False)
            hypothesis_tests = hypothesis_tests or run.hypothesis_tests
            if not run.passed:
                which = "the reference app" if not edits else "a correct rewrite of the app"
                why = (
                    f"with {examples} examples per property, your tests must pass on a correct "
                    f"app, but on {which} {run.describe()}."
                )
                if run.output.strip():
                    why += "\nThe end of pytest's report:\n" + run.output[-3000:]
                return why, hypothesis_tests
        return None, hypothesis_tests


def grade_unit(exercise: Exercise, submission: Path, workdir: Path) -> tuple[list[Any], str]:
    """Grade a unit exercise: (outcomes, a note for the whole submission)."""
    from exercises.grade import Outcome

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
    for examples in (CHEAP_EXAMPLES, FULL_EXAMPLES):
        gate, hypothesis_tests = grading.gate(rewrite, examples)
        if gate is not None:
            notes.append(gate[0].upper() + gate[1:] + "\nNo mutant counts with that budget.")
            for mutant in survivors:
                messages[mutant.name] = "Not counted: your tests fail on a correct app (see above)."
            break
        for mutant in survivors:
            run = grading.run(mutant.name, [mutant], examples, stop_at_first_failure=True)
            if run.failed:
                killed.add(mutant.name)
            elif run.passed:
                messages[mutant.name] = f"Your tests all pass on an app where {mutant.hint}."
            else:
                messages[mutant.name] = (
                    f"Not counted: on an app where {mutant.hint}, {run.describe()}."
                )
        survivors = [mutant for mutant in survivors if mutant.name not in killed]
        if not survivors or not hypothesis_tests:
            break  # nothing left, or a bigger Hypothesis budget would change nothing
    outcomes = []
    for test in exercise.tests:
        passed = test.id in killed
        outcomes.append(
            Outcome(
                id=test.id,
                title=test.title,
                score=test.points if passed else 0.0,
                max_score=test.points,
                passed=passed,
                output="" if passed else messages.get(test.id, ""),
                visibility=test.visibility,
            )
        )
    return outcomes, "\n".join(notes)
