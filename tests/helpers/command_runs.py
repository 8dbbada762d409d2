"""`items-course` run as a learner runs it, and what it leaves: the shell of a learner who
activated the course's virtual environment, the command typed in a project folder (to its end,
or in the background with its output read as it comes, stopped with Ctrl+C), the progress it
saves, the command it says to run next, and a Python that lacks some of the course's packages.

Used by `tests/test_items_course.py`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sysconfig
import threading
import time
import venv
from pathlib import Path

SCRIPTS = Path(sysconfig.get_paths()["scripts"])
ITEMS_COURSE = SCRIPTS / "items-course"


def environment() -> dict[str, str]:
    """A learner's shell with the course's virtual environment activated.

    Without the test run's own variables: coverage's (the command is measured by what it
    does, see pyproject.toml), pytest's, and Hypothesis's profile (the fast one, a learner's).
    """
    dropped = ("COV_CORE_", "COVERAGE_", "PYTEST_", "HYPOTHESIS_")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    environment["PATH"] = os.pathsep.join([str(SCRIPTS), environment.get("PATH", "")])
    environment["VIRTUAL_ENV"] = str(SCRIPTS.parent)
    return environment


def items_course(
    project: Path, *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`items-course ARGS`, typed in PROJECT."""
    return subprocess.run(
        ["items-course", *args],
        cwd=project,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def saved(project: Path) -> dict[str, str]:
    """The status of each step (`"03_schemas": "passed"`) in PROJECT's .items-course.json."""
    data = json.loads((project / ".items-course.json").read_text(encoding="utf-8"))
    return {step: result["status"] for step, result in data["steps"].items()}


def last_command(output: str) -> str:
    """The command on the line after the last "then run" (or "Next:") of OUTPUT."""
    lines = output.splitlines()
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].rstrip().endswith("then run") and index + 1 < len(lines):
            return lines[index + 1].strip()
    raise AssertionError(f"no command to run next in:\n{output}")


def python_without(tmp_path: Path, *distributions: str) -> Path:
    """A virtual environment that sees this one's packages except DISTRIBUTIONS."""
    environment = tmp_path / "venv"
    venv.EnvBuilder(symlinks=True, with_pip=False).create(environment)
    view = tmp_path / "site-packages-view"
    view.mkdir()
    hidden = tuple(name.lower().replace("-", "_") for name in distributions)
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.lower().replace("-", "_").startswith(hidden):
            (view / entry.name).symlink_to(entry)
    where = {"base": str(environment), "platbase": str(environment)}
    site_packages = Path(sysconfig.get_path("purelib", scheme="venv", vars=where))
    (site_packages / "view.pth").write_text(f"import site; site.addsitedir({str(view)!r})\n")
    return environment / "bin" / "python"


class Output:
    """The output of a background command, gathered by a thread."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.text = ""
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def done(self) -> None:
        """After the process ended: the rest of its output, and its pipe closed."""
        self._reader.join(timeout=10)
        assert self.process.stdout is not None
        self.process.stdout.close()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._lock:
                self.text += line

    def wait_for(self, *words: str, after: int = 0, timeout: float = 120) -> str:
        """The output from AFTER on, once it holds every one of WORDS."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                text = self.text[after:]
            if all(word in text for word in words):
                return text
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"expected {words} in the output:\n{self.text}")


class Watching:
    """`COMMAND` started in the background without a terminal; stopped with Ctrl+C."""

    def __init__(self, command: str, cwd: Path) -> None:
        self.process = subprocess.Popen(
            command,
            shell=True,
            cwd=cwd,
            env=environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.output = Output(self.process)

    def __enter__(self) -> Output:
        return self.output

    def __exit__(self, *exc_info: object) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.output.done()
