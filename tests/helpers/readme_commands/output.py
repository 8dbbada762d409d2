"""What a block prints: the output of its commands, compared with the ```text block after it."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from tests.helpers.readme_commands import RULES
from tests.helpers.readme_commands.outcomes import Outcome
from tests.helpers.readme_commands.parser import Block
from tests.helpers.readme_commands.processes import OUTPUT_TAIL


def _line_matches(expected: str, actual: str) -> bool:
    """`...` inside an expected line stands for any text (an address, a version)."""
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual) is not None


def output_matches(expected: list[str], actual: list[str]) -> bool:
    """Whether the output a README shows matches what the commands printed: line by line,
    trailing spaces and blank lines at either end ignored; a line that is only `...`
    stands for any number of lines, none included."""

    def trimmed(lines: list[str]) -> list[str]:
        stripped = [line.rstrip() for line in lines]
        while stripped and not stripped[-1]:
            stripped.pop()
        while stripped and not stripped[0]:
            stripped.pop(0)
        return stripped

    want, got = trimmed(expected), trimmed(actual)

    @functools.cache
    def matches_from(i: int, j: int) -> bool:
        if i == len(want):
            return j == len(got)
        if want[i].strip() == "...":
            return any(matches_from(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and _line_matches(want[i], got[j]) and matches_from(i + 1, j + 1)

    return matches_from(0, 0)


def output_failure(block: Block, outcomes: list[Outcome], logs: list[Path]) -> str:
    """ "" if the commands printed what the ```text block after them shows, else why not."""
    if block.expected_output is None or any(o.failure or o.skipped for o in outcomes):
        return ""
    printed = [
        line
        for log in logs
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
    ]
    if output_matches(list(block.expected_output), printed):
        return ""
    return "\n".join(
        [
            f"{block.readme}, line {block.output_line}: the block says the commands of block "
            f"{block.number} (line {block.line}) print",
            *(f"    | {line}" for line in block.expected_output),
            "  but they printed",
            *(f"    | {line}" for line in printed[-OUTPUT_TAIL:]),
            f"Fix the ```text block (a line `...` stands for any lines, `...` in a line for "
            f"any text) or the code it describes; see {RULES}.",
        ]
    )
