"""Serve the article's app and final/ side by side and load them with wrk.

    python final/benchmark.py [--seconds 5] [--connections 16]

Needs `wrk` (Debian: apt-get install wrk). Each app runs in its own uvicorn process (one
worker) on 127.0.0.1 with a fresh SQLite file in its own temporary folder. They are loaded one
at a time, so neither steals the other's CPU, and in alternation, round after round: whatever
else the machine is doing then slows both alike, and the median of the rounds is reported.
Prints requests/s and p99 latency for four requests and the ratio final/article. A
benchmark, not a test: the numbers depend on the machine.
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
APPS = {"article": REPO_ROOT / "steps" / "06_main", "final": REPO_ROOT / "final"}
SEED_ITEMS = 100

# (method, path, JSON body): what every wrk connection sends again and again.
RequestShape = tuple[str, str, dict[str, object] | None]
REQUESTS: dict[str, RequestShape] = {
    "GET one": ("GET", "/api/v1/items/1", None),
    "list of 20": ("GET", "/api/v1/items/?limit=20", None),
    "POST": ("POST", "/api/v1/items/", {"title": "Benchmark item", "price": 9.5}),
    "PATCH": ("PATCH", "/api/v1/items/2", {"price": 12.25}),
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve(app_root: Path) -> Iterator[str]:
    """Run `uvicorn app.main:app` for app_root in a fresh folder; yield its base URL."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        environment = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/app.db"}
        command = [
            sys.executable, "-m", "uvicorn", "app.main:app", "--app-dir", str(app_root),
            "--port", str(port), "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
        server = subprocess.Popen(command, cwd=folder, env=environment)
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base_url)
            yield base_url
        finally:
            server.terminate()
            server.wait(timeout=10)


def _wait_until_up(base_url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base_url}/openapi.json", timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{base_url} did not start within {timeout} s")


def _seed(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        for number in range(SEED_ITEMS):
            body = {"title": f"Item {number}", "description": "seed", "price": 1.0 + number}
            client.post("/api/v1/items/", json=body).raise_for_status()


def _wrk(base_url: str, request: RequestShape, args: argparse.Namespace) -> tuple[float, float]:
    """Requests/s and p99 latency in ms for one request shape."""
    method, path, body = request
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "{method}"\n')
        if body is not None:
            script.write(f"wrk.body = {json.dumps(json.dumps(body))}\n")
            script.write('wrk.headers["Content-Type"] = "application/json"\n')
    try:
        output = subprocess.run(
            ["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "--latency",
             "-s", script.name, base_url + path],
            capture_output=True, text=True, check=True, timeout=args.seconds + 30,
        ).stdout  # fmt: skip
    finally:
        os.unlink(script.name)
    if "Non-2xx" in output:
        raise RuntimeError(f"{method} {path} answered errors under load:\n{output}")
    rate = _find(r"Requests/sec:\s+([\d.]+)", output)
    p99_value, p99_unit = _find(r"99%\s+([\d.]+)(us|ms|s)\b", output).split()
    return float(rate), float(p99_value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99_unit]


def _find(pattern: str, wrk_output: str) -> str:
    """The groups of `pattern` in wrk's output, joined by spaces."""
    match = re.search(pattern, wrk_output)
    if match is None:
        raise RuntimeError(f"no {pattern!r} in wrk's output:\n{wrk_output}")
    return " ".join(match.groups())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="load duration per row and round")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=6, help="alternations of the two apps")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")

    # samples[app][shape]: one (requests/s, p99 ms) per round.
    samples: dict[str, dict[str, list[tuple[float, float]]]] = {
        name: {shape: [] for shape in REQUESTS} for name in APPS
    }
    with ExitStack() as servers:
        base_urls = {name: servers.enter_context(serve(root)) for name, root in APPS.items()}
        for base_url in base_urls.values():
            _seed(base_url)
        for round_number in range(args.rounds):
            # ABBA: the app loaded second in a pair tends to do better (a warmer machine), so
            # every other round swaps the order.
            order = list(base_urls.items())
            if round_number % 2:
                order.reverse()
            for shape, request in REQUESTS.items():
                for name, base_url in order:
                    samples[name][shape].append(_wrk(base_url, request, args))

    print(
        f"{args.connections} connections, {args.seconds} s per row, median of {args.rounds} "
        "alternating rounds, one uvicorn worker each\n"
    )
    print(
        "| request | article req/s | final req/s | final/article "
        "| article p99 ms (range) | final p99 ms (range) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for shape in REQUESTS:
        article_rates, article_p99s = zip(*samples["article"][shape], strict=True)
        final_rates, final_p99s = zip(*samples["final"][shape], strict=True)
        article_rate, final_rate = statistics.median(article_rates), statistics.median(final_rates)
        print(
            f"| {shape} | {article_rate:,.0f} | {final_rate:,.0f} | "
            f"{final_rate / article_rate:.2f}x | {_p99(article_p99s)} | {_p99(final_p99s)} |"
        )


def _p99(rounds: tuple[float, ...]) -> str:
    """The median p99 of the rounds, with the lowest and highest: the tail of a latency
    distribution moves a lot from one round to the next, so a single number would mislead."""
    return f"{statistics.median(rounds):.1f} ({min(rounds):.0f} to {max(rounds):.0f})"


if __name__ == "__main__":
    main()
