"""Running a README command: `bash -c` in a process group of its own (so that stopping it
stops what it started too), its output (standard output and standard error, as in a
terminal) in a log file."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

COMMAND_TIMEOUT = 600  # seconds a command may take (the bug museum takes one to three minutes)
OUTPUT_TAIL = 40  # lines of output shown in a failure message


def kill_group(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def tail(log: Path) -> str:
    """The last OUTPUT_TAIL lines of a log."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(lines[-OUTPUT_TAIL:])


@dataclass
class ProcessGroups:
    """The commands still running, so that the end of the test session can stop them all."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    running: set[subprocess.Popen[bytes]] = field(default_factory=set)

    def start(
        self, text: str, cwd: Path, env: dict[str, str], log: Path
    ) -> subprocess.Popen[bytes]:
        """Start a command in the background."""
        with log.open("wb") as output:
            process = subprocess.Popen(
                ["bash", "-c", text],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        with self.lock:
            self.running.add(process)
        return process

    def finished(self, process: subprocess.Popen[bytes]) -> None:
        with self.lock:
            self.running.discard(process)

    def run(self, text: str, cwd: Path, env: dict[str, str], log: Path) -> int:
        """Run a command to its end; its exit status (-1 after the timeout)."""
        process = self.start(text, cwd, env, log)
        try:
            return process.wait(timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            kill_group(process)
            process.wait()
            return -1
        finally:
            self.finished(process)

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        """Stop a command as a reader would, with Ctrl+C (SIGINT); kill it if it lingers."""
        kill_group(process, signal.SIGINT)  # Ctrl+C
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            kill_group(process)
            process.wait()
        self.finished(process)

    def stop_all(self) -> None:
        """Stop the process groups of every command still running."""
        with self.lock:
            running = list(self.running)
        for process in running:
            kill_group(process)
