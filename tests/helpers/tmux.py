"""A real terminal for a command that draws on it: a tmux server of a test's own, whose
screen is read as the learner sees it and to which keys are sent.

Used by `tests/test_items_course.py` (its `tmux` fixture starts and stops the server).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path


class Tmux:
    """A tmux server of the test's own (its own socket), with one window of COLUMNS x ROWS."""

    def __init__(self, folder: Path) -> None:
        self.socket = folder / "tmux.socket"

    def __call__(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-S", str(self.socket), *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "learner")

    def wait_for(self, *words: str, timeout: float = 120) -> tuple[str, float]:
        """The screen once it shows every one of WORDS, and when that was (monotonic)."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if all(word in screen for word in words):
                return screen, time.monotonic()
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {words} on the screen:\n{screen}")
            time.sleep(0.05)
