"""The wall-clock guard: learner code that never returns fails its check, and the run goes on.

A watchdog thread looks at every thread's stack a few times a second. When the same call of
the learner's code (a frame of a file in the project's app/ or alembic/ folder) has been
running for the check timeout (10 s unless ``--check-timeout`` says otherwise), the guard
raises ``LearnerCodeTimeout`` inside it, with a message that names the learner's function
and file. A function that never returned is then replaced, for the rest of the run, by one
that fails at once with the same message: every later check that calls it fails without
waiting again (a `while True:` in get_items would otherwise cost 10 s in each of the checks
that list items).

Hypothesis's own deadlines stay off (see ``hypothesis_profiles``): they measure each example,
and a real database's timing varies; this guard measures one call that never ends.

How the error gets there: in the main thread, a signal (its handler raises; a signal also
interrupts a ``time.sleep`` or a wait on a lock); in another thread (a route handler that
TestClient runs in a worker thread), ``PyThreadState_SetAsyncExc``, which raises at the next
line of Python that thread runs. A thread stuck inside C code cannot be stopped that way: the
check waiting for it is stopped instead, and if such a thread is still stuck when the run
ends, the run ends with ``os._exit`` after its summary, since Python would wait for it forever.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType, FrameType, ModuleType
from typing import Any

from items_course.advice import never_returned

DEFAULT_SECONDS = 10.0
# How often the watchdog looks at the stacks; a timeout fires at most this much late.
_INTERVAL = 0.2
# How long a thread gets to stop after the error was raised in it, before the check waiting
# for it is stopped instead (and the error raised again, for code that caught it).
_GRACE = 1.5
# After this many tries the code is taken to catch every error (a bare `except:` in a loop).
_TRIES = 5
# The folders of a project whose code is the learner's.
_LEARNER_FOLDERS = ("app", "alembic")


class LearnerCodeTimeout(BaseException):
    """The learner's code ran longer than the check timeout without returning.

    A BaseException, not an Exception: the learner's own `except Exception:` cannot swallow
    it, and Hypothesis stops at it instead of trying more examples that would hang too.
    The message is a class attribute because PyThreadState_SetAsyncExc raises a class: each
    timeout gets a subclass of its own (see ``timeout_error``).
    """

    message = "the learner's code did not return"

    def __init__(self, *args: object) -> None:
        super().__init__(*(args or (self.message,)))


def timeout_error(message: str) -> type[LearnerCodeTimeout]:
    """A LearnerCodeTimeout class whose instances carry MESSAGE."""
    return type("LearnerCodeTimeout", (LearnerCodeTimeout,), {"message": message})


def find_timeout(error: BaseException | None) -> LearnerCodeTimeout | None:
    """The LearnerCodeTimeout behind ERROR: itself, in an exception group, or its cause."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, LearnerCodeTimeout):
            return error
        if isinstance(error, BaseExceptionGroup):
            for inner in error.exceptions:
                found = find_timeout(inner)
                if found is not None:
                    return found
        error = error.__cause__ or error.__context__
    return None


@dataclass
class _Running:
    """The outermost frame of learner code in one thread, since when it runs, tries so far."""

    frame: FrameType
    since: float
    tries: int = 0
    last_try: float = 0.0


@dataclass
class Guard:
    """The watchdog of one pytest run.

    ``learner_roots`` gives the project folders whose app/ and alembic/ hold learner code
    (the packages loaded so far); ``learner_modules`` their loaded modules, where a function
    that never returned is replaced.
    """

    seconds: float
    learner_roots: Callable[[], Iterable[Path]]
    learner_modules: Callable[[], Iterable[ModuleType]]
    _running: dict[int, _Running] = field(default_factory=dict)
    _phase: int = 0  # which check phase runs (0: none); a late error is for that phase only
    _pending_main: tuple[int, type[LearnerCodeTimeout]] | None = None
    _stuck: dict[int, str] = field(default_factory=dict)  # thread id -> message
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _previous_handler: Any = None
    _signal_installed: bool = False
    _phases_started: int = 0
    _learner_code: dict[CodeType, bool] = field(default_factory=dict)

    def start(self) -> None:
        """Start the watchdog (and, in the main thread, the signal that stops main)."""
        if self.seconds <= 0:
            return
        if (
            hasattr(signal, "pthread_kill")
            and threading.current_thread() is threading.main_thread()
        ):
            self._previous_handler = signal.signal(signal.SIGALRM, self._on_signal)
            self._signal_installed = True
        self._thread = threading.Thread(target=self._watch, name="check-timeout", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the watchdog and give the signal back."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._signal_installed:
            signal.signal(signal.SIGALRM, self._previous_handler)
            self._signal_installed = False

    def still_stuck(self) -> list[str]:
        """Messages of learner code that is still running in a thread it could not stop."""
        alive = {thread.ident for thread in threading.enumerate()}
        return [message for ident, message in self._stuck.items() if ident in alive]

    @property
    def phase_running(self) -> bool:
        return self._phase != 0

    def phase(self) -> _Phase:
        """A context for one phase (setup, call, teardown) of a check: the guard is on."""
        return _Phase(self)

    # --- The watchdog thread ------------------------------------------------------------
    def _watch(self) -> None:
        own = threading.get_ident()
        while not self._stop.wait(_INTERVAL):
            if not self._phase:
                self._running.clear()
                continue
            now = time.monotonic()
            frames = sys._current_frames()
            for ident in list(self._running):
                if ident not in frames:
                    del self._running[ident]
            for ident, top in frames.items():
                if ident != own:
                    self._look_at(ident, top, now)
            del frames

    def _look_at(self, ident: int, top: FrameType, now: float) -> None:
        learner = [frame for frame in _stack(top) if self._is_learner_code(frame.f_code)]
        if not learner:
            self._running.pop(ident, None)
            return
        innermost, outermost = learner[0], learner[-1]
        running = self._running.get(ident)
        if running is None or running.frame is not outermost:
            self._running[ident] = _Running(outermost, now)
            return
        if now - running.since < self.seconds or now - running.last_try < _GRACE:
            return
        running.tries += 1
        running.last_try = now
        message = self._message(innermost)
        if running.tries == 1:
            self._replace(innermost.f_code, message)
        if running.tries > _TRIES:
            _give_up(message)
        error = timeout_error(message)
        if ident == threading.main_thread().ident:
            self._raise_in_main(error)
            return
        _raise_in_thread(ident, error)
        if running.tries > 1:
            # The thread did not stop (stuck in C code, or it caught the error): stop the
            # check that waits for it, in the main thread.
            self._stuck[ident] = message
            self._raise_in_main(error)

    def _is_learner_code(self, code: CodeType) -> bool:
        known = self._learner_code.get(code)
        if known is None:
            file = os.path.abspath(code.co_filename)
            known = any(
                file.startswith(str(root / folder) + os.sep)
                for root in self.learner_roots()
                for folder in _LEARNER_FOLDERS
            )
            self._learner_code[code] = known
        return known

    def _message(self, frame: FrameType) -> str:
        file = Path(frame.f_code.co_filename).resolve()
        where = file.as_posix()
        for root in self.learner_roots():
            if file.is_relative_to(root):
                where = file.relative_to(root).as_posix()
        at_import = frame.f_code.co_name == "<module>"
        return never_returned(frame.f_code.co_name, where, self.seconds, at_import)

    def _replace(self, code: CodeType, message: str) -> None:
        """Replace the function of CODE in the learner's modules by one that fails at once."""
        for module in self.learner_modules():
            for name, value in list(vars(module).items()):
                if getattr(value, "__code__", None) is code:
                    setattr(module, name, _failing_at_once(value, timeout_error(message)))

    def _raise_in_main(self, error: type[LearnerCodeTimeout]) -> None:
        self._pending_main = (self._phase, error)
        if self._signal_installed:
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGALRM)
        else:  # no signals here (Windows): the error arrives at main's next line of Python
            _raise_in_thread(threading.main_thread().ident or 0, error)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        pending, self._pending_main = self._pending_main, None
        if pending is not None and pending[0] == self._phase:
            raise pending[1]


class _Phase:
    """The guard is on while one phase of a check runs."""

    def __init__(self, guard: Guard) -> None:
        self.guard = guard

    def __enter__(self) -> None:
        self.guard._phases_started += 1
        self.guard._phase = self.guard._phases_started

    def __exit__(self, *exc_info: object) -> None:
        self.guard._phase = 0
        self.guard._pending_main = None


def _stack(top: FrameType) -> Iterator[FrameType]:
    frame: FrameType | None = top
    while frame is not None:
        yield frame
        frame = frame.f_back


def _raise_in_thread(ident: int, error: type[BaseException]) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(error))


def _failing_at_once(function: Any, error: type[LearnerCodeTimeout]) -> Any:
    @functools.wraps(function)
    def did_not_return_before(*args: object, **kwargs: object) -> Any:
        raise error

    return did_not_return_before


def _give_up(message: str) -> None:
    """The learner's code catches every error in a loop: nothing but the end of the run stops
    it. Say so, and end the process (pytest would wait for the check forever)."""
    sys.stderr.write(
        f"\n{message}\nIt also catches every error raised to stop it (a bare `except:` "
        "inside the loop?), so the checks cannot go on: the run stops here.\n"
    )
    sys.stderr.flush()
    os._exit(1)
