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

import pytest

from tests.helpers.lessons import (
    CodeBlock,
    code_blocks,
    expected_block,
    lesson_lines,
    sections,
    snapshot_text,
    write_it_blocks,
)
from tests.helpers.step_snapshots import STEPS, actual_changes, previous_step

LESSON_SECTIONS = [
    "What this step adds, and why",
    "The idea behind it",
    "Write it",
    "Try it",
    "Check it",
    "When a check fails",
]
COMMAND_LANGUAGES = {"bash", "pycon", "text", "powershell"}


@pytest.mark.parametrize("step", STEPS)
def test_each_step_readme_is_a_lesson_with_its_sections_in_order(step: str) -> None:
    titles = list(sections(lesson_lines(step)))
    assert titles == LESSON_SECTIONS, (
        f"steps/{step}/README.md should have exactly these `## ` sections, in this order:\n"
        + "\n".join(f"  ## {title}" for title in LESSON_SECTIONS)
        + "\nIt has:\n"
        + "\n".join(f"  ## {title}" for title in titles)
    )


@pytest.mark.parametrize("step", STEPS)
def test_write_it_shows_every_file_the_step_adds_or_changes(step: str) -> None:
    blocks = write_it_blocks(step)
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
    blocks = [block for block in write_it_blocks(step) if block.path]
    assert blocks, f"steps/{step}/README.md shows no file in 'Write it'"
    problems = []
    for block in blocks:
        before = snapshot_text(previous_step(step), block.path)
        after = snapshot_text(step, block.path)
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
