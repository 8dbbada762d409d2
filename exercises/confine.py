"""Confining one child process: the code that runs inside it, before any learner code.

This module imports nothing of the repository and is never imported by the child: its text
is handed over, at the top of the launcher (sandbox.py, `python -I -S -c`) and of the
zygote (unitrun.py), and `enter(config)` is called there. CONFIG (JSON-able) says:

* `memory`: the address-space limit in bytes; `fsize`: the largest file in bytes, or None;
* `uid`, `gid`: the user to become (None: stay as we are);
* `isolate`: None, or the namespaces to build, as `{"keep": [[path, writable], ...],
  "cover": [[path, megabytes, octal mode], ...]}`;
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
  outlive its run. The supervisor kills PID 1 at the deadline, or when it gets SIGTERM.

Always: no core dumps, the limits, the user, and a seccomp filter refusing the kernel
keyring calls (the keyring of a user outlives its processes and no namespace here
separates it: it would be a channel between runs).
"""

from __future__ import annotations

import codecs
import contextlib
import ctypes
import errno
import fcntl
import os
import resource
import select
import signal
import socket
import struct
import time
from typing import Any, NoReturn

# Exit status of a child whose confinement could not be set up (never learner code).
SANDBOX_FAILED = 125

_CLONE_NEWNS = 0x00020000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWPID = 0x20000000
_CLONE_NEWNET = 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_NOATIME, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 1024, 4096, 16384, 1 << 18
_KEPT_FLAGS = {"nosuid": _MS_NOSUID, "nodev": _MS_NODEV, "noexec": _MS_NOEXEC}
_KEPT_FLAGS["noatime"] = _MS_NOATIME
_PR_SET_PDEATHSIG, _PR_SET_SECCOMP, _PR_SET_NO_NEW_PRIVS = 1, 22, 38
_SIOCSIFFLAGS, _IFF_UP, _IFF_LOOPBACK, _IFF_RUNNING = 0x8914, 0x1, 0x8, 0x40

# seccomp: the audit architecture and the numbers of add_key, request_key and keyctl.
_KEYRING_CALLS = {
    "x86_64": (0xC000003E, (248, 249, 250)),
    "aarch64": (0xC00000B7, (217, 218, 219)),
}
_BPF_LD_W_ABS, _BPF_JEQ_K, _BPF_JGE_K, _BPF_RET_K = 0x20, 0x15, 0x35, 0x06
_SECCOMP_RET_ALLOW, _SECCOMP_RET_ERRNO = 0x7FFF0000, 0x00050000
_X32_SYSCALL_BIT = 0x40000000


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


def _close_fds_except(keep: int) -> None:
    os.closerange(3, keep)
    os.closerange(keep + 1, 65536)


def _supervise(pid: int, deadline: float | None) -> NoReturn:
    """Wait for the namespace's PID 1, kill it at the deadline or on SIGTERM, end like it.

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
        _close_fds_except(held)  # e.g. a server's listening socket: only the run holds it
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
        _mount("tmpfs", place, "tmpfs", _MS_NOSUID | _MS_NODEV, f"mode={mode},size={megabytes}m")
    for descriptor, path, writable in keep:
        os.makedirs(path, mode=0o755, exist_ok=True)
        _mount(f"/proc/self/fd/{descriptor}", path, None, _MS_BIND)
        readonly = 0 if writable else _MS_RDONLY
        _mount(None, path, None, _MS_REMOUNT | _MS_BIND | _MS_NOSUID | _MS_NODEV | readonly)
        os.close(descriptor)
    _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        lo_up = struct.pack("16sH22x", b"lo", _IFF_UP | _IFF_LOOPBACK | _IFF_RUNNING)
        fcntl.ioctl(probe, _SIOCSIFFLAGS, lo_up)
    try:
        os.chdir(here)  # the same path, now through the bound folder (the old one is read-only)
    except OSError:
        os.chdir("/")
    return alive


def _block_keyrings() -> None:
    """Refuse add_key, request_key and keyctl (and calls of other ABIs) with ENOSYS."""
    known = _KEYRING_CALLS.get(os.uname().machine)
    if known is None:
        return
    arch, calls = known
    deny = _SECCOMP_RET_ERRNO | errno.ENOSYS
    count = len(calls)
    program = [(_BPF_LD_W_ABS, 0, 0, 4), (_BPF_JEQ_K, 1, 0, arch), (_BPF_RET_K, 0, 0, deny)]
    program.append((_BPF_LD_W_ABS, 0, 0, 0))
    if arch == _KEYRING_CALLS["x86_64"][0]:
        program.append((_BPF_JGE_K, count + 1, 0, _X32_SYSCALL_BIT))
    program += [(_BPF_JEQ_K, count - index, 0, call) for index, call in enumerate(calls)]
    program += [(_BPF_RET_K, 0, 0, _SECCOMP_RET_ALLOW), (_BPF_RET_K, 0, 0, deny)]
    code = b"".join(struct.pack("=HBBI", op, true, false, k) for op, true, false, k in program)
    buffer = ctypes.create_string_buffer(code, len(code))
    fprog = _SockFprog(len(program), ctypes.cast(buffer, ctypes.c_void_p))
    libc = _libc()
    _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    _check(libc.prctl(_PR_SET_SECCOMP, 2, ctypes.byref(fprog), 0, 0), "seccomp")


def enter(config: dict[str, Any]) -> None:
    """Confine this process as CONFIG says (see the module's docstring).

    With `isolate`, only the confined child returns; this process supervises it and ends
    with its status. Raises OSError when the confinement cannot be set up.
    """
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    alive = -1
    if config.get("isolate"):
        alive = _isolate(config["isolate"], config.get("deadline"))
    _block_keyrings()
    memory = int(config["memory"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    if config.get("fsize") is not None:
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_FSIZE, (config["fsize"], config["fsize"]))
    if config.get("uid") is not None:
        os.setgroups([])
        os.setgid(config["gid"])
        os.setuid(config["uid"])
    if alive >= 0:
        _die_with_parent(alive)  # changing the user cleared the parent-death signal
        os.close(alive)
