"""Every step's README is a complete lesson, and the code it shows is the snapshot's code.

A lesson (`steps/NN_name/README.md`) has these sections, in this order:

    ## What this step adds, and why
    ## The idea behind it
    ## Write it             every file the step adds or changes, then a walk-through
    ## Try it               things to run and look at, run by tests/test_readme_commands.py
    ## Check it             the step's checks
    ## When a check fails   what their messages mean

How "Write it" shows a file
    A line that names the file in bold code, then a fenced block:

        **`app/models.py`** (new file)
        ```python
        ...the whole file, exactly as the snapshot has it...
        ```

    A file the step adds is labelled `(new file)` and shown whole: every line of it is new,
    so the label is the marking. A file the step changes is labelled `(changed)` and shown
    as a ```` ```diff ```` block: the unified diff from the step before (three lines of
    context, without the `---`/`+++` header), whose `+` lines are the new ones and `-` lines
    the removed ones; GitHub colours them. Text may follow the closing parenthesis of a
    label, e.g. `(new file, empty)`.

What is checked
    Each labelled block equals the snapshot: the whole file, or the diff between the two
    snapshots. A failure prints the block as it should be, ready to paste. Every file the
    step adds or changes has exactly one labelled block, and "Write it" holds no unlabelled
    code (a code block there that no test compares would drift). Blocks of commands
    (```` ```bash ````, ```` ```pycon ````, ```` ```text ````) are not code of the project
    and are run by `tests/test_readme_commands.py` instead.
"""

import difflib
import re
from dataclasses import dataclass

import pytest

from tests.step_snapshots import REPO_ROOT, STEPS, actual_changes, previous_step

LESSON_SECTIONS = [
    "What this step adds, and why",
    "The idea behind it",
    "Write it",
    "Try it",
    "Check it",
    "When a check fails",
]
LABEL = re.compile(r"^\*\*`(?P<path>[^`]+)`\*\* \((?P<kind>new file|changed)\b[^)]*\)$")
FENCE = re.compile(r"^```(?P<language>\S*)\s*$")
COMMAND_LANGUAGES = {"bash", "pycon", "text", "powershell"}
KIND_OF_CHANGE = {"new file": "added", "changed": "changed"}


@dataclass(frozen=True)
class CodeBlock:
    """A fenced block of a lesson, and the label above it if it has one."""

    line: int  # line number of the opening fence
    language: str
    text: str  # the lines between the fences, each ending in "\n"
    path: str = ""  # from the label, "" if unlabelled
    kind: str = ""  # "added" or "changed", "" if unlabelled


def _readme(step: str) -> list[str]:
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


def expected_block(kind: str, before: str, after: str) -> str:
    """What a labelled block must hold: the whole file, or the diff from `before`."""
    if kind == "added":
        return after
    diff = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), n=3
    )
    lines = list(diff)[2:]  # without the `---` / `+++` header
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _snapshot_text(step: str | None, path: str) -> str:
    if step is None:
        return ""
    file = REPO_ROOT / "steps" / step / path
    return file.read_text(encoding="utf-8") if file.is_file() else ""


def _write_it_blocks(step: str) -> list[CodeBlock]:
    return code_blocks(sections(_readme(step)).get("Write it", []))


@pytest.mark.parametrize("step", STEPS)
def test_each_step_readme_is_a_lesson_with_its_sections_in_order(step: str) -> None:
    titles = list(sections(_readme(step)))
    assert titles == LESSON_SECTIONS, (
        f"steps/{step}/README.md should have exactly these `## ` sections, in this order:\n"
        + "\n".join(f"  ## {title}" for title in LESSON_SECTIONS)
        + "\nIt has:\n"
        + "\n".join(f"  ## {title}" for title in titles)
    )


@pytest.mark.parametrize("step", STEPS)
def test_write_it_shows_every_file_the_step_adds_or_changes(step: str) -> None:
    blocks = _write_it_blocks(step)
    shown = [(block.kind, block.path) for block in blocks if block.path]
    expected = {change for change in actual_changes(step) if change[0] != "removed"}
    unlabelled = [
        f"line {block.line} (```{block.language})"
        for block in blocks
        if not block.path and block.language not in COMMAND_LANGUAGES
    ]
    twice = sorted({change for change in shown if shown.count(change) > 1})
    complete = set(shown) == expected and not twice and not unlabelled
    assert complete, (
        f"steps/{step}/README.md, section 'Write it':\n"
        f"  files the step adds or changes with no labelled block: "
        f"{sorted(expected - set(shown))}\n"
        f"  labelled blocks for files the step does not add or change (or the wrong label, "
        f"'new file' or 'changed'): {sorted(set(shown) - expected)}\n"
        f"  files shown twice: {twice}\n"
        f"  code blocks without a label: {unlabelled}\n"
        "Label each block with a line like **`app/models.py`** (new file) right above it."
    )


@pytest.mark.parametrize("step", STEPS)
def test_every_labelled_block_equals_the_snapshot(step: str) -> None:
    blocks = [block for block in _write_it_blocks(step) if block.path]
    assert blocks, f"steps/{step}/README.md shows no file in 'Write it'"
    problems = []
    for block in blocks:
        before = _snapshot_text(previous_step(step), block.path)
        after = _snapshot_text(step, block.path)
        expected = expected_block(block.kind, before, after)
        if block.text == expected:
            continue
        difference = "".join(
            difflib.unified_diff(
                block.text.splitlines(keepends=True),
                expected.splitlines(keepends=True),
                "the README's block",
                f"steps/{step}/{block.path}" + (" (as a diff)" if block.kind == "changed" else ""),
            )
        )
        problems.append(
            f"steps/{step}/README.md, line {block.line}: the block labelled `{block.path}` "
            f"differs from the snapshot:\n{difference}\n"
            f"The block should be:\n```{block.language}\n{expected}```"
        )
    assert not problems, "\n\n".join(problems)


def test_a_changed_file_is_shown_as_its_diff_with_context() -> None:
    before = "".join(f"line {n}\n" for n in range(1, 11))
    after = before.replace("line 5\n", "line 5, changed\n").replace("line 9\n", "")
    block = expected_block("changed", before, after)
    assert block == (
        "@@ -2,9 +2,8 @@\n line 2\n line 3\n line 4\n-line 5\n+line 5, changed\n"
        " line 6\n line 7\n line 8\n-line 9\n line 10\n"
    )
    assert expected_block("added", "", after) == after


def test_a_label_is_read_with_its_path_and_kind() -> None:
    section = list(
        enumerate(
            [
                "**`app/__init__.py`** (new file, empty)",
                "```python",
                "```",
                "**`app/main.py`** (changed: the lines marked + are new)",
                "",
                "```diff",
                "+x",
                "```",
                "```python",
                "y = 1",
                "```",
            ],
            start=1,
        )
    )
    assert code_blocks(section) == [
        CodeBlock(2, "python", "", "app/__init__.py", "added"),
        CodeBlock(6, "diff", "+x\n", "app/main.py", "changed"),
        CodeBlock(9, "python", "y = 1\n"),
    ]
