"""A README command that runs a server (`uvicorn`): started in the background on a port of its
own, then probed until it answers."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import httpx

from tests.helpers.readme_commands.processes import ProcessGroups
from tests.helpers.uvicorn_server import free_port

SERVER = re.compile(r"(?:^|[\s/])uvicorn\s")
SERVER_TIMEOUT = 180  # seconds a server may take to answer, set-up chained in front included


def serve(
    text: str, cwd: Path, env: dict[str, str], log: Path, processes: ProcessGroups
) -> tuple[subprocess.Popen[bytes], int]:
    """Start a server in the background; the process and its port."""
    port_option = re.search(r"--port[ =](\d+)", text)
    port = int(port_option[1]) if port_option else free_port()
    return processes.start(text, cwd, env | {"UVICORN_PORT": str(port)}, log), port


def probe(port: int, process: subprocess.Popen[bytes], *, try_the_api: bool = True) -> str:
    """Wait until the server answers, then (with `try_the_api`) create and read an item;
    "" or what went wrong."""
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_TIMEOUT
    with httpx.Client(base_url=base, timeout=10) as client:
        while True:
            if process.poll() is not None:
                return f"the server stopped (exit status {process.returncode}) before answering"
            try:
                docs = client.get("/docs")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    return f"the server did not answer on {base}/docs within {SERVER_TIMEOUT} s"
                time.sleep(0.2)
        if docs.status_code != 200:
            return f"GET /docs answered {docs.status_code}: {docs.text[:300]}"
        if not try_the_api:
            return ""
        body = {"title": "From the README test", "price": 12.5}
        created = client.post("/api/v1/items/", json=body)
        if created.status_code != 201:
            return f"POST /api/v1/items/ answered {created.status_code}: {created.text[:300]}"
        item_id = created.json().get("id")
        read = client.get(f"/api/v1/items/{item_id}")
        if read.status_code != 200 or read.json().get("title") != body["title"]:
            return f"GET /api/v1/items/{item_id} answered {read.status_code}: {read.text[:300]}"
    return ""


def on_port(text: str, port: int) -> str:
    """A command that talks to uvicorn's default address, sent to the server's own port."""
    return re.sub(r"\b(127\.0\.0\.1|localhost):8000\b", rf"\g<1>:{port}", text)
