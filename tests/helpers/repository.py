"""Where the repository is, and which files it holds."""

import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def tracked_files() -> list[str]:
    """The files git tracks, relative to the repository root (`steps/01_database/app/...`)."""
    return _git_ls_files()


def files_a_commit_would_hold() -> list[str]:
    """The tracked files and the new ones git does not ignore, as they are in the working
    tree: what a clone would have if everything were committed now."""
    listed = _git_ls_files("--cached", "--others", "--exclude-standard")
    return sorted({name for name in listed if (REPO_ROOT / name).is_file()})


def _git_ls_files(*options: str) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", *options], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [name for name in listed.split("\0") if name]
