"""Small helpers for writing messages."""

from __future__ import annotations

import inspect
import re
from types import ModuleType


def shortened(text: str, width: int = 110) -> str:
    """TEXT on one line, cut to WIDTH characters."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def a(noun: str) -> str:
    """'an int', 'a str'."""
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def describe_value(value: object) -> str:
    """A value as a learner recognises it: 'None', 'the module app.router', 'the function
    get_db', 'the class Base', "the text 'Items'", 'the int 1', 'a sessionmaker'."""
    if value is None:
        return "None"
    if isinstance(value, ModuleType):
        return f"the module {value.__name__}"
    if inspect.ismethod(value):
        return f"the method {value.__qualname__}"
    if inspect.isfunction(value) or inspect.isbuiltin(value):
        return f"the function {getattr(value, '__qualname__', value.__name__)}"
    if isinstance(value, type):
        if hasattr(value, "registry") and hasattr(value, "metadata"):
            return f"the declarative base class {value.__name__}"
        return f"the class {value.__name__}"
    if isinstance(value, str):
        shown = repr(value) if len(value) <= 60 else f"{value[:40]!r}… ({len(value)} characters)"
        return f"the text {shown}"
    if isinstance(value, (bool, int, float)):
        return f"the {type(value).__name__} {value!r}"
    if isinstance(value, (list, tuple, dict, set)):
        shown = re.sub(r" at 0x[0-9a-f]+", "", repr(value))
        return f"{a(type(value).__name__)} {shortened(shown, 100)}"
    return a(type(value).__name__)
