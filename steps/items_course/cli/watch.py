"""`items-course` / `items-course watch`: check the current step each time a file is saved.

The current step is the first not passed yet. Each run clears the screen and shows a progress
bar over the seven steps, the step's lesson, and only the first failure's message; when the
step passes, watch mode moves on to the next. Keys (as in rustlings): h hint, l list, n next
step, r run again, q quit. Without a terminal (output to a file or a pipe) it writes each
verdict as plain text, one after the other, and reads no keys.

Runs happen in the warm check server (runner.WarmRunner): a save shows its verdict in well
under a second for steps 01 to 05. Saves made while a run is under way start one more run
when it ends.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from items_course.cli.check import request_for
from items_course.cli.hint import hint_text
from items_course.cli.listing import list_text, progress_bar
from items_course.cli.project import Invocation, Project
from items_course.cli.runner import CheckResult, WarmRunner
from items_course.course import PROGRESS_FILE, Step, all_steps

KEYS = "h hint · l list · n next step · r run again · q quit"
_CLEAR = "\x1b[H\x1b[2J\x1b[3J"


@dataclass
class _Event:
    kind: str  # "changed", "key", "result", "stopped"
    key: str = ""
    result: CheckResult | None = None


def watch(project: Project, invocation: Invocation, timeout: float, step: Step | None) -> int:
    """Watch PROJECT until the learner quits (q, or Ctrl+C); exit status 0."""
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    events: queue.Queue[_Event] = queue.Queue()
    runner = WarmRunner(
        lambda result: events.put(_Event("result" if result else "stopped", result=result))
    )
    session = _Session(project, invocation, timeout, interactive, runner)
    session.step = step or _step_of(project.progress().current_step())
    stop_watching = threading.Event()
    watcher = threading.Thread(
        target=_watch_files, args=(project.root, events, stop_watching), daemon=True
    )
    watcher.start()
    try:
        with _keys(interactive, events):
            session.run()
            while session.handle(events.get()):
                pass
    except KeyboardInterrupt:
        pass
    finally:
        stop_watching.set()
        runner.stop()
        # The watcher's thread runs Rust code that calls back into Python: left running while
        # Python shuts down, it can abort the process. It stops within a few hundredths of a
        # second once told to.
        watcher.join(timeout=5)
    if interactive:
        print()
    return 0


class _Session:
    """What watch mode shows, and what it does on each event."""

    def __init__(
        self,
        project: Project,
        invocation: Invocation,
        timeout: float,
        interactive: bool,
        runner: WarmRunner,
    ) -> None:
        self.project = project
        self.invocation = invocation
        self.timeout = timeout
        self.interactive = interactive
        self.runner = runner
        self.step = all_steps()[0]
        self.running = False
        self.changed_while_running = False
        self.last: CheckResult | None = None
        self.moved_on_from: Step | None = None

    def run(self) -> None:
        """Start a run of the current step's checks."""
        self.running = True
        self.changed_while_running = False
        if self.interactive and self.last is None:
            self._show(f"Checking step {self.step.label}…")
        self.runner.submit(request_for([self.step], self.project, self.invocation, self.timeout))

    def handle(self, event: _Event) -> bool:
        """Act on EVENT; False to quit."""
        if event.kind == "stopped":
            self._show("The check server stopped unexpectedly; start items-course again.")
            return False
        if event.kind == "result" and event.result is not None:
            self.running = False
            self._result(event.result)
            if self.changed_while_running:
                self.run()
        elif event.kind == "changed":
            if self.running:
                self.changed_while_running = True
            else:
                self.run()
        elif event.kind == "key":
            return self._key(event.key)
        return True

    def _result(self, result: CheckResult) -> None:
        self.last = result
        if result.passes:
            following = self._next_unpassed()
            if following is not None:
                self.moved_on_from, self.step = self.step, following
                self._show_verdict(result, passed_step=self.moved_on_from)
                self.run()
                return
        self._show_verdict(result)
        self.moved_on_from = None

    def _next_unpassed(self) -> Step | None:
        progress = self.project.progress()
        later = [step for step in all_steps() if step > self.step]
        for step in later:
            if progress.status(step.folder) != "passed":
                return step
        return None

    def _key(self, key: str) -> bool:
        if key in ("q", "\x03", "\x04"):
            return False
        if key == "h" and self.last is not None:
            hint = hint_text(self.step, self.last, self.invocation).splitlines()
            more = f"(the whole hint: {self.invocation.command('hint', self.step.number)})"
            self._show("\n".join([*self._fit(hint, 3, more), "", KEYS]))
        elif key == "l":
            self._show(list_text(self.project, self.invocation) + f"\n\n{KEYS}")
        elif key == "n":
            later = [step for step in all_steps() if step > self.step]
            if later:
                self.step = later[0]
                self.last = None
                self.run()
        elif key == "r" and not self.running:
            self.run()
        return True

    def _show_verdict(self, result: CheckResult, passed_step: Step | None = None) -> None:
        progress = self.project.progress()
        lines = [
            f"items-course — watching {self.project.root}",
            progress_bar(progress.passed_count(), len(all_steps())),
            "",
        ]
        if passed_step is not None:
            lines += [f"PASS  {passed_step.title}: all {result.passed} checks pass. Well done!"]
            lines += [f"Moving on to {self.step.title}…", ""]
            self._show("\n".join(lines))
            return
        lines.append(f"{self.step.title} — lesson: {self.step.lesson}")
        if result.passes:
            lines += [
                f"PASS  all {result.passed} checks pass.",
                "",
                "Every step passes: the course is done. Well done!"
                if progress.passed_count() == len(all_steps())
                else "",
            ]
        elif result.first_failure is not None:
            total = result.passed + result.failed
            failure = result.first_failure
            lines += [
                f"FAIL  {result.failed} of {total} checks fail. The first, {failure.check}:",
                "",
                *self._fit(failure.message.strip().splitlines(), len(lines) + 5, "(press h)"),
            ]
        else:
            lines += ["FAIL  the checks could not run:", "", result.output.strip()]
        lines += ["", f"Save a file to check again.   {KEYS}" if self.interactive else ""]
        self._show("\n".join(lines))

    def _fit(self, lines: list[str], around: int, more: str) -> list[str]:
        """The LINES that fit on the screen with AROUND others (all without a terminal)."""
        if not self.interactive:
            return lines
        room = max(5, shutil.get_terminal_size().lines - around)
        if len(lines) <= room:
            return lines
        return [*lines[: room - 1], f"… {len(lines) - room + 1} more lines {more}"]

    def _show(self, text: str) -> None:
        if self.interactive:
            sys.stdout.write(_CLEAR + text + "\n")
        else:
            sys.stdout.write(text + "\n" + "-" * 70 + "\n")
        sys.stdout.flush()


def _step_of(folder: str) -> Step:
    return next(step for step in all_steps() if step.folder == folder)


def _watch_files(root: Path, events: queue.Queue[_Event], stop: threading.Event) -> None:
    """Put a "changed" event for each batch of saved files, until STOP is set."""
    import watchfiles

    def relevant(change: watchfiles.Change, path: str) -> bool:
        name = os.path.basename(path)
        if name == PROGRESS_FILE or name.startswith(".items-course-"):
            return False  # written by the runs themselves
        if name.endswith((".db", ".db-journal", ".db-wal", ".db-shm")):
            return False
        return watchfiles.DefaultFilter()(change, path)

    # step: how long no further change must come before a batch is reported (an editor
    # may write a file in several steps); debounce: the longest a batch is held.
    for _changes in watchfiles.watch(
        root, watch_filter=relevant, stop_event=stop, step=30, debounce=400, raise_interrupt=False
    ):
        events.put(_Event("changed"))


@contextlib.contextmanager
def _keys(interactive: bool, events: queue.Queue[_Event]) -> Iterator[None]:
    """Read single key presses into EVENTS while the block runs (only on a terminal)."""
    try:
        import termios
        import tty
    except ImportError:  # no terminal control here (Windows): no keys, Ctrl+C still quits
        interactive = False
    if not interactive:
        yield
        return

    descriptor = sys.stdin.fileno()
    saved = termios.tcgetattr(descriptor)
    tty.setcbreak(descriptor)

    def read() -> None:
        while True:
            try:
                key = os.read(descriptor, 1).decode(errors="replace")
            except OSError:
                return
            if not key:
                return
            events.put(_Event("key", key=key.lower()))

    threading.Thread(target=read, name="keys", daemon=True).start()
    try:
        yield
    finally:
        termios.tcsetattr(descriptor, termios.TCSADRAIN, saved)
