"""Grading a "unit" exercise: the learner's tests against the reference app and its mutants.

The learner hands in tests (tests/test_*.py). The grader runs them, each time in a fresh
folder and a fresh process, against

* the reference app (the starter's app/) and equivalent rewrites of it (same behaviour,
  different source): the tests must pass on every one of them, or no mutant counts;
* each mutant (the reference with one bug put in): a mutant is killed when the tests fail.

Only the exit status of each isolated run decides (0 = passed, 1 = some test failed): the
learner's code runs inside the run, so nothing it reports about itself is trusted. Every
run looks the same from inside (same folder layout, same environment, random folder name),
so a test cannot tell the reference from a mutant except by the app's behaviour; equivalent
rewrites defeat tests that compare the app's source with the starter's.

Speed: a "zygote" process per grading worker imports pytest, Hypothesis, FastAPI and
SQLAlchemy once and fork()s a child per run. It is started with `python -I` from a string,
knows nothing of the repository, and learner code only ever runs in the forked children,
which set their limits, drop every inherited file descriptor and (as root) become `nobody`
before running pytest.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from exercises import sandbox
from exercises.spec import Exercise, ExerciseError

PER_RUN_LIMIT = 30.0

_ZYGOTE = r"""
import json, os, resource, select, signal, sys, time
import pytest, _pytest.main, _pytest.python, _pytest.runner, _pytest.terminal, _pytest.fixtures
import _pytest.junitxml, _pytest.capture, _pytest.skipping, _pytest.unittest, _pytest.warnings
import hypothesis, _hypothesis_pytestplugin
import fastapi, fastapi.testclient, sqlalchemy, sqlalchemy.orm, sqlalchemy.pool, pydantic, httpx
import anyio._backends._asyncio

def child(job):
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

for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        try:
            child(job)
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
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    print(json.dumps({"code": code, "timed_out": timed_out}), flush=True)
"""


class Zygote:
    """A pre-warmed process that forks one sandboxed pytest run per request."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None

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
        if not line:  # the zygote died (a run killed it?): judge this run as failed
            self.close()
            return None, False
        answer = json.loads(line)
        return int(answer["code"]), bool(answer["timed_out"])

    def close(self) -> None:
        """Stop the zygote."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


_ZYGOTE_OF_WORKER = Zygote()
atexit.register(_ZYGOTE_OF_WORKER.close)


def warm_up() -> None:
    """Start this worker's zygote now, so the first submission does not wait for it."""
    _ZYGOTE_OF_WORKER.start()


@dataclass(frozen=True)
class Variant:
    """The reference app with one textual change: a mutant, or an equivalent rewrite."""

    name: str
    file: str
    old: str
    new: str
    hint: str = ""


def variants(exercise: Exercise) -> tuple[list[Variant], list[Variant]]:
    """(mutants, equivalents) declared in the exercise's tests/hidden/mutants.py."""
    path = exercise.hidden_tests / "mutants.py"
    spec = importlib.util.spec_from_file_location(f"_hidden_mutants_{exercise.name}", path)
    if spec is None or spec.loader is None:
        raise ExerciseError(f"cannot load {path}")
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    mutants = [Variant(**entry) for entry in module.MUTANTS]
    equivalents = [Variant(**entry) for entry in module.EQUIVALENTS]
    return mutants, equivalents


def build_app(reference: Path, target: Path, variant: Variant | None) -> None:
    """Copy the reference app/ to TARGET/app and apply VARIANT's change (exactly once)."""
    shutil.copytree(reference, target / "app", ignore=shutil.ignore_patterns("__pycache__"))
    if variant is None:
        return
    file = target / "app" / variant.file
    source = file.read_text(encoding="utf-8")
    if source.count(variant.old) != 1:
        raise ExerciseError(f"variant {variant.name}: its text must occur once in {variant.file}")
    file.write_text(source.replace(variant.old, variant.new), encoding="utf-8")


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
'''
_GRADING_INI = "[pytest]\naddopts =\nfilterwarnings =\n    ignore::DeprecationWarning\n"


@dataclass
class Run:
    """The outcome of the learner's tests on one variant."""

    code: int | None
    timed_out: bool
    output: str

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
        self.plugin = f"grading_plugin_{time.monotonic_ns()}"
        (self.grader / f"{self.plugin}.py").write_text(
            _GRADING_PLUGIN.replace("MAX_EXAMPLES", "15"), encoding="utf-8"
        )
        (self.grader / "pytest.ini").write_text(_GRADING_INI, encoding="utf-8")
        self.count = 0

    def run(self, variant: Variant | None, stop_at_first_failure: bool) -> Run:
        """Run the learner's tests against the reference with VARIANT applied."""
        self.count += 1
        box = self.workdir / f"run{self.count}"
        project = box / "project"  # every run sees the same layout: .../project/{app,tests}
        project.mkdir(parents=True)
        build_app(self.exercise.starter / "app", project, variant)
        shutil.copytree(self.tests, project / "tests")
        sandbox.hand_over(project, self.user)
        output = box / "output.txt"
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            return Run(None, True, "")
        args = [
            "-p",
            "no:cacheprovider",
            "-p",
            "_hypothesis_pytestplugin",
            "-p",
            self.plugin,
            "--noconftest",
            "-c",
            str(self.grader / "pytest.ini"),
            "--rootdir",
            str(project),
            "--import-mode=importlib",
            "-q",
            "--no-header",
            "-rfE",
            "--tb=short",
            "-W",
            "ignore::DeprecationWarning",
            *(["-x"] if stop_at_first_failure else []),
            "tests",
        ]
        job = {
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
        code, timed_out = _ZYGOTE_OF_WORKER.run(job)
        text = ""
        if output.exists():
            with output.open("rb") as file:
                text = file.read(self.exercise.output_limit).decode("utf-8", "replace")
        shutil.rmtree(box, ignore_errors=True)
        return Run(code, timed_out, text)


def grade_unit(exercise: Exercise, submission: Path, workdir: Path) -> tuple[list[Any], str]:
    """Grade a unit exercise: (outcomes, a note for the whole submission)."""
    from exercises.grade import Outcome

    mutants, equivalents = variants(exercise)
    by_name = {mutant.name: mutant for mutant in mutants}
    grading = Grading(exercise, submission, workdir)
    notes = grading.notes
    if not any(grading.tests.iterdir()):
        notes.append("No test files found: put your tests in tests/test_*.py.")
    gate: str | None = None
    for variant in [None, *equivalents]:
        run = grading.run(variant, stop_at_first_failure=False)
        if not run.passed:
            which = "the reference app" if variant is None else "a correct rewrite of the app"
            gate = (
                f"Your tests must pass on a correct app, but on {which} {run.describe()}. "
                "No mutant counts until they do."
            )
            if run.output:
                gate += "\nThe end of pytest's report:\n" + run.output[-3000:]
            break
    outcomes = []
    for test in exercise.tests:
        mutant = by_name.get(test.id)
        if mutant is None:
            raise ExerciseError(f"{exercise.name}: test {test.id} names no mutant")
        if gate is not None:
            killed, message = False, "Not counted: your tests fail on a correct app (see above)."
        else:
            run = grading.run(mutant, stop_at_first_failure=True)
            killed = run.failed
            if killed:
                message = ""
            elif run.passed:
                message = f"Your tests all pass on an app where {mutant.hint}."
            else:
                message = f"Not counted: on an app where {mutant.hint}, {run.describe()}."
        outcomes.append(
            Outcome(
                id=test.id,
                title=test.title,
                score=test.points if killed else 0.0,
                max_score=test.points,
                passed=killed,
                output=message,
                visibility=test.visibility,
            )
        )
    if gate is not None:
        notes.append(gate)
    return outcomes, "\n".join(notes)
