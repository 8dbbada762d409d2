"""`items-course start [DIR]`: a new project folder, ready for step 01 (like `rustlings init`)."""

from __future__ import annotations

from pathlib import Path

from items_course.cli.project import CommandError, Invocation
from items_course.commands import quoted
from items_course.course import PROGRESS_FILE, all_steps

DEFAULT_FOLDER = "fastapi-crud"
_GITIGNORE = f"""\
# Made by running the app and its checks, not written by you:
__pycache__/
*.db
{PROGRESS_FILE}
"""


def start(folder: str | None, here: Path, invocation: Invocation) -> str:
    """Make the project folder; what was made and what to do next."""
    root = (here / (folder or DEFAULT_FOLDER)).expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise CommandError(f"{root} is a file; give the name of a new folder.")
    if root.is_dir() and any(root.iterdir()):
        if (root / "app").is_dir():
            raise CommandError(
                f"{root} is already a project (it has app/): nothing was changed.\n"
                f"Check it with: cd {quoted(str(root))} && {invocation.from_anywhere()}"
            )
        raise CommandError(
            f"{root} exists and is not empty: nothing was changed. Give the name of a new "
            "folder (or an empty one)."
        )
    (root / "app").mkdir(parents=True, exist_ok=True)
    (root / "app" / "__init__.py").write_text("", encoding="utf-8")
    (root / ".gitignore").write_text(_GITIGNORE, encoding="utf-8")
    first = all_steps()[0]
    return "\n".join(
        [
            f"Made {root}, a project for the Items API course:",
            f"  {root / 'app' / '__init__.py'}  (empty: it makes app/ a package)",
            f"  {root / '.gitignore'}",
            "",
            f"Step 01 writes app/database.py: read its lesson, {first.lesson}, then check "
            "your code each time you save with",
            f"  cd {quoted(str(root))} && {invocation.from_anywhere()}",
        ]
    )
