"""Reading a lesson (`steps/NN_name/README.md`): its sections, its fenced blocks and their
labels, and what a labelled block must hold. The rules are in `tests/test_lessons.py`."""

import difflib
import re
from dataclasses import dataclass

from tests.helpers.repository import REPO_ROOT

LABEL = re.compile(r"^\*\*`(?P<path>[^`]+)`\*\* \((?P<kind>new file|changed)\b[^)]*\)$")
FENCE = re.compile(r"^```(?P<language>\S*)\s*$")
KIND_OF_CHANGE = {"new file": "added", "changed": "changed"}


@dataclass(frozen=True)
class CodeBlock:
    """A fenced block of a lesson, and the label above it if it has one."""

    line: int  # line number of the opening fence
    language: str
    text: str  # the lines between the fences, each ending in "\n"
    path: str = ""  # from the label, "" if unlabelled
    kind: str = ""  # "added" or "changed", "" if unlabelled


def lesson_lines(step: str) -> list[str]:
    """The lines of a step's README."""
    return (REPO_ROOT / "steps" / step / "README.md").read_text(encoding="utf-8").splitlines()


def sections(lines: list[str]) -> dict[str, list[tuple[int, str]]]:
    """The README's `## ` sections: title -> its (line number, line) pairs."""
    found: dict[str, list[tuple[int, str]]] = {}
    current: list[tuple[int, str]] | None = None
    in_fence = False
    for number, line in enumerate(lines, start=1):
        if line.startswith("```"):
            in_fence = not in_fence
        if not in_fence and line.startswith("## "):
            current = found.setdefault(line[3:].strip(), [])
        elif current is not None:
            current.append((number, line))
    return found


def code_blocks(section: list[tuple[int, str]]) -> list[CodeBlock]:
    """The fenced blocks of a section, each with the label of its last non-blank line."""
    blocks: list[CodeBlock] = []
    index = 0
    while index < len(section):
        number, line = section[index]
        fence = FENCE.match(line)
        if fence is None:
            index += 1
            continue
        end = index + 1
        while end < len(section) and section[end][1].strip() != "```":
            end += 1
        text = "".join(body + "\n" for _, body in section[index + 1 : end])
        before = [body for _, body in section[:index] if body.strip()]
        label = LABEL.match(before[-1].strip()) if before else None
        path = label["path"] if label else ""
        kind = KIND_OF_CHANGE[label["kind"]] if label else ""
        blocks.append(CodeBlock(number, fence["language"], text, path, kind))
        index = end + 1
    return blocks


def write_it_blocks(step: str) -> list[CodeBlock]:
    """The fenced blocks of the lesson's "Write it" section."""
    return code_blocks(sections(lesson_lines(step)).get("Write it", []))


def expected_block(kind: str, before: str, after: str) -> str:
    """What a labelled block must hold: the whole file, or the diff from `before`."""
    if kind == "added":
        return after
    diff = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), n=3
    )
    lines = list(diff)[2:]  # without the `---` / `+++` header
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def snapshot_text(step: str | None, path: str) -> str:
    """A file of a step's snapshot, "" if the step (or the file) does not exist."""
    if step is None:
        return ""
    file = REPO_ROOT / "steps" / step / path
    return file.read_text(encoding="utf-8") if file.is_file() else ""
