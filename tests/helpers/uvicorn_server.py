"""An app served by uvicorn on a free port of 127.0.0.1, for a check that needs a real server."""

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

SERVER_START_SECONDS = 20


@dataclass(frozen=True)
class Server:
    url: str
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def uvicorn_serving(target_dir: Path, folder: Path) -> Iterator[Server]:
    """`uvicorn app.main:app --app-dir TARGET`, started in `folder`, stopped afterwards."""
    port = free_port()
    served = Server(url=f"http://127.0.0.1:{port}", log=folder / "uvicorn.log")
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--app-dir", str(target_dir)]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with served.log.open("wb") as log:
        process = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_it_answers(served, process)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_it_answers(served: Server, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"uvicorn stopped before serving (exit code {process.returncode}). "
                f"Its output:\n{served.log_tail()}",
                pytrace=False,
            )
        try:
            if httpx.get(f"{served.url}/openapi.json", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.1)
    pytest.fail(
        f"uvicorn did not answer GET /openapi.json within {SERVER_START_SECONDS} s. "
        f"Its output:\n{served.log_tail()}",
        pytrace=False,
    )
