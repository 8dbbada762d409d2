"""The `items-course` command: parsing its command line and running one of its commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from items_course.cli.project import CommandError, Invocation, Project, find_project
from items_course.course import Step, UnknownStep, find_step

_DESCRIPTION = """\
Check your Items API project against the course's steps, from your project folder (the one
that contains app/). Without a command: watch mode.

STEP is a number or a name: 3, 03, schemas or 03_schemas."""

_COMMANDS = {
    "watch": "check the current step each time you save a file (the default)",
    "check": "run one step's checks (default: the current step)",
    "hint": "advice for the step's first failure, then the lesson's 'When a check fails'",
    "list": "the seven steps: passed, failed or not tried",
    "start": "make a new project folder, ready for step 01",
}


def _parser() -> argparse.ArgumentParser:
    # The options are accepted before the command and after it (`items-course check 04
    # --app-dir ~/project`); after it, SUPPRESS keeps a value given before from being reset.
    def add_options(parser: argparse.ArgumentParser, default: object) -> None:
        parser.add_argument(
            "--app-dir",
            metavar="PATH",
            default=default,
            help="your project folder, if not the current one",
        )
        parser.add_argument(
            "--timeout",
            metavar="SECONDS",
            type=float,
            default=default,
            help="fail a check whose call into your code has not returned after SECONDS "
            "(default 10; 0: no limit)",
        )

    parser = argparse.ArgumentParser(
        prog="items-course",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_options(parser, None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, summary in _COMMANDS.items():
        command = commands.add_parser(name, help=summary, description=summary)
        add_options(command, argparse.SUPPRESS)
        if name in ("watch", "check", "hint"):
            command.add_argument("step", nargs="?", metavar="STEP")
        if name == "start":
            command.add_argument(
                "folder", nargs="?", metavar="DIR", help="the new folder (default: fastapi-crud)"
            )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command ARGV names; the exit status."""
    arguments = _parser().parse_args(argv)
    command = arguments.command or "watch"
    app_dir = Path(arguments.app_dir).expanduser() if arguments.app_dir else None
    timeout = arguments.timeout if arguments.timeout is not None else 10.0
    here = Path.cwd()
    invocation = Invocation.current(app_dir)
    try:
        if command == "start":
            from items_course.cli.start import start

            print(start(arguments.folder, here, invocation))
            return 0
        project = find_project(arguments.app_dir, here)
        if command == "list":
            from items_course.cli.listing import list_text

            print(list_text(project, invocation))
            return 0
        from items_course import requirements

        requirements.stop_if_missing(for_command_line=command == "watch")
        step_text = getattr(arguments, "step", None)
        step = find_step(step_text) if step_text else None
        return _run(command, project, invocation, timeout, step)
    except (CommandError, UnknownStep) as error:
        print(f"items-course: {error}", file=sys.stderr)
        return 2


def _run(
    command: str, project: Project, invocation: Invocation, timeout: float, chosen: Step | None
) -> int:
    current = chosen or find_step(project.progress().current_step())
    if command == "check":
        from items_course.cli.check import check

        return check(current, project, invocation, timeout)
    if command == "hint":
        from items_course.cli.hint import current_result, hint_text

        result = current_result(current, project, invocation, timeout)
        print(hint_text(current, result, invocation) if result is not None else "")
        return 0
    from items_course.cli.watch import watch

    return watch(project, invocation, timeout, chosen)


if __name__ == "__main__":
    sys.exit(main())
