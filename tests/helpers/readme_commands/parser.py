"""Reading the READMEs: their ```bash and ```pycon blocks, the ```text block that shows what
a bash block prints, and the marker lines before them (the rules: tests/test_readme_commands.py)."""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.repository import REPO_ROOT


def readme_paths() -> list[Path]:
    """Every README whose commands are run, relative to the repository root."""
    patterns = [
        "README.md",
        "steps/README.md",
        "steps/*/README.md",
        "final/README.md",
        "exercises/README.md",
        "exercises/*/README.md",
    ]
    found = [
        Path(p) for pattern in patterns for p in sorted(glob.glob(pattern, root_dir=REPO_ROOT))
    ]
    return list(dict.fromkeys(found))


FENCE = re.compile(r"^(?P<indent>\s*)```(?P<language>\S*)\s*$")
NOT_RUN = re.compile(r"^\*Not run by the tests: (?P<reason>[^*]*[^*\s])\*$")
FAILS = re.compile(
    r"^\*Fails on purpose \(exit status (?P<status>[1-9][0-9]{0,2})\): (?P<reason>[^*]*[^*\s])\*$"
)
# An italic line (not a `* ` bullet) that speaks like a marker.
MARKER_LIKE = re.compile(
    r"^\*(?=[^*\s]).*(not run|run by the tests|on purpose|exit status)", re.IGNORECASE
)
# Fences a reader would take for commands, but which are not run: write ```bash instead.
SHELL_LIKE = {"sh", "shell", "console", "zsh", "shell-session"}


@dataclass(frozen=True)
class Command:
    """One command of a block, as a reader types it."""

    text: str  # continuation lines joined; the trailing comment kept (bash ignores it)
    line: int  # line number of its first line in the README
    comment: str  # the trailing comment, without `#`, or ""

    @property
    def code(self) -> str:
        """The command without its comment."""
        start = _comment_start(self.text)
        return self.text if start is None else self.text[:start].rstrip()


@dataclass(frozen=True)
class Marker:
    """A marker line before a block: not run, or expected to fail with `status`."""

    reason: str
    status: int | None  # None: not run


@dataclass(frozen=True)
class Block:
    """A ```bash block of a README."""

    readme: str  # path relative to the repository root, e.g. "steps/07_alembic/README.md"
    number: int  # 1 for the README's first bash block
    line: int  # line number of the opening fence
    commands: tuple[Command, ...]
    lead_in: str  # the last line of prose before the block (markers skipped)
    marker: Marker | None
    bad_marker: str = ""  # a line before the block that looks like a marker but is not one
    marker_line: int = 0  # line number of the marker (or of the bad marker), 0 if none
    language: str = "bash"  # or "pycon": a session typed into `python`
    session: str = ""  # pycon: the lines of the block, each ending in "\n"
    expected_output: tuple[str, ...] | None = None  # the ```text block right after it
    output_line: int = 0  # line number of that block's opening fence
    section: str = ""  # the title of the `## ` section the block is in

    @property
    def id(self) -> str:
        return f"{self.readme}::block{self.number}"


@dataclass(frozen=True)
class Problem:
    """A malformed or misplaced marker."""

    readme: str
    line: int
    text: str
    why: str

    def __str__(self) -> str:
        return f"{self.readme}, line {self.line}: {self.why}\n    {self.text}"


def _comment_start(line: str) -> int | None:
    """Where the trailing `# comment` of a shell line starts (outside quotes), or None."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return index
    return None


def _commands(lines: list[tuple[int, str]]) -> tuple[Command, ...]:
    commands: list[Command] = []
    pending: list[str] = []
    first = 0
    for number, raw in lines:
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if not pending:
            first = number
        if line.endswith("\\"):
            pending.append(line[:-1].strip())
            continue
        text = " ".join([*pending, line])
        pending = []
        start = _comment_start(text)
        comment = text[start + 1 :].strip() if start is not None else ""
        commands.append(Command(text=text, line=first, comment=comment))
    if pending:
        commands.append(Command(text=" ".join(pending), line=first, comment=""))
    return tuple(commands)


def _marker(line: str) -> Marker | None:
    if not_run := NOT_RUN.match(line):
        return Marker(reason=not_run["reason"], status=None)
    if fails := FAILS.match(line):
        return Marker(reason=fails["reason"], status=int(fails["status"]))
    return None


def _expected_output(lines: list[str], end: int) -> tuple[tuple[str, ...] | None, int, int]:
    """The ```text block that follows the bash block closing at line index `end`, with only
    blank lines between: (its lines, index of its opening fence, index of its closing
    fence), or (None, 0, end) when there is none."""
    after = end + 1
    while after < len(lines) and not lines[after].strip():
        after += 1
    if after >= len(lines) or lines[after].strip() != "```text":
        return None, 0, end
    close = after + 1
    while close < len(lines) and lines[close].strip() != "```":
        close += 1
    return tuple(lines[after + 1 : close]), after, close


def parse_readme(readme: Path) -> tuple[list[Block], list[Problem]]:
    """The bash blocks of a README, and the problems of its markers."""
    name = readme.as_posix()
    lines = (REPO_ROOT / readme).read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    problems: list[Problem] = []
    used_markers: set[int] = set()
    index = 0
    section = ""
    while index < len(lines):
        fence = FENCE.match(lines[index])
        if fence is None:
            if lines[index].startswith("## "):
                section = lines[index][3:].strip()
            index += 1
            continue
        start = index
        end = start + 1
        while end < len(lines) and not re.match(r"^\s*```\s*$", lines[end]):
            end += 1
        if fence["language"] in SHELL_LIKE:
            why = "commands are run only from ```bash blocks; write ```bash"
            problems.append(Problem(name, start + 1, lines[start].strip(), why))
        if fence["language"] == "pycon":
            session = "".join(lines[number] + "\n" for number in range(start + 1, end))
            typed = Command(text="python", line=start + 1, comment="")
            blocks.append(
                Block(
                    name,
                    len(blocks) + 1,
                    start + 1,
                    (typed,),
                    "",
                    None,
                    language="pycon",
                    session=session,
                    section=section,
                )
            )
        if fence["language"] == "bash":
            before = [i for i in range(start) if lines[i].strip()]
            last = lines[before[-1]].strip() if before else ""
            marker = _marker(last)
            bad_marker = last if marker is None and MARKER_LIKE.search(last) else ""
            marker_line = 0
            if marker is not None or bad_marker:
                used_markers.add(before[-1])
                marker_line = before[-1] + 1
                before = before[:-1]
            lead_in = lines[before[-1]].strip() if before else ""
            lead_in = "" if lead_in.startswith("```") else lead_in
            body = [(number + 1, lines[number]) for number in range(start + 1, end)]
            commands = _commands(body)
            output, output_start, end = _expected_output(lines, end)
            blocks.append(
                Block(
                    name,
                    len(blocks) + 1,
                    start + 1,
                    commands,
                    lead_in,
                    marker,
                    bad_marker,
                    marker_line,
                    expected_output=output,
                    output_line=output_start + 1 if output is not None else 0,
                    section=section,
                )
            )
        index = end + 1
    for number, line in enumerate(lines):
        text = line.strip()
        if not MARKER_LIKE.search(text) or (number in used_markers and _marker(text)):
            continue
        if _marker(text) is not None:
            why = "a marker must be the last line before a ```bash block"
        else:
            why = (
                "this looks like a marker but is not one; write `*Not run by the tests: "
                "REASON*` or `*Fails on purpose (exit status N): REASON*`"
            )
        problems.append(Problem(name, number + 1, text, why))
    return blocks, problems


def all_blocks() -> list[Block]:
    """Every block of every README whose commands are run."""
    return [block for readme in readme_paths() for block in parse_readme(readme)[0]]
