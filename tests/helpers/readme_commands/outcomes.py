"""What happened to a README's commands, and the message a failed command gets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.helpers.readme_commands import RULES
from tests.helpers.readme_commands.parser import Block, Command
from tests.helpers.readme_commands.processes import OUTPUT_TAIL


@dataclass
class Outcome:
    """What happened to one command."""

    command: Command
    run_as: str
    cwd: str  # as a reader would say it
    status: int | None  # exit status; None for a server that answered or a skipped command
    expected: int | None
    output: str = ""
    failure: str = ""  # why the command failed, or ""
    skipped: str = ""  # why the command was not run, or ""
    seconds: float = 0.0


@dataclass
class Result:
    """What happened to a block."""

    block: Block
    copy: Path
    outcomes: list[Outcome]
    seconds: float
    output_failure: str = ""  # how the output differs from the README's ```text block


def explain(result: Result, outcome: Outcome) -> str:
    """The failure of one command: where it ran, as what, why it failed, its last output."""
    block, command = result.block, outcome.command
    lines = [
        f"{block.readme}, line {command.line} (block {block.number}): the command",
        f"    $ {command.text}",
    ]
    if outcome.run_as != command.text:
        lines.append(f"  ran as (with the stand-ins of {RULES}):\n    $ {outcome.run_as}")
    later = len(block.commands) - block.commands.index(command) - 1
    lines += [
        f"  failed: {outcome.failure}"
        + (f" (the {later} after it did not run)." if later else "."),
        f"  It ran in {outcome.cwd}, in a copy of the repository at {result.copy}.",
        f"  The last {OUTPUT_TAIL} lines of its output:",
        *(f"    | {line}" for line in outcome.output.splitlines()),
        f"Fix {block.readme} (line {command.line}) or the code it describes. A command that "
        f"must not run in the tests needs a marker line before its block: see {RULES}.",
    ]
    return "\n".join(lines)
