"""Small helpers for writing messages."""

from __future__ import annotations


def shortened(text: str, width: int = 110) -> str:
    """TEXT on one line, cut to WIDTH characters."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def a(noun: str) -> str:
    """'an int', 'a str'."""
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"
