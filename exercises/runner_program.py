"""The runner of a grading worker: it forks the API exercises' sandboxed commands (runner.py).

Never imported: runner.py starts it with `python -I -c`, the text of confine.py followed by
this file's, so that it knows nothing of the repository (confine's names, `enter`,
`die_with` and the rest, are defined by the text before this one; the import below under
TYPE_CHECKING only tells ruff and mypy where they come from). Hence no
`from __future__ import annotations` here: it may only open a file, and this text follows
confine.py's.

It imports what the commands import once (PRELOADED) and freezes its heap; then, for each
command the worker sends over the Unix socket (argv[1]), it forks a child that confines
itself (confine.enter) and runs the command's module. It reports each child's start and end
on the same socket. argv[2]: the pid of the worker (the runner dies with it).
"""

import array
import atexit
import contextlib
import fcntl
import gc
import importlib
import json
import os
import runpy
import select
import signal
import socket
import sys
import traceback
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exercises.confine import SANDBOX_FAILED, close_fds_except, die_with, enter

# What the API exercises' commands import, once: every command forks from here.
PRELOADED = (
    "asyncio",
    "logging.config",
    "email.utils",
    "json",
    "sqlite3",
    "uvicorn",
    "uvicorn.main",
    "uvicorn.config",
    "uvicorn.server",
    "uvicorn.importer",
    "uvicorn.lifespan.on",
    "uvicorn.loops.auto",
    "uvicorn.loops.asyncio",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.http.h11_impl",
    "uvicorn.protocols.websockets.auto",
    "uvicorn.middleware.proxy_headers",
    "fastapi",
    "fastapi.routing",
    "fastapi.responses",
    "fastapi.exceptions",
    "starlette.routing",
    "starlette.middleware",
    "pydantic",
    "email_validator",
    "sqlalchemy",
    "sqlalchemy.orm",
    "sqlalchemy.pool",
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.ext.declarative",
    "alembic",
    "alembic.config",
    "alembic.command",
    "alembic.op",
    "alembic.context",
    "alembic.runtime.migration",
    "alembic.runtime.environment",
    "alembic.script",
    "alembic.autogenerate",
    "alembic.ddl.sqlite",
)


def preload() -> None:
    """Import every module of PRELOADED that is there."""
    for name in PRELOADED:
        with contextlib.suppress(Exception):
            importlib.import_module(name)


def receive(control: socket.socket) -> tuple[bytes, list[int]]:
    """One message of the worker and the descriptors that came with it."""
    fds = array.array("i")
    data, ancillary, _, _ = control.recvmsg(1 << 20, socket.CMSG_SPACE(16 * fds.itemsize))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    return data, list(fds)


def child(job: dict[str, Any], fds: list[int]) -> None:
    """In the forked child: take the command's descriptors, confine this process, then run
    the command's module as `python -I -m` does; never returns."""
    # The command's descriptors first: output on 1 and 2, nothing on 0, the others (a
    # listening socket) at the numbers its arguments name; then nothing else is open.
    os.setsid()
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    out, extra = fds[0], dict(zip(fds[1:], job["fds"], strict=False))
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    moved: dict[int, int] = {}
    above = max([*fds, *job["fds"]]) + 1  # within RLIMIT_NOFILE, which may be 1024
    for fd, target in extra.items():
        # Above every target first, so that no dup2 below clobbers one not yet moved.
        moved[fcntl.fcntl(fd, fcntl.F_DUPFD, above)] = target
    for fd, target in moved.items():
        os.dup2(fd, target)
    keep = sorted(set(moved.values()))
    close_fds_except(*keep)
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
    # The command's own streams, open until it ends.
    sys.stdin = open(0, closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(  # noqa: SIM115
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


def main() -> None:
    """Fork one child per command the worker sends; report each start and each end."""
    die_with(int(sys.argv[2]))  # the worker that started the runner
    control = socket.socket(fileno=int(sys.argv[1]))
    wake, woken = os.pipe()
    os.set_blocking(woken, False)
    signal.set_wakeup_fd(woken)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    gc.collect()
    gc.freeze()

    def send(message: dict[str, int]) -> None:
        try:
            control.send(json.dumps(message).encode())
        except OSError:
            os._exit(0)

    def reap() -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            send({"ended": pid, "code": os.waitstatus_to_exitcode(status)})

    watched: list[socket.socket | int] = [control, wake]
    while True:
        try:
            ready, _, _ = select.select(watched, [], [])
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


if __name__ == "__main__":
    preload()
    main()
