"""A pre-warmed process that starts the API exercises' sandboxed commands by forking.

Grading an API submission starts `python -I -m uvicorn ...` (the app) and, in exercise 04,
`python -I -m alembic ...` four or five times; each fresh interpreter spends most of its
time importing the same libraries (0.3 to 0.4 s of CPU for Alembic and SQLAlchemy). A
grading worker therefore keeps one runner: a process started with `python -I` from the
text of confine.py and runner_program.py (it knows nothing of the repository, as the unit
exercise's zygote) that imported uvicorn, FastAPI, Pydantic, SQLAlchemy and Alembic once
and froze its heap. To run a command, the worker sends it (module, arguments, folder,
environment, the sandbox's configuration) with the descriptors the command gets (its
output pipe, the app's listening socket) over a Unix socket; the runner forks, and the
child confines itself exactly as the launcher would (confine.enter: limits, seccomp, user,
namespaces), then runs the module as `python -I -m` does. The runner reports each child's
end; the worker sees the child as a `subprocess.Popen`-like `ForkedProcess`.

No learner code ever runs in the runner: only in the forked children, after they are
confined. sandbox.spawn decides when a command goes through the runner (a `python -I -m
MODULE` command, in a worker that has one) and falls back to the exec launcher otherwise.
"""

from __future__ import annotations

import array
import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

# The runner's program (runner_program.py), run from text after confine.py's: see Runner.
_RUNNER = (Path(__file__).parent / "runner_program.py").read_text(encoding="utf-8")


class ForkedProcess:
    """A command the runner forked, seen as the part of `subprocess.Popen` the sandbox uses:
    pid (also its process group), stdout, returncode, poll, wait, terminate, kill."""

    def __init__(self, runner: Runner, pid: int, stdout: IO[bytes]) -> None:
        self.runner = runner
        self.pid = pid
        self.stdout = stdout
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The exit code if the command ended, else None."""
        if self.returncode is None:
            self.returncode = self.runner.ended.get(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the end (TimeoutExpired after TIMEOUT seconds); the exit code."""
        with self.runner.changed:
            if not self.runner.changed.wait_for(lambda: self.poll() is not None, timeout):
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, number: int) -> None:
        """Send signal NUMBER, unless the command has ended (its pid may be another's)."""
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, number)

    def terminate(self) -> None:
        """SIGTERM (in namespaces the command's supervisor then kills them all)."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL."""
        self.send_signal(signal.SIGKILL)


class Runner:
    """This worker's runner process, and what it said of the commands it started."""

    def __init__(self, confine_source: str, environment: Mapping[str, str]) -> None:
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-I",
                "-c",
                confine_source + "\n" + _RUNNER,
                str(theirs.fileno()),
                str(os.getpid()),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd="/",
            env=dict(environment),
            pass_fds=(theirs.fileno(),),
            start_new_session=True,
        )
        theirs.close()
        self.ended: dict[int, int] = {}
        self.changed = threading.Condition()
        self.started: queue.Queue[int | None] = queue.Queue()
        self.lock = threading.Lock()
        self.alive = True
        threading.Thread(target=self._listen, daemon=True).start()

    def _listen(self) -> None:
        while True:
            try:
                data = self.control.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            message: dict[str, Any] = json.loads(data)
            if "started" in message:
                self.started.put(int(message["started"]))
            else:
                with self.changed:
                    self.ended[int(message["ended"])] = int(message["code"])
                    self.changed.notify_all()
        # The runner is gone, and its children with it (their parent-death signal).
        self.alive = False
        self.started.put(None)
        with self.changed:
            self.changed.notify_all()

    def spawn(
        self,
        module: str,
        args: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        sandbox: dict[str, Any],
        pass_fds: Sequence[int] = (),
    ) -> ForkedProcess | None:
        """Start `python -I -m MODULE ARGS` confined by SANDBOX, with PASS_FDS open at the
        same numbers; None when the runner is gone (start the command another way)."""
        if not self.alive:
            return None
        read, write = os.pipe()
        job = {
            "module": module,
            "args": list(args),
            "cwd": str(cwd),
            "env": dict(env),
            "sandbox": sandbox,
            "fds": list(pass_fds),
        }
        fds = array.array("i", [write, *pass_fds])
        with self.lock:
            try:
                self.control.sendmsg(
                    [json.dumps(job).encode()], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)]
                )
            except OSError:
                os.close(read)
                os.close(write)
                return None
            os.close(write)
            try:
                pid = self.started.get(timeout=30)
            except queue.Empty:
                pid = None
        if pid is None:
            os.close(read)
            return None
        return ForkedProcess(self, pid, os.fdopen(read, "rb"))

    def close(self) -> None:
        """Stop the runner (its commands die with it)."""
        with contextlib.suppress(OSError):
            self.control.close()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.kill()
        self.process.wait()


_RUNNERS: list[Runner] = []


def start(confine_source: str, environment: Mapping[str, str]) -> None:
    """Start this worker's runner (once)."""
    if not _RUNNERS and not os.environ.get("GRADER_NO_RUNNER"):
        _RUNNERS.append(Runner(confine_source, environment))


def current() -> Runner | None:
    """This worker's runner, if it has one that still runs."""
    return _RUNNERS[0] if _RUNNERS and _RUNNERS[0].alive else None


def pids() -> frozenset[int]:
    """The runner's pid, if it runs (a process of the worker that serves every submission)."""
    runner = current()
    return frozenset({runner.process.pid}) if runner is not None else frozenset()


def stop() -> None:
    """Stop this worker's runner."""
    while _RUNNERS:
        _RUNNERS.pop().close()
