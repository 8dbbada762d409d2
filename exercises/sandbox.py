"""Running a submission's code apart from the grader, and apart from every other run.

This module is the one place that decides how a learner process is launched and confined
(`spawn`, `confinement`, `_launch`; the unit exercise's zygote takes its configuration from
`confinement` too). Every piece of learner code runs in a child process that

* starts in a fresh temporary folder holding only the files the exercise asks for (copied
  by files.py: no link followed, the copies given to the sandbox user), with an empty
  environment apart from a few harmless variables;
* runs with `python -I` (no user site-packages, no PYTHON* variables, no current folder on
  sys.path), so a sitecustomize.py, a .pth file or a conftest.py in the submission is inert;
* is confined by confine.py before its command starts (`Limits`): address space, CPU time,
  processes and threads, file size and open files limited, no core dumps, no kernel
  keyrings, no AF_UNIX sockets, a parent-death signal and, when the grader runs as root,
  a user of its own: each grading worker claims an unused uid (`claim_user`), so that
  RLIMIT_NPROC counts one submission's processes only, and every process of that uid is
  killed when a submission's grading ends;
* wherever bubblewrap works (as root, or as any user where user namespaces are allowed), or
  as root with the grader's own namespace code, lives in namespaces of its own
  (`isolation()` decides which, once; `bwrap_box` says bubblewrap's options): private
  /tmp, /var/tmp, /dev/shm and /run/lock, the grader's own folders covered (the
  repository, the hidden tests, the scratch folder of every grading), every
  other mount read-only, only its own folder and processes in sight, the machine's load
  and memory figures hidden, its own loopback network, and every process it started killed
  when it ends. So two runs (of one submission, or of two submissions graded at once) can
  neither leave nor read anything for each other;
* lives in its own session, so the whole process group is killed at the deadline;
* writes only in its submission's private area (`submission_area`): as root, a tmpfs of
  `scratch_mb` in the worker's own mount namespace, unmounted (everything in it freed at
  once, however deep) when the grading ends.

Where neither is available (not root and no bubblewrap, or a container that allows neither), runs
share the machine's writable folders and a process a run starts can outlive it:
`isolation_note()` says so, and the grader prints it once per batch.

Its output goes through a pipe that the grader drains, keeping only the first bytes.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import math
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exercises import confine, files, runner
from exercises.spec import EXERCISES_DIR, Exercise

# A child process of the sandbox: started by exec, or forked by the worker's runner.
Child = subprocess.Popen[bytes] | runner.ForkedProcess

# The code that confines a child, as text: the launcher and the zygote run it, with `-I`
# and from a string, so they import nothing of the repository.
CONFINE_SOURCE = Path(confine.__file__).read_text(encoding="utf-8")
# Confines itself (as root: namespaces, then the user), then becomes the real command.
_LAUNCHER = (
    CONFINE_SOURCE
    + """
import json, sys
try:
    enter(json.loads(sys.argv[1]))
except Exception as error:
    os.write(2, f"The grader could not confine this process: {error}\\n".encode())
    os._exit(SANDBOX_FAILED)
os.execv(sys.argv[2], sys.argv[2:])
"""
)
# Places every program expects to be writable: each run gets its own, empty (tmpfs).
SHARED_PLACES = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
PRIVATE_TMPFS_MB = 64
# The uids the grading workers run submissions as (one each, claimed with a lock file so
# that two graders on one machine never share one), unless GRADER_UID_BASE says otherwise.
UID_BASE = 2_147_000_000
UID_COUNT = 1000


def _nobody() -> tuple[int, int] | None:
    """(uid, gid) of `nobody` when the grader runs as root (and GRADER_KEEP_USER is unset)."""
    if os.geteuid() != 0 or os.environ.get("GRADER_KEEP_USER"):
        return None
    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


_CLAIMED: list[tuple[int, int]] = []
_LOCKS: list[int] = []  # the descriptors that hold the claims, open until the process ends


def _lock_folder() -> Path:
    for base in ("/run/lock", tempfile.gettempdir()):
        folder = Path(base) / "items-api-grader"
        with contextlib.suppress(OSError):
            folder.mkdir(mode=0o700, exist_ok=True)
            if folder.is_dir() and not folder.is_symlink() and folder.stat().st_uid == 0:
                folder.chmod(0o700)
                return folder
    raise OSError("no folder for the grader's lock files")


def claim_user() -> tuple[int, int] | None:
    """Claim a uid no one else uses for this process's runs (root only; None otherwise, or
    with GRADER_KEEP_USER=1): held until the process ends, its leftovers killed first."""
    if _CLAIMED:
        return _CLAIMED[0]
    if os.geteuid() != 0 or os.environ.get("GRADER_KEEP_USER"):
        return None
    base = int(os.environ.get("GRADER_UID_BASE", UID_BASE))
    folder = _lock_folder()
    for uid in range(base, base + UID_COUNT):
        with contextlib.suppress(KeyError):
            pwd.getpwuid(uid)
            continue  # a real user
        fd = os.open(folder / f"uid-{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        _LOCKS.append(fd)
        confine.kill_user(uid)  # what a grader that crashed with this uid left running
        _CLAIMED.append((uid, uid))
        sandbox_user.cache_clear()
        return uid, uid
    return None


def release_user(uid: int) -> None:
    """Kill what UID still runs, unless another grader holds it now (after the batch)."""
    try:
        fd = os.open(_lock_folder() / f"uid-{uid}.lock", os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        confine.kill_user(uid)
    except BlockingIOError:
        pass
    finally:
        os.close(fd)


@functools.cache
def sandbox_user() -> tuple[int, int] | None:
    """(uid, gid) runs take when the grader runs as root: the uid this worker claimed
    (`claim_user`), else `nobody`; None when not root (stay as we are).

    In namespaces, the runs can always reach the interpreter (see `interpreter_reveal`).
    Without them, None as well when that user cannot run this Python (an interpreter under
    /root, say), or when GRADER_KEEP_USER=1 is set.
    """
    user = _CLAIMED[0] if _CLAIMED else _nobody()
    if user is None or isolation().isolated:
        return user
    try:
        probe = subprocess.run(
            [sys.executable, "-I", "-c", "import uvicorn, pytest"],
            user=user[0],
            group=user[1],
            extra_groups=[],
            cwd="/",
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return user if probe.returncode == 0 else None


def scratch_dir() -> str | None:
    """Where grading folders go: GRADER_SCRATCH, else /dev/shm (memory) when usable.

    In memory, the SQLite commits of an app under test cost no disk flushes.
    """
    chosen = os.environ.get("GRADER_SCRATCH")
    if chosen:
        return chosen
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


def child_environment(home: Path) -> dict[str, str]:
    """The whole environment a child gets: nothing of the grader's leaks in."""
    return {
        "PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(home),
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "NO_COLOR": "1",
    }


def scratch_root() -> Path:
    """The folder holding every grading folder (each submission's, the unit variants')."""
    return Path(scratch_dir() or tempfile.gettempdir()).resolve()


def grader_folders() -> list[Path]:
    """The grader's own folders, which a run must not read: this package (with every
    exercise's hidden tests and solution) and the repository holding it."""
    folders = [EXERCISES_DIR.resolve()]
    repository = folders[0].parent
    if repository != Path("/") and (repository / "pyproject.toml").is_file():
        folders.append(repository)
    return folders


def cover_places() -> list[tuple[str, int, str]]:
    """(folder, tmpfs megabytes, mode) a run gets fresh and empty: the shared writable
    places, the scratch root (which holds the other gradings and the hidden tests' copy)
    and the grader's folders (read-only for the run; the Python in use is bound back if
    it lies inside, see `interpreter_reveal`), outermost first, none inside another."""
    places: list[tuple[str, int, str]] = []
    writable = [Path(place).resolve() for place in SHARED_PLACES] + [scratch_root()]
    candidates = {place: (PRIVATE_TMPFS_MB, "1777") for place in writable}
    for folder in grader_folders():
        candidates.setdefault(folder, (1, "755"))
    for place in sorted(candidates, key=lambda path: len(path.parts)):
        covered = any(place.is_relative_to(Path(outer)) for outer, _, _ in places)
        if place.is_dir() and not covered:
            places.append((str(place), *candidates[place]))
    return places


@functools.cache
def interpreter_reveal() -> tuple[list[tuple[str, int, str]], list[str]]:
    """(folders to cover, installation folders to bind back read-only) so that the run's user
    reaches this Python in a namespace even when a folder on the way is closed to it
    (pyenv under /root, mode 0700): the closed folder is covered with an empty one, open
    to all, holding only the installation. The rest of the closed folder stays hidden.

    An installation inside a place every run gets fresh (a clone of the course under /tmp,
    with its .venv) is bound back read-only too: the fresh tmpfs would hide it."""
    hidden = [Path(place) for place, _, _ in cover_places()]
    installs: list[Path] = []
    for name in ("base_prefix", "prefix", "base_exec_prefix", "exec_prefix"):
        installs.append(Path(getattr(sys, name)).resolve())
    installs.append(Path(sys.executable).resolve().parent)
    covers: list[tuple[str, int, str]] = []
    reveal: list[str] = []
    for install in sorted(set(installs), key=lambda path: len(path.parts)):
        if any(install.is_relative_to(Path(done)) for done in reveal):
            continue
        under_a_fresh_place = any(install.is_relative_to(place) for place in hidden)
        # Inside a fresh place the folders on the way are re-created open (0755); closed
        # folders matter only above it.
        closed = [
            folder
            for folder in reversed(install.parents)
            if folder != Path("/")
            and not any(folder.is_relative_to(place) for place in hidden)
            and not os.stat(folder).st_mode & stat.S_IXOTH
        ]
        if closed and not any(closed[0] == Path(folder) for folder, _, _ in covers):
            covers.append((str(closed[0]), 1, "755"))
        if closed or under_a_fresh_place:
            reveal.append(str(install))
    return covers, reveal


# How runs are isolated: bubblewrap wherever it works, else (as root) the namespace code of
# confine.py, else not at all (warned). GRADER_SANDBOX names one of them to use it only.
MODES = ("bwrap", "namespaces", "none")
BWRAP = shutil.which("bwrap") or "/usr/bin/bwrap"
# Devices a run may open (the rest of /dev is read-only and opens no device).
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty")


@dataclass(frozen=True)
class Isolation:
    """How runs are kept apart: MODE is `bwrap` (bubblewrap builds each run's sandbox),
    `namespaces` (confine.py builds it, as root) or `none`; REASON says why not better."""

    mode: str
    reason: str = ""

    @property
    def isolated(self) -> bool:
        """True when every run gets namespaces and private writable places of its own."""
        return self.mode != "none"

    def describe(self) -> str:
        """One line for the grader's output and report.html."""
        if self.mode == "bwrap":
            user = (
                "as root, each run as a user of its own"
                if os.geteuid() == 0
                else (f"as {_user_name()}, in a user namespace, with no capability")
            )
            return f"Runs isolated by bubblewrap ({BWRAP}), {user}."
        if self.mode == "namespaces":
            return (
                "Runs isolated by the grader's own namespaces (as root, each run as a user of "
                f"its own; bubblewrap: {self.reason})."
            )
        return f"Runs NOT isolated ({self.reason})."


def _user_name() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid {os.geteuid()}"


def _probe(mode: str) -> str | None:
    """Run a small check in a sandbox of MODE; None when it worked, else why not."""
    user = _nobody()
    if os.geteuid() == 0 and user is None:
        return "the grader runs as root and GRADER_KEEP_USER is set, or there is no nobody"
    with tempfile.TemporaryDirectory(prefix="grader-probe-", dir=scratch_dir()) as folder:
        probe = Path(folder)
        probe.chmod(0o755)
        if user is not None:
            os.chown(probe, *user)
        config = confinement(probe, PROBE_LIMITS, user, mode=mode)
        # Cheap but telling: the standard library and the installed packages are readable,
        # the run is among the first processes of a PID namespace and holds no capability.
        check = (
            "import os, sysconfig; assert os.getpid() <= 2, os.getpid(); "
            "[os.listdir(sysconfig.get_path(name)) for name in ('stdlib', 'purelib')]; "
            "status = open('/proc/self/status').read(); "
            "assert int(status.split('CapEff:')[1].split()[0], 16) == 0, 'capabilities'; "
            "open('probe', 'w').close()"
        )
        try:
            done = subprocess.run(
                [*_launch(config), sys.executable, "-I", "-c", check],
                cwd=probe,
                env=child_environment(probe),
                capture_output=True,
                timeout=30,
                check=False,
                start_new_session=True,
            )
        except (OSError, subprocess.SubprocessError) as error:
            return f"the probe failed: {error}"
        if done.returncode != 0 or not (probe / "probe").is_file():
            why = (done.stdout + done.stderr).decode("utf-8", "replace").strip().splitlines()
            return why[-1] if why else f"the probe exited {done.returncode}"
    return None


@functools.cache
def isolation() -> Isolation:
    """Decide once, by probing, how runs are isolated (the one place that does).

    bubblewrap first, wherever it is installed and works (as root, or as any user where the
    kernel allows user namespaces); else, as root, the namespace code of confine.py (a
    kernel and container that allow unshare() and mount()); else none, with a warning.
    GRADER_SANDBOX=bwrap, namespaces or none tries that mode only; GRADER_NO_NAMESPACES=1
    is GRADER_SANDBOX=none (to try the fallback).
    """
    if os.environ.get("GRADER_NO_NAMESPACES"):
        return Isolation("none", "GRADER_NO_NAMESPACES is set")
    forced = os.environ.get("GRADER_SANDBOX", "")
    if forced and forced not in MODES:
        return Isolation("none", f"GRADER_SANDBOX={forced} is none of {', '.join(MODES)}")
    if forced == "none":
        return Isolation("none", "GRADER_SANDBOX=none is set")
    reasons = []
    if forced in ("", "bwrap"):
        if not os.access(BWRAP, os.X_OK):
            reasons.append("bubblewrap is not installed (apt-get install bubblewrap)")
        elif (why := _probe("bwrap")) is None:
            return Isolation("bwrap")
        else:
            reasons.append(f"bubblewrap does not work here: {why}")
    if forced in ("", "namespaces"):
        if os.geteuid() != 0 or os.environ.get("GRADER_KEEP_USER"):
            reasons.append("the grader's own namespaces need root, without GRADER_KEEP_USER")
        elif (why := _probe("namespaces")) is None:
            return Isolation("namespaces", "; ".join(reasons))
        else:
            reasons.append(f"namespaces: {why}")
    return Isolation("none", "; ".join(reasons))


def runs_isolated(user: tuple[int, int] | None) -> bool:
    """Whether runs as USER (see sandbox_user) are isolated: as root, only runs that leave
    root (a process that keeps root could undo its sandbox)."""
    return isolation().isolated and (user is not None or os.geteuid() != 0)


def isolation_note() -> str | None:
    """A warning for the grader's output when runs are not isolated from each other."""
    state = isolation()
    if state.isolated:
        return None
    user = "" if sandbox_user() else " They also run as the grader's own user."
    return (
        f"Runs of learner code are NOT isolated from each other ({state.reason}): they share "
        f"/tmp and the other writable folders, and a process one run starts can outlive it.{user} "
        "Unit exercises still run the reference app first and last and hide the rewrite "
        "among the mutants, which catches tests whose results depend on earlier runs. To "
        "grade untrusted submissions, install bubblewrap (apt-get install bubblewrap) or run "
        "the grader as root where namespaces are allowed (see exercises/README.md)."
    )


@dataclass(frozen=True)
class Limits:
    """What one run of learner code may use: address space (MB), CPU seconds, processes
    and threads of its user, open files, and the largest file it may write (MB)."""

    memory_mb: int
    cpu_seconds: int
    processes: int
    open_files: int
    file_mb: int

    @classmethod
    def of(cls, exercise: Exercise, cpu_seconds: float | None = None) -> Limits:
        """An exercise's limits; CPU_SECONDS defaults to its whole time limit."""
        cpu = cpu_seconds if cpu_seconds is not None else exercise.time_limit
        return cls(
            memory_mb=exercise.memory_mb,
            cpu_seconds=max(1, math.ceil(cpu)),
            processes=exercise.processes,
            open_files=exercise.open_files,
            file_mb=exercise.file_mb,
        )


PROBE_LIMITS = Limits(memory_mb=512, cpu_seconds=30, processes=64, open_files=64, file_mb=1)


def confinement(
    folder: Path,
    limits: Limits,
    user: tuple[int, int] | None,
    *,
    also: Sequence[Path] = (),
    mode: str | None = None,
) -> dict[str, Any]:
    """The configuration confine.enter() gets for a child working in FOLDER (writable).

    ALSO: more folders the child must see, read-only. MODE: one of MODES, None for what
    `isolation()` decided; as root, a child that keeps the grader's own user is never
    isolated (it could undo its sandbox).
    """
    config: dict[str, Any] = {
        "memory": limits.memory_mb * 1024 * 1024,
        "fsize": limits.file_mb * 1024 * 1024,
        "cpu": limits.cpu_seconds,
        "processes": limits.processes,
        # Keeping the grader's own user, the limit counts on top of what it runs already.
        "processes_above_now": user is None,
        "open_files": limits.open_files,
        "uid": user[0] if user else None,
        "gid": user[1] if user else None,
        "isolate": None,
        "bwrap": None,
    }
    if mode is None:
        mode = isolation().mode
    root = os.geteuid() == 0
    if mode == "namespaces" and user is not None:
        covers, reveal = interpreter_reveal()
        keep = [[str(folder), True], *([str(path), False] for path in [*also, *reveal])]
        config["isolate"] = {"keep": keep, "cover": cover_places() + covers}
    elif mode == "bwrap" and (user is not None or not root):
        config["bwrap"] = bwrap_box(folder, also, limits)
    return config


def bwrap_box(folder: Path, also: Sequence[Path], limits: Limits) -> dict[str, Any]:
    """What confine.py hands bubblewrap for a run in FOLDER: the same sandbox as the
    namespace code builds (see confine.py), said as bubblewrap's options."""
    covers, reveal = interpreter_reveal()
    userns = os.geteuid() != 0
    argv = [BWRAP, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    argv += ["--unshare-cgroup-try"]
    # As root the run leaves root for a user of its own; as another user, a user namespace
    # maps that user to itself and the run gives up the capabilities it grants.
    argv += ["--unshare-user"] if userns else ["--cap-drop", "ALL"]
    argv += ["--ro-bind", "/", "/"]  # every mount read-only (and no device opens)...
    for device in DEVICES:
        if os.path.exists(device):
            argv += ["--dev-bind", device, device]  # ...but these
    covered = cover_places() + covers
    for place, megabytes, mode in covered:
        argv += ["--perms", mode.rjust(4, "0"), "--size", str(megabytes << 20), "--tmpfs", place]
    made: set[Path] = set()
    read_only: list[str | Path] = [*also, *reveal]
    binds = [("--ro-bind", Path(path)) for path in read_only] + [("--bind", folder)]
    for option, path in binds:
        # bubblewrap would make the folders on the way closed (0700): make them open first.
        for parent in reversed(path.parents):
            if parent not in made and any(parent.is_relative_to(place) for place, *_ in covered):
                argv += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        argv += [option, str(path), str(path)]
    argv += ["--proc", "/proc"]
    for hidden in ("/proc/pressure", "/sys/fs/cgroup"):
        if os.path.isdir(hidden):
            argv += ["--perms", "0555", "--size", "65536", "--tmpfs", hidden]
            argv += ["--remount-ro", hidden]
    argv += ["--die-with-parent", "--new-session", "--as-pid-1"]
    kilobytes = limits.memory_mb * 1024
    data = {
        f"/proc/{name}": text.format(kb=kilobytes)
        for name, text in confine.MACHINE_FIGURES.items()
        if os.path.exists(f"/proc/{name}")
    }
    return {"argv": argv, "data": data, "userns": userns}


def _launch(config: dict[str, Any]) -> list[str]:
    """The launcher's command line: confine as CONFIG says, then exec what follows."""
    return [sys.executable, "-I", "-S", "-c", _LAUNCHER, json.dumps(config)]


class OutputTap:
    """Drains a child's output pipe in a thread, keeping at most LIMIT bytes."""

    def __init__(self, stream: object, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self._chunks: list[bytes] = []
        self._kept = 0
        self._thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self._thread.start()

    def _drain(self, stream: object) -> None:
        read = stream.read1  # type: ignore[attr-defined]
        while True:
            try:
                chunk: bytes = read(65536)
            except (OSError, ValueError):
                return
            if not chunk:
                return
            self.total += len(chunk)
            if self._kept < self.limit:
                keep = chunk[: self.limit - self._kept]
                self._chunks.append(keep)
                self._kept += len(keep)

    def text(self, wait: float = 1.0) -> str:
        """What was kept so far, decoded, with a note when output was cut."""
        self._thread.join(wait)
        text = b"".join(self._chunks).decode("utf-8", "replace")
        if self.total > self.limit:
            text += f"\n[... output cut: {self.total} bytes printed, {self.limit} kept]"
        return text

    @property
    def overflowed(self) -> bool:
        """True when the child printed more than the limit."""
        return self.total > self.limit


@dataclass
class Finished:
    """How a child process ended."""

    returncode: int | None
    timed_out: bool
    output: str
    overflowed: bool

    def describe(self) -> str:
        """'exited with code 3', 'was killed by SIGKILL', 'ran past its time limit'..."""
        if self.timed_out:
            return "ran past its time limit and was stopped"
        code = self.returncode
        if code is None:
            return "is still running"
        if code < 0:
            name = signal.Signals(-code).name
            if -code in (signal.SIGKILL, signal.SIGSEGV) and "MemoryError" in self.output:
                return f"ran out of memory and was killed ({name})"
            return f"was killed by {name}"
        return f"exited with code {code}"


def kill_group(process: Child) -> None:
    """Kill a child and everything it started in its session (in namespaces: everything)."""
    if process.poll() is None and isolation().isolated:
        # The launcher supervises the run from outside its namespaces: on SIGTERM it kills
        # the namespace's PID 1, and the kernel kills every other process in there, even
        # one that left the session or cleared its parent-death signal.
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=2)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        process.kill()


def run_limited(
    argv: Sequence[str],
    *,
    cwd: Path,
    limits: Limits,
    timeout: float,
    output_limit: int,
    user: tuple[int, int] | None,
) -> Finished:
    """Run ARGV in the sandbox until it ends or TIMEOUT seconds pass; never raises on failure
    (and never leaves the child running, even when interrupted)."""
    process = spawn(argv, cwd=cwd, limits=limits, user=user)
    assert process.stdout is not None
    tap = OutputTap(process.stdout, output_limit)
    timed_out = False
    try:
        process.wait(timeout=max(timeout, 0.1))
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        kill_group(process)
        process.wait()
    return Finished(process.returncode, timed_out, tap.text(), tap.overflowed)


def spawn(
    argv: Sequence[str],
    *,
    cwd: Path,
    limits: Limits,
    user: tuple[int, int] | None,
    pass_fds: Sequence[int] = (),
) -> Child:
    """Start ARGV in the sandbox, working in CWD (limits, own session, clean environment,
    the sandbox user and namespaces: see confinement()).

    A `python -I -m MODULE ...` command is forked by this worker's runner when it has one
    (runner.py: the same confinement, without importing the libraries again); any other,
    or when there is no runner, goes through the launcher and exec."""
    config = confinement(cwd, limits, user)
    environment = child_environment(cwd)
    prewarmed = runner.current()
    if prewarmed is not None and list(argv[:3]) == [sys.executable, "-I", "-m"]:
        forked = prewarmed.spawn(
            argv[3], argv[4:], cwd=cwd, env=environment, sandbox=config, pass_fds=pass_fds
        )
        if forked is not None:
            return forked
    return subprocess.Popen(
        [*_launch(config), *argv],
        cwd=cwd,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        close_fds=True,
        pass_fds=tuple(pass_fds),
    )


class Server:
    """A submission's app served by uvicorn on 127.0.0.1, in the sandbox.

    The grader binds the listening socket itself (port 0: the system picks a free port, so
    parallel gradings never collide) and hands it to uvicorn with --fd.
    """

    def __init__(self, project: Path, *, limits: Limits, output_limit: int, user: object) -> None:
        self.project = project
        self.limits = limits
        self.output_limit = output_limit
        self.user: tuple[int, int] | None = user  # type: ignore[assignment]
        self.process: Child | None = None
        self.tap: OutputTap | None = None
        self.port = 0
        self.starts = 0

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start uvicorn (returns at once; see wait_ready)."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        listener.set_inheritable(True)
        self.port = listener.getsockname()[1]
        argv = [
            sys.executable,
            "-I",
            "-m",
            "uvicorn",
            "app.main:app",
            "--app-dir",
            str(self.project),
            "--fd",
            str(listener.fileno()),
            "--log-level",
            "warning",
            "--no-access-log",
            "--timeout-graceful-shutdown",
            "1",
        ]
        self.process = spawn(
            argv,
            cwd=self.project,
            limits=self.limits,
            user=self.user,
            pass_fds=(listener.fileno(),),
        )
        listener.close()  # only the child listens now: if it dies, connecting fails at once
        assert self.process.stdout is not None
        self.tap = OutputTap(self.process.stdout, self.output_limit)
        self.starts += 1

    @property
    def alive(self) -> bool:
        """True while the server process runs."""
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float, probe: str) -> str | None:
        """Wait until GET PROBE answers (any status); None when ready, else why not.

        The socket listens from the start, so a request simply waits until the app serves
        it; if the app dies first, the system resets the connection at once.
        """
        import httpx

        deadline = time.monotonic() + timeout
        # Only the status line is awaited: the body (which could be endless, or a bomb
        # that inflates to gigabytes) is never read, nor decompressed.
        headers = {"accept-encoding": "identity"}
        with httpx.Client(base_url=self.base_url, headers=headers) as client:
            while time.monotonic() < deadline:
                if not self.alive:
                    return f"The app stopped while starting: it {self.finished().describe()}."
                try:
                    wait = min(1.0, max(deadline - time.monotonic(), 0.01))
                    asked = client.build_request("GET", probe, timeout=wait)
                    client.send(asked, stream=True).close()
                    return None
                except httpx.TimeoutException:
                    continue
                except httpx.TransportError:
                    time.sleep(0.02)
        return f"The app did not answer within {timeout:.0f} s of starting."

    def finished(self) -> Finished:
        """How the server ended (or its state now), with its output so far."""
        assert self.process is not None
        assert self.tap is not None
        return Finished(self.process.poll(), False, self.tap.text(0.2), self.tap.overflowed)

    def output(self) -> str:
        """The server's output kept so far."""
        return self.tap.text(0.2) if self.tap is not None else ""

    def stop(self) -> None:
        """Kill the server and everything it started."""
        if self.process is not None:
            kill_group(self.process)
            self.process.wait()


# --- the grading worker: its private mounts, its submissions' areas, what it leaves ------
_WORKER_MOUNTS: list[bool] = []
_WORKER_AREA: list[Path] = []
# A batch's folder in the scratch root, and the lock file that says its grader lives. (Not
# named grade-*: a run sees the path of its own folder, and nothing there is named like
# another grading.)
BATCH_PREFIX = "items-api-grading-"
BATCH_LOCK = ".lock"


def set_worker_area(folder: Path) -> None:
    """Where this worker keeps its gradings and the unit exercises' app variants."""
    _WORKER_AREA[:] = [folder]


def worker_area() -> Path:
    """This worker's folder (see set_worker_area), else the scratch root."""
    return _WORKER_AREA[0] if _WORKER_AREA else scratch_root()


def enter_worker() -> None:
    """Set up a grading worker (call first, while it has one thread): a uid of its own for
    the runs, the parent of every orphan its runs leave (so they can be swept), and as
    root with namespaces allowed, or wherever bubblewrap works, a mount namespace of its own
    for the submissions' areas."""
    with contextlib.suppress(OSError):
        confine.become_subreaper()
    claim_user()
    # As root, or (for bubblewrap) in a user namespace of the worker's own: its submissions'
    # areas are size-capped tmpfs.
    root = os.geteuid() == 0
    if (root and not os.environ.get("GRADER_NO_NAMESPACES")) or isolation().mode == "bwrap":
        try:
            confine.private_mounts()
            _WORKER_MOUNTS.append(True)
        except OSError:
            pass


@contextlib.contextmanager
def submission_area(megabytes: int) -> Iterator[Path]:
    """A new folder in this worker's folder for one submission's grading, removed
    afterwards whatever it holds. In a worker with its own mounts, a tmpfs of MEGABYTES (and
    a bounded number of files): a run that fills it fills only its own, and unmounting
    frees it all at once."""
    folder = Path(tempfile.mkdtemp(prefix="grade-", dir=worker_area()))
    folder.chmod(0o711)  # runs may pass through, not list it
    mounted = False
    if _WORKER_MOUNTS:
        try:
            confine.mount_tmpfs(str(folder), megabytes, inodes=max(4096, megabytes * 64))
            mounted = True
        except OSError:
            pass
    try:
        yield folder
    finally:
        if mounted:
            with contextlib.suppress(OSError):
                confine.unmount(str(folder))
        files.remove_tree(folder)


@contextlib.contextmanager
def batch_root() -> Iterator[Path]:
    """The folder of one batch in the scratch root (its workers', the hidden tests' copy),
    removed afterwards; held by a lock while the batch runs, so that a later grader can tell
    the folder of a grader that was killed and remove it."""
    scratch = scratch_root()
    for stale in scratch.glob(f"{BATCH_PREFIX}*"):
        _remove_if_abandoned(stale)
    root = Path(tempfile.mkdtemp(prefix=BATCH_PREFIX, dir=scratch))
    root.chmod(0o711)
    lock = os.open(root / BATCH_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        yield root
    finally:
        files.remove_tree(root)
        os.close(lock)


def _remove_if_abandoned(folder: Path) -> None:
    try:
        if folder.is_symlink() or folder.stat().st_uid != os.geteuid():
            return
        lock = os.open(folder / BATCH_LOCK, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # a grader at work
    finally:
        os.close(lock)
    files.remove_tree(folder)


def end_of_submission(keep: frozenset[int] = frozenset()) -> int:
    """Kill every process the submission's runs left: of the claimed uid, and every child
    of this worker but KEEP (its orphans come back here); returns how many."""
    killed = 0
    if _CLAIMED:
        killed += confine.kill_user(_CLAIMED[0][0])
    killed += confine.sweep_children(keep)
    return killed
