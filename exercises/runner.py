"""A pre-warmed process that starts the API exercises' sandboxed commands by forking.

Grading an API submission starts `python -I -m uvicorn ...` (the app) and, in exercise 04,
`python -I -m alembic ...` four or five times; each fresh interpreter spends most of its
time importing the same libraries (0.3 to 0.4 s of CPU for Alembic and SQLAlchemy). A
grading worker therefore keeps one runner: a process started with `python -I` from a
string (it knows nothing of the repository, as the unit exercise's zygote) that imported
uvicorn, FastAPI, Pydantic, SQLAlchemy and Alembic once and froze its heap. To run a
command, the worker sends it (module, arguments, folder, environment, the sandbox's
configuration) with the descriptors the command gets (its output pipe, the app's
listening socket) over a Unix socket; the runner forks, and the child confines itself
exactly as the launcher would (confine.enter: limits, seccomp, user, namespaces), then
runs the module as `python -I -m` does. The runner reports each child's end; the worker
sees the child as a `subprocess.Popen`-like `ForkedProcess`.

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

_RUNNER = r"""
import array, atexit, fcntl, gc, importlib, json, os, runpy, select, signal, socket, sys, traceback

# What the API exercises' commands import, once: every command forks from here.
for name in (
    "asyncio", "logging.config", "email.utils", "json", "sqlite3",
    "uvicorn", "uvicorn.main", "uvicorn.config", "uvicorn.server", "uvicorn.importer",
    "uvicorn.lifespan.on", "uvicorn.loops.auto", "uvicorn.loops.asyncio",
    "uvicorn.protocols.http.auto", "uvicorn.protocols.http.h11_impl",
    "uvicorn.protocols.websockets.auto", "uvicorn.middleware.proxy_headers",
    "fastapi", "fastapi.routing", "fastapi.responses", "fastapi.exceptions",
    "starlette.routing", "starlette.middleware", "pydantic", "email_validator",
    "sqlalchemy", "sqlalchemy.orm", "sqlalchemy.pool", "sqlalchemy.dialects.sqlite",
    "sqlalchemy.ext.declarative",
    "alembic", "alembic.config", "alembic.command", "alembic.op", "alembic.context",
    "alembic.runtime.migration", "alembic.runtime.environment", "alembic.script",
    "alembic.autogenerate", "alembic.ddl.sqlite",
):
    try:
        importlib.import_module(name)
    except Exception:
        pass

def receive(control):
    fds = array.array("i")
    data, ancillary, _, _ = control.recvmsg(1 << 20, socket.CMSG_SPACE(16 * fds.itemsize))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    return data, list(fds)

def child(job, fds):
    # The command's descriptors first: output on 1 and 2, nothing on 0, the others (a
    # listening socket) at the numbers its arguments name; then nothing else is open.
    os.setsid()
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    out, extra = fds[0], dict(zip(fds[1:], job["fds"]))
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    moved = {}
    above = max([*fds, *job["fds"]]) + 1  # within RLIMIT_NOFILE, which may be 1024
    for fd, target in extra.items():
        # Above every target first, so that no dup2 below clobbers one not yet moved.
        moved[fcntl.fcntl(fd, fcntl.F_DUPFD, above)] = target
    for fd, target in moved.items():
        os.dup2(fd, target)
    keep = sorted(set(moved.values()))
    low = 3
    for fd in keep:
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 65536)
    for fd in keep:
        os.set_inheritable(fd, True)
    try:
        enter(job["sandbox"])
    except Exception as error:
        os.write(2, f"The grader could not confine this process: {error}\n".encode())
        os._exit(SANDBOX_FAILED)
    # As a fresh interpreter does: a write past the file size limit fails (EFBIG), it does
    # not kill the command.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    os.chdir(job["cwd"])
    os.environ.clear()
    os.environ.update(job["env"])
    sys.stdin = open(0, closefd=False)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
    sys.stderr = open(
        2, "w", encoding="utf-8", errors="backslashreplace", buffering=1, closefd=False
    )
    sys.argv = [job["module"], *job["args"]]
    code = 0
    try:
        runpy.run_module(job["module"], run_name="__main__", alter_sys=True)
    except SystemExit as end:
        if end.code is None:
            code = 0
        elif isinstance(end.code, int):
            code = end.code & 0xFF
        else:
            print(end.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    try:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)

def main():
    die_with(int(sys.argv[2]))  # the worker that started the runner
    control = socket.socket(fileno=int(sys.argv[1]))
    wake, woken = os.pipe()
    os.set_blocking(woken, False)
    signal.set_wakeup_fd(woken)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    gc.collect()
    gc.freeze()

    def send(message):
        try:
            control.send(json.dumps(message).encode())
        except OSError:
            os._exit(0)

    def reap():
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            send({"ended": pid, "code": os.waitstatus_to_exitcode(status)})

    while True:
        try:
            ready, _, _ = select.select([control, wake], [], [])
        except InterruptedError:
            continue
        if wake in ready:
            os.read(wake, 4096)
        if control in ready:
            data, fds = receive(control)
            if not data:
                os._exit(0)  # the worker is gone
            job = json.loads(data)
            pid = os.fork()
            if pid == 0:
                try:
                    child(job, fds)
                except BaseException:
                    traceback.print_exc()  # on the command's output, for the grader to show
                finally:
                    os._exit(70)
            for fd in fds:
                os.close(fd)
            send({"started": pid})
        reap()

main()
"""


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
                confine_source + _RUNNER,
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
