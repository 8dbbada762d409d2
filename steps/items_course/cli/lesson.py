"""Reading a step's lesson: a section by its heading, and the advice for one message."""

from __future__ import annotations

import re

from items_course.course import WHEN_A_CHECK_FAILS, Step

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def section(step: Step, heading: str = WHEN_A_CHECK_FAILS) -> str | None:
    """The text under HEADING in the step's README (without the heading), or None."""
    try:
        lines = step.lesson.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    start = level = None
    for number, line in enumerate(lines):
        match = _HEADING.match(line)
        if match is None:
            continue
        if start is None and match[2].lower() == heading.lower():
            start, level = number + 1, len(match[1])
        elif start is not None and level is not None and len(match[1]) <= level:
            return "\n".join(lines[start:number]).strip("\n")
    return "\n".join(lines[start:]).strip("\n") if start is not None else None


def advice_about(text: str, message: str) -> list[str]:
    """The items of the section TEXT whose quoted messages appear in MESSAGE.

    The lesson quotes a failure's message in italics, with … for the parts that vary:
    *"… expects app/crud.py to define these names …"*.
    """
    found = []
    for item in _items(text):
        quotes = re.findall(r'\*"([^"]+)"\*', item)
        for quote in quotes:
            pieces = [piece.strip() for piece in re.split(r"…|\.\.\.", quote) if piece.strip()]
            if pieces and all(piece in message for piece in pieces):
                found.append(item)
                break
    return found


def _items(text: str) -> list[str]:
    """The `- ` items of a Markdown list, each with its continuation lines."""
    items: list[str] = []
    in_item = False
    for line in text.splitlines():
        if line.startswith("- "):
            items.append(line)
            in_item = True
        elif in_item and line.startswith("  ") and line.strip():
            items[-1] += "\n" + line
        else:
            in_item = False  # a blank line or a paragraph ends the item
    return items
