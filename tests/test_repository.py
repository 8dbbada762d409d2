"""The repository keeps its promises: two set-up commands, CI runs the README's test command,
no top-level folder appears without a reason written in the README, and a run without
PostgreSQL says once why its PostgreSQL checks skip."""

import os
import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def _two_commands() -> list[str]:
    section = README.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section, flags=re.DOTALL)


def test_readme_gives_exactly_two_setup_commands() -> None:
    commands = _two_commands()
    assert len(commands) == 2, f"expected two commands under '## Two commands', got {commands}"
    serve, test = commands
    assert "uvicorn" in serve, "the first command should serve the app"
    assert "pytest" in test, "the second command should run the tests"
    for command in commands:
        assert "\n" not in command, f"each set-up command is one line: {command!r}"
        assert command.startswith("python3 -m venv .venv && "), (
            f"each command must set up a fresh machine by itself: {command!r}"
        )


def test_ci_runs_the_readmes_test_command_verbatim() -> None:
    ci_lines = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    test_command = _two_commands()[1]
    assert test_command in ci_lines, (
        f"The README's test command\n  {test_command}\nis not a line of .ci/run; CI must run "
        "exactly what the README tells people to run."
    )


def test_every_top_level_entry_is_expected_or_explained() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    top_level = {path.split("/", 1)[0] for path in tracked}
    expected = {
        "steps",
        "final",
        "exercises",
        "tests",
        "pyproject.toml",
        "README.md",
        "conftest.py",
        ".ci",
        ".gitignore",
    }
    unexplained = {name for name in top_level - expected if f"`{name}" not in README}
    assert not unexplained, f"top-level entries with no reason in README.md: {unexplained}"


def test_without_postgresql_one_line_says_why_its_checks_skip() -> None:
    # Every check of final/ also runs on PostgreSQL when a server is reachable. Without one
    # the summary should say so once, with a count, not once per check.
    environment = {k: v for k, v in os.environ.items() if k != "COURSE_POSTGRES_URL"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "final/tests/test_crud.py"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    skipped_lines = [line for line in run.stdout.splitlines() if line.startswith("SKIPPED")]
    assert run.returncode == 0, run.stdout
    assert len(skipped_lines) == 1, (
        f"Expected one SKIPPED line for the PostgreSQL variants, got {len(skipped_lines)}:\n"
        + "\n".join(skipped_lines)
    )
    assert re.match(
        r"SKIPPED \[\d+\] final/tests/conftest\.py:\d+: no PostgreSQL server", skipped_lines[0]
    ), skipped_lines[0]


# The course's source material lives outside the repository, and a learner who clones it
# does not have it. The two spellings are put together here so that this file does not
# mention them itself.
OUTSIDE_PATHS = ("../" + "shared", "/".join(("shared", "seed")))


def test_no_tracked_file_points_outside_the_repository() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout.decode()
    mentions = []
    for name in filter(None, tracked.split("\0")):
        path = REPO_ROOT / name
        if not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            mentions += [f"{name}:{number}: {line.strip()}" for p in OUTSIDE_PATHS if p in line]
    assert not mentions, (
        "These lines point at files outside the repository, which a learner who cloned it "
        "does not have; say it in the repository's own words instead:\n" + "\n".join(mentions)
    )
