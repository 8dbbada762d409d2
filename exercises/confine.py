"""Confining one child process: the code that runs inside it, before any learner code.

This module imports nothing of the repository and is never imported by the child: its text
is handed over, at the top of the launcher (sandbox.py, `python -I -S -c`) and of the
zygote (zygote.py, started by unitrun.py), and `enter(config)` is called there. CONFIG
(JSON-able) says:

* `memory`: the address-space limit in bytes; `fsize`: the largest file in bytes, or None;
  `cpu`: seconds of CPU time, or None; `processes`: the most processes and threads the
  user may have, or None; `processes_above_now`: True when `processes` counts on top of
  the tasks the user already has (a run that keeps the grader's own user); `open_files`:
  the most file descriptors, or None;
* `uid`, `gid`: the user to become (None: stay as we are);
* `isolate`: None, or the namespaces to build, as `{"keep": [[path, writable], ...],
  "cover": [[path, megabytes, octal mode], ...]}`;
* `bwrap`: None, or the sandbox bubblewrap builds, as `{"argv": [bwrap, options...],
  "data": {path: text}, "userns": bool}` (see "With `bwrap`" below);
* `deadline`: a time.monotonic() value after which the run is killed, or None.

With `isolate` (root only), the process gets new mount, PID, IPC and network namespaces,
and forks: the caller stays outside as the run's supervisor and the child, PID 1 of the new
namespace, returns from `enter`. In there:

* every mount is read-only, except fresh, size-limited tmpfs on each `cover` path (/tmp,
  /var/tmp, /dev/shm, /run/lock and the grader's scratch folder) and the `keep` folders,
  bound at their own paths: nothing a run writes outlives it, and nothing another run
  wrote or is writing can be seen;
* /proc is the namespace's own: no other process of the machine can be seen, signalled or
  traced;
* SysV IPC, POSIX message queues, abstract Unix sockets and the loopback interface (with
  its ports, even ports in TIME_WAIT) are private;
* when PID 1 ends, the kernel kills every process left in the namespace: a daemon cannot
  outlive its run. The supervisor kills PID 1 at the deadline, or when it gets SIGTERM;
* the machine's figures are hidden where the kernel lets a mount cover them: /proc's
  loadavg, stat, meminfo, vmstat and the like read as a machine of their own (so the load
  and the memory other gradings use say nothing), and /sys/fs/cgroup is empty.

With `bwrap` (root, or any user where the kernel allows user namespaces), bubblewrap builds
the run's sandbox (the same mounts, namespaces and figures as above, described by sandbox.py)
around a placeholder, `cat` as the namespace's PID 1 under the same seccomp filter; this
process joins its namespaces (setns) and forks, as above: the caller stays outside as the
run's supervisor and the child returns from `enter` inside, with no capability left. So the
pre-warmed runner and zygote keep forking runs that imported nothing again, and bubblewrap
still sets up every run. When the supervisor ends, bubblewrap and its placeholder die with
it (`--die-with-parent`), and with PID 1 the kernel kills every process left in there.

Always: no core dumps, the limits, the user, a parent-death signal (the run dies with the
process that started it), and a seccomp filter that refuses the kernel keyring calls (the
keyring of a user outlives its processes and no namespace here separates it: it would be a
channel between runs), creating AF_UNIX sockets (a file-system socket of the machine is
reachable through a read-only mount; socketpair(), which asyncio needs, still works) and
io_uring (which could create sockets behind the filter's back).
"""

from __future__ import annotations

import codecs
import contextlib
import ctypes
import errno
import fcntl
import json
import os
import resource
import select
import signal
import socket
import struct
import time
from collections.abc import Iterable, Iterator
from typing import Any, NoReturn

# Exit status of a child whose confinement could not be set up (never learner code).
SANDBOX_FAILED = 125

_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWPID = 0x20000000
_CLONE_NEWNET = 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_NOATIME, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 1024, 4096, 16384, 1 << 18
_KEPT_FLAGS = {"nosuid": _MS_NOSUID, "nodev": _MS_NODEV, "noexec": _MS_NOEXEC}
_KEPT_FLAGS["noatime"] = _MS_NOATIME
_PR_SET_PDEATHSIG, _PR_SET_SECCOMP, _PR_SET_NO_NEW_PRIVS = 1, 22, 38
_SIOCSIFFLAGS, _IFF_UP, _IFF_LOOPBACK, _IFF_RUNNING = 0x8914, 0x1, 0x8, 0x40

_PR_SET_CHILD_SUBREAPER = 36
_MNT_DETACH = 2

# seccomp, by machine: the audit architecture, the calls refused outright (add_key,
# request_key, keyctl, io_uring_setup, io_uring_enter, io_uring_register) and socket().
_SYSCALLS = {
    "x86_64": (0xC000003E, (248, 249, 250, 425, 426, 427), 41),
    "aarch64": (0xC00000B7, (217, 218, 219, 425, 426, 427), 198),
}
_BPF_LD_W_ABS, _BPF_JEQ_K, _BPF_JGE_K, _BPF_RET_K = 0x20, 0x15, 0x35, 0x06
_SECCOMP_RET_ALLOW, _SECCOMP_RET_ERRNO = 0x7FFF0000, 0x00050000
_X32_SYSCALL_BIT = 0x40000000
_SECCOMP_ARG0 = 16  # offset of the low half of the first argument in struct seccomp_data
_AF_UNIX = 1

# What a run reads instead of the machine's figures (see _hide_machine_figures).
MACHINE_FIGURES = {
    "loadavg": "0.00 0.00 0.00 1/1 1\n",
    "stat": "cpu  0 0 0 0 0 0 0 0 0 0\nintr 0\nctxt 0\nbtime 0\nprocesses 1\n"
    "procs_running 1\nprocs_blocked 0\nsoftirq 0\n",
    "meminfo": "MemTotal: {kb} kB\nMemFree: {kb} kB\nMemAvailable: {kb} kB\n"
    "Buffers: 0 kB\nCached: 0 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n",
    "vmstat": "",
    "schedstat": "",
    "diskstats": "",
    "locks": "",
    "key-users": "",
    "uptime": "0.00 0.00\n",
}
_HIDDEN_PROC_FOLDERS = ("pressure",)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


_LIBC: list[ctypes.CDLL] = []


def _libc() -> ctypes.CDLL:
    if not _LIBC:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
        _LIBC.append(libc)
    return _LIBC[0]


def _check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def _mount(source: str | None, target: str, kind: str | None, flags: int, data: str = "") -> None:
    def raw(text: str | None) -> bytes | None:
        return None if text is None else os.fsencode(text)

    _check(_libc().mount(raw(source), raw(target), raw(kind), flags, raw(data or None)), target)


def _mount_points() -> list[tuple[str, int]]:
    """(mount point, flags to keep) of every mount this process sees."""
    points = []
    with open("/proc/self/mountinfo", "rb") as table:
        for line in table:
            fields = line.split()
            # mountinfo escapes spaces and the like as \\040: decode them, keep other bytes.
            point = os.fsdecode(codecs.escape_decode(fields[4])[0])
            options = fields[5].decode().split(",")
            points.append((point, sum(_KEPT_FLAGS.get(option, 0) for option in options)))
    return points


def _die_with_parent(alive: int) -> None:
    """Be killed when the supervisor dies, even if it already did (ALIVE reads EOF then)."""
    _check(_libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")
    if select.select([alive], [], [], 0)[0]:
        os._exit(SANDBOX_FAILED)


def die_with(parent: int) -> None:
    """Be killed when the process PARENT (our parent now) ends; end now if it already has."""
    _check(_libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")
    if os.getppid() != parent:
        os._exit(SANDBOX_FAILED)


def become_subreaper() -> None:
    """Adopt every orphan of our descendants, so that sweep_children() can find them (a
    daemon that double-forks is reparented here, not to the machine's init)."""
    _check(_libc().prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "prctl")


def _children() -> set[int]:
    found: set[int] = set()
    for task in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError), open(f"/proc/self/task/{task}/children") as listed:
            found.update(int(pid) for pid in listed.read().split())
    return found


def _kill_each(pids: Iterable[int]) -> int:
    """Send SIGKILL to each of PIDS; returns to how many it could be sent."""
    killed = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
            killed += 1
    return killed


def sweep_children(keep: frozenset[int] = frozenset()) -> int:
    """Kill and reap every child of this process except KEEP, again until none is left
    (their orphans come back to a subreaper); returns how many were killed."""
    killed = 0
    for _ in range(10_000):
        strays = _children() - keep
        if not strays:
            break
        killed += _kill_each(strays)
        for pid in strays:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    return killed


def _tasks() -> Iterator[tuple[int, int, int, bool]]:
    """(pid, real uid, threads, whether it is a zombie) of every process in sight."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        with contextlib.suppress(OSError, KeyError, ValueError):
            with open(f"/proc/{name}/status", "rb") as status:
                lines = status.read().splitlines()
            fields = dict(line.split(b":", 1) for line in lines if b":" in line)
            zombie = fields[b"State"].strip().startswith(b"Z")
            yield int(name), int(fields[b"Uid"].split()[0]), int(fields[b"Threads"]), zombie


def kill_user(uid: int) -> int:
    """Kill every living process of the user UID (root only), again until none is left;
    returns how many were killed. A process that forks meanwhile is found next time."""
    killed = 0
    for _ in range(1000):
        pids = [pid for pid, owner, _, zombie in _tasks() if owner == uid and not zombie]
        if not pids:
            break
        killed += _kill_each(pids)
        time.sleep(0.001)
    return killed


def tasks_of(uid: int) -> int:
    """How many processes and threads the user UID has now (what RLIMIT_NPROC counts)."""
    return sum(threads for _, owner, threads, _ in _tasks() if owner == uid)


def private_mounts() -> None:
    """Give this process (and what it starts) a mount namespace of its own, private: the
    mounts made in it are invisible to the machine and vanish with its last process.

    As another user than root, inside a user namespace of its own that maps that user to
    itself (where the kernel allows it), which is what lets it mount there."""
    uid, gid = os.geteuid(), os.getegid()
    if uid == 0:
        _check(_libc().unshare(_CLONE_NEWNS), "unshare")
    else:
        _check(_libc().unshare(_CLONE_NEWUSER | _CLONE_NEWNS), "unshare")
        for name, text in (("uid_map", f"{uid} {uid} 1"), ("setgroups", "deny")):
            with open(f"/proc/self/{name}", "w") as table:
                table.write(text)
        with open("/proc/self/gid_map", "w") as table:
            table.write(f"{gid} {gid} 1")
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)


def mount_tmpfs(path: str, megabytes: int, inodes: int, mode: str = "711") -> None:
    """Mount an empty tmpfs of MEGABYTES and at most INODES files and folders on PATH."""
    options = f"size={megabytes}m,nr_inodes={inodes},mode={mode}"
    _mount("tmpfs", path, "tmpfs", _MS_NOSUID | _MS_NODEV, options)


def unmount(path: str) -> None:
    """Detach the mount on PATH; the kernel frees its files once nothing uses them."""
    _check(_libc().umount2(os.fsencode(path), _MNT_DETACH), path)


def close_fds_except(*keep: int) -> None:
    """Close every file descriptor above 2 but KEEP (the zygote's targets use it too)."""
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 65536)


def _supervise(pid: int, deadline: float | None, also: tuple[int, ...] = ()) -> NoReturn:
    """Wait for the namespace's PID 1, kill it at the deadline or on SIGTERM, end like it
    (killing ALSO then).

    Never returns, even on an error: what follows `enter` in the caller is meant for the
    confined process, and this one is outside the namespaces, as root.
    """
    try:
        signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGKILL))
        if deadline is not None:
            watch = os.pidfd_open(pid)
            while not select.select([watch], [], [], max(deadline - time.monotonic(), 0))[0]:
                if time.monotonic() >= deadline:
                    os.kill(pid, signal.SIGKILL)
                    break
        _, status = os.waitpid(pid, 0)
        for process in also:  # the sandbox's own processes (bwrap's): the rest dies with them
            with contextlib.suppress(OSError):
                os.kill(process, signal.SIGKILL)
        code = os.waitstatus_to_exitcode(status)
        if code >= 0:
            os._exit(code)
        # Killed by a signal: die of the same one, so the grader can say which.
        with contextlib.suppress(OSError, ValueError):  # SIGKILL cannot be handled anyway
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
        os._exit(128 - code)
    finally:
        os._exit(SANDBOX_FAILED)


def _isolate(box: dict[str, Any], deadline: float | None) -> int:
    """Enter new namespaces (see the module's docstring); returns, in PID 1 only, the read
    end of a pipe that reads EOF once the supervisor is gone."""
    _check(_libc().unshare(_CLONE_NEWNS | _CLONE_NEWPID | _CLONE_NEWIPC | _CLONE_NEWNET), "unshare")
    alive, held = os.pipe()
    pid = os.fork()  # the new PID namespace starts with this child
    if pid:
        os.close(alive)
        close_fds_except(held)  # e.g. a server's listening socket: only the run holds it
        _supervise(pid, deadline)
    os.close(held)
    _die_with_parent(alive)
    here = os.getcwd()
    # Opened before anything is mounted over their parents: bound from these afterwards.
    keep = [(os.open(path, os.O_PATH | os.O_DIRECTORY), path, bool(w)) for path, w in box["keep"]]
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)  # nothing done here reaches the machine
    for point, flags in _mount_points():
        with contextlib.suppress(FileNotFoundError):  # under another mount: unreachable
            _mount(None, point, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | flags)
    for place, megabytes, mode in box["cover"]:
        options = f"mode={mode},size={megabytes}m,nr_inodes=4096"
        _mount("tmpfs", place, "tmpfs", _MS_NOSUID | _MS_NODEV, options)
    for descriptor, path, writable in keep:
        os.makedirs(path, mode=0o755, exist_ok=True)
        _mount(f"/proc/self/fd/{descriptor}", path, None, _MS_BIND)
        readonly = 0 if writable else _MS_RDONLY
        _mount(None, path, None, _MS_REMOUNT | _MS_BIND | _MS_NOSUID | _MS_NODEV | readonly)
        os.close(descriptor)
    _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    _hide_machine_figures(int(box.get("memory", 0)))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        lo_up = struct.pack("16sH22x", b"lo", _IFF_UP | _IFF_LOOPBACK | _IFF_RUNNING)
        fcntl.ioctl(probe, _SIOCSIFFLAGS, lo_up)
    try:
        os.chdir(here)  # the same path, now through the bound folder (the old one is read-only)
    except OSError:
        os.chdir("/")
    return alive


_NAMESPACES = ("user", "mnt", "ipc", "net", "uts", "cgroup", "pid")  # the user first
_CAP_LAST, _PR_CAPBSET_DROP, _PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 63, 24, 47, 4
_CAPABILITY_V3 = 0x20080522


def _pipe_with(payload: bytes) -> int:
    """The read end of a pipe that holds PAYLOAD and then ends (for bubblewrap's FD options)."""
    read, write = os.pipe()
    os.write(write, payload)
    os.close(write)
    return read


def _start_bwrap(box: dict[str, Any]) -> tuple[int, int, int]:
    """Start bubblewrap on its placeholder; returns (bwrap's pid, the placeholder's pid, the
    write end of the placeholder's input: the sandbox lives while it is open) once the
    sandbox stands."""
    info, told = os.pipe()
    handed = [told]
    extra = ["--info-fd", str(told)]
    program = _seccomp_program()
    if program:  # the placeholder gets the runs' own filter
        handed.append(_pipe_with(program))
        extra += ["--seccomp", str(handed[-1])]
    for path, text in box.get("data", {}).items():
        handed.append(_pipe_with(text.encode()))
        extra += ["--perms", "0444", "--ro-bind-data", str(handed[-1]), path]
    argv = [*box["argv"], *extra, "--", box.get("placeholder", "cat")]
    feed_read, feed = os.pipe()
    echo, echo_write = os.pipe()
    # posix_spawn, not fork: this process may be a large pre-warmed one, and a fork copies
    # its page tables. Only the descriptors handed over reach bwrap (the others are not
    # inheritable, or closed here: a server's listening socket must stay the run's alone).
    actions: list[tuple[int, ...]] = [
        (os.POSIX_SPAWN_DUP2, feed_read, 0),
        (os.POSIX_SPAWN_DUP2, echo_write, 1),
    ]
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        with contextlib.suppress(OSError):
            if fd > 2 and fd not in handed and os.get_inheritable(fd):
                actions.append((os.POSIX_SPAWN_CLOSE, fd))
    for fd in handed:
        os.set_inheritable(fd, True)
    try:
        pid = os.posix_spawn(argv[0], argv, dict(os.environ), file_actions=actions)
    except OSError as error:
        raise OSError(error.errno, f"bubblewrap ({argv[0]}): {error.strerror}") from None
    for fd in (*handed, feed_read, echo_write):
        os.close(fd)
    # The placeholder echoes a byte once it runs: by then every mount is in place.
    os.write(feed, b"\n")
    ready = os.read(echo, 1)
    os.close(echo)
    said = b""
    while chunk := os.read(info, 4096):
        said += chunk
    os.close(info)
    if ready != b"\n" or not said:
        os.waitpid(pid, 0)
        raise OSError(errno.EPERM, "bubblewrap could not build the sandbox (see above)")
    return pid, int(json.loads(said)["child-pid"]), feed


def _join(pid: int) -> None:
    """Enter every namespace of the process PID that differs from ours (the user's first).
    All are opened first: once in its mount namespace, /proc is the sandbox's."""
    joining = []
    for name in _NAMESPACES:
        theirs = f"/proc/{pid}/ns/{name}"
        with contextlib.suppress(FileNotFoundError):
            if os.stat(theirs).st_ino != os.stat(f"/proc/self/ns/{name}").st_ino:
                joining.append((name, os.open(theirs, os.O_RDONLY | os.O_CLOEXEC)))
    for name, fd in joining:
        try:
            _check(_libc().setns(fd, 0), f"setns {name}")
        finally:
            os.close(fd)


def _drop_capabilities() -> None:
    """Give up every capability (joining a user namespace grants them all, in there)."""
    libc = _libc()
    for cap in range(_CAP_LAST + 1):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break  # past the last capability this kernel knows
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = struct.pack("=Ii", _CAPABILITY_V3, 0)
    _check(libc.capset(header, bytes(24)), "capset")


def _enter_bwrap(box: dict[str, Any], deadline: float | None) -> int:
    """Join the sandbox bubblewrap builds and fork (see the module's docstring); returns, in
    the confined child only, the read end of a pipe that reads EOF once the supervisor is
    gone."""
    here = os.getcwd()
    bwrap, placeholder, feed = _start_bwrap(box)
    _join(placeholder)
    os.chdir(here)  # joining the mount namespace took us to its root
    alive, held = os.pipe()
    pid = os.fork()  # the first process of the new PID namespace that is not bwrap's
    if pid:
        os.close(alive)
        close_fds_except(held, feed)  # what the run holds is the run's alone
        _supervise(pid, deadline, also=(placeholder, bwrap))
    os.close(held)
    os.close(feed)
    _die_with_parent(alive)
    if box.get("userns"):
        _drop_capabilities()
    return alive


def _hide_machine_figures(memory: int) -> None:
    """Cover /sys/fs/cgroup with an empty folder and the machine-wide figures of /proc with
    files of a machine of their own (best effort: a kernel that refuses leaves them)."""
    folder = "/sys/fs/cgroup"
    if not os.path.isdir(folder):
        return
    try:
        _mount("tmpfs", folder, "tmpfs", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, "size=1m,mode=755")
    except OSError:
        return
    kilobytes = memory // 1024 if memory else 1024 * 1024
    for name, text in MACHINE_FIGURES.items():
        target = f"/proc/{name}"
        if not os.path.exists(target):
            continue
        source = f"{folder}/{name}"
        with open(source, "w") as figure:
            figure.write(text.format(kb=kilobytes))
        with contextlib.suppress(OSError):
            _mount(source, target, None, _MS_BIND)
            _mount(None, target, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID)
        os.unlink(source)  # the bound file lives on, but the folder is empty again
    for name in _HIDDEN_PROC_FOLDERS:
        if os.path.isdir(f"/proc/{name}"):
            with contextlib.suppress(OSError):
                _mount("tmpfs", f"/proc/{name}", "tmpfs", _MS_RDONLY, "size=4k,mode=555")
    with contextlib.suppress(OSError):
        _mount(None, folder, None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)


def _seccomp_program() -> bytes:
    """The filter as a compiled BPF program (struct sock_filter[], what bubblewrap's
    --seccomp reads): refuse the keyring and io_uring calls with ENOSYS,
    socket(AF_UNIX, ...) with EACCES, and every call of another ABI (x32, 32-bit) with
    ENOSYS. Empty on a machine this module knows no numbers for."""
    known = _SYSCALLS.get(os.uname().machine)
    if known is None:
        return b""
    arch, calls, socket_call = known
    deny = _SECCOMP_RET_ERRNO | errno.ENOSYS
    refuse = _SECCOMP_RET_ERRNO | errno.EACCES
    count = len(calls)
    # Layout, after the architecture check and loading the call's number:
    #   [x32 check] one JEQ per refused call, JEQ socket, ALLOW, DENY,
    #   (socket:) load the first argument, JEQ AF_UNIX, ALLOW, REFUSE.
    program = [(_BPF_LD_W_ABS, 0, 0, 4), (_BPF_JEQ_K, 1, 0, arch), (_BPF_RET_K, 0, 0, deny)]
    program.append((_BPF_LD_W_ABS, 0, 0, 0))
    if arch == _SYSCALLS["x86_64"][0]:
        program.append((_BPF_JGE_K, count + 2, 0, _X32_SYSCALL_BIT))
    program += [(_BPF_JEQ_K, count - index + 1, 0, call) for index, call in enumerate(calls)]
    program.append((_BPF_JEQ_K, 2, 0, socket_call))
    program += [(_BPF_RET_K, 0, 0, _SECCOMP_RET_ALLOW), (_BPF_RET_K, 0, 0, deny)]
    program.append((_BPF_LD_W_ABS, 0, 0, _SECCOMP_ARG0))
    program.append((_BPF_JEQ_K, 1, 0, _AF_UNIX))
    program += [(_BPF_RET_K, 0, 0, _SECCOMP_RET_ALLOW), (_BPF_RET_K, 0, 0, refuse)]
    return b"".join(struct.pack("=HBBI", op, true, false, k) for op, true, false, k in program)


def _install_seccomp() -> None:
    """Install the filter of `_seccomp_program` on this process."""
    code = _seccomp_program()
    if not code:
        return
    buffer = ctypes.create_string_buffer(code, len(code))
    fprog = _SockFprog(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = _libc()
    _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    _check(libc.prctl(_PR_SET_SECCOMP, 2, ctypes.byref(fprog), 0, 0), "seccomp")


def _limit(which: int, value: int) -> None:
    """Set both limits of WHICH to VALUE, or to the hard limit when we may not raise it."""
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY and os.geteuid() != 0:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def _set_limits(config: dict[str, Any]) -> None:
    memory = int(config["memory"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    if config.get("fsize") is not None:
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
        _limit(resource.RLIMIT_FSIZE, int(config["fsize"]))
    if config.get("cpu") is not None:
        # The soft limit sends SIGXCPU (deadly unless handled), the hard one SIGKILL.
        cpu = int(config["cpu"])
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        top = cpu + 1 if hard == resource.RLIM_INFINITY or os.geteuid() == 0 else hard
        resource.setrlimit(resource.RLIMIT_CPU, (min(cpu, top), top))
    if config.get("open_files") is not None:
        _limit(resource.RLIMIT_NOFILE, int(config["open_files"]))
    if config.get("processes") is not None:
        processes = int(config["processes"])
        if config.get("processes_above_now"):
            processes += tasks_of(os.getuid() if config.get("uid") is None else config["uid"])
        _limit(resource.RLIMIT_NPROC, processes)


def enter(config: dict[str, Any]) -> None:
    """Confine this process as CONFIG says (see the module's docstring).

    With `isolate`, only the confined child returns; this process supervises it and ends
    with its status. Raises OSError when the confinement cannot be set up.
    """
    parent = os.getppid()
    die_with(parent)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    alive = -1
    if config.get("bwrap"):
        alive = _enter_bwrap(config["bwrap"], config.get("deadline"))
    elif config.get("isolate"):
        box = dict(config["isolate"], memory=config["memory"])
        alive = _isolate(box, config.get("deadline"))
    _install_seccomp()
    _set_limits(config)
    if config.get("uid") is not None:
        os.setgroups([])
        os.setgid(config["gid"])
        os.setuid(config["uid"])
    if alive >= 0:
        _die_with_parent(alive)  # changing the user cleared the parent-death signal
        os.close(alive)
    elif config.get("uid") is not None:
        die_with(parent)  # the same, without namespaces
