"""The shell a README command gets: the one of a reader who activated the copy's virtual
environment, with none of the variables the test run itself may have set."""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path

# Set in the environment of every README command: a command that ran the README test again
# inside a copy would otherwise start every README command again, without end.
INSIDE = "COURSE_README_COMMANDS"


def clean_environment() -> dict[str, str]:
    """This process's environment without what the test run itself may have set."""
    dropped = ("COV_CORE_", "COVERAGE_", "PYTEST_", "HYPOTHESIS_", "PIP_", "UVICORN_")
    singles = {"COURSE_POSTGRES_URL", "DATABASE_URL", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}
    singles |= {"PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX", "EXERCISE_PROJECT"}
    return {
        name: value
        for name, value in os.environ.items()
        if name not in singles and not name.startswith(dropped)
    }


def reader_environment(
    home: Path, root: Path, pycache: Path, wheelhouse: Path | None
) -> dict[str, str]:
    """The environment of a reader in the copy at `root` who activated its `.venv`: HOME is
    `home`, bytecode goes to `pycache`, and pip works offline (with `wheelhouse`, if any)."""
    env = clean_environment()
    own_scripts = str(Path(sysconfig.get_paths()["scripts"]))
    path = [
        entry for entry in env.get("PATH", os.defpath).split(os.pathsep) if entry != own_scripts
    ]
    env |= {
        "HOME": str(home),
        "PATH": os.pathsep.join([str(root / ".venv" / "bin"), *path]),
        "VIRTUAL_ENV": str(root / ".venv"),
        "PYTHONPYCACHEPREFIX": str(pycache),
        "PIP_NO_INDEX": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        INSIDE: "1",
    }
    if wheelhouse is not None:
        env["PIP_FIND_LINKS"] = str(wheelhouse)
    return env
