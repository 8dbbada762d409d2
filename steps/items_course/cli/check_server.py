"""The warm check server of watch mode: ``python -m items_course.cli.check_server``.

It imports pytest, the libraries and every step's checks once (a collection run of steps/,
which imports no `app` package), then answers requests, one JSON line each on stdin: for each
it forks a child that runs the checks (``runner.collect``) and writes back one JSON line, the
CheckResult. The child starts with everything imported, and whatever the learner's code does
in it ends with it. The server has one thread, so forking it is safe.

Where there is no fork (Windows), each request runs in a new process instead.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading

from items_course.cli.runner import CheckRequest, CheckResult, collect, output_aside
from items_course.course import STEPS_DIR


def warm_up() -> bool:
    """Import what every run needs; whether this process can then fork its runs."""
    import pytest

    with output_aside():
        pytest.main([str(STEPS_DIR), "--collect-only", "-q", "-p", "no:cacheprovider"])
    # A collection run loads no `app`; if one were loaded here, every run would inherit it.
    leaked = [name for name in sys.modules if name == "app" or name.startswith("app.")]
    for name in leaked:
        del sys.modules[name]
    # What is imported now lives as long as the server: the garbage collector leaves it
    # alone, in the server and in each child (a collection would also touch, and so copy,
    # every page the child shares with the server). Runs are some 8% faster.
    gc.freeze()
    return hasattr(os, "fork") and threading.active_count() == 1


def run_forked(request: CheckRequest) -> CheckResult:
    """Run REQUEST in a forked child of this warm process."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the child: run, answer, and end without running this process's exits
        os.close(read_end)
        try:
            answer = collect(request).to_json()
        except BaseException as error:  # the run itself broke: say so rather than hang
            answer = CheckResult(3, 0, 0, None, f"{type(error).__name__}: {error}", 0).to_json()
        with os.fdopen(write_end, "w", encoding="utf-8") as out:
            out.write(answer)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, encoding="utf-8") as answers:
        answer = answers.read()
    os.waitpid(child, 0)
    if not answer:
        return CheckResult(3, 0, 0, None, "The run of the checks ended without an answer.", 0)
    return CheckResult.from_json(answer)


def run_apart(request: CheckRequest) -> CheckResult:
    """Run REQUEST in a new process (where this one cannot fork)."""
    done = subprocess.run(
        [sys.executable, "-m", "items_course.cli.check_server", "--once"],
        input=json.dumps(request.__dict__),
        capture_output=True,
        text=True,
        check=False,
    )
    return CheckResult.from_json(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Answer requests until stdin closes."""
    if sys.argv[1:] == ["--once"]:
        request = CheckRequest(**json.loads(sys.stdin.read()))
        result = collect(request)
        sys.stdout.write(result.to_json() + "\n")
        return
    can_fork = warm_up()
    run = run_forked if can_fork else run_apart
    for line in sys.stdin:
        if line.strip():
            result = run(CheckRequest(**json.loads(line)))
            sys.stdout.write(result.to_json() + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
