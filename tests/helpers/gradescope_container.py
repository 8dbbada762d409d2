"""A Gradescope-like autograder container: a bubblewrap sandbox run as root, and /autograder
laid out in it as Gradescope lays it out. `tests/test_gradescope.py` sets up the exported
bundle and grades each submission in one."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

BWRAP = shutil.which("bwrap")


class Container:
    """One Gradescope-like container: a bubblewrap sandbox (as root, with the capabilities
    the grader needs for its own sandboxes) whose / is a tmpfs holding the machine's folders
    read-only, /autograder and /opt/grader-venv from folders of the test, a fresh /tmp."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.venv = root / "grader-venv"
        self.venv.mkdir()

    def run(
        self, autograder: Path, *command: str, timeout: float
    ) -> subprocess.CompletedProcess[str]:
        assert BWRAP is not None
        args = [BWRAP, "--tmpfs", "/"]
        for entry in sorted(os.listdir("/")):
            path = Path("/") / entry
            if entry in ("autograder", "proc", "dev", "tmp", "opt", "root", "run"):
                continue
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), str(path)]
            elif path.is_dir():
                args += ["--ro-bind", str(path), str(path)]
        args += ["--tmpfs", "/opt"]
        for entry in sorted(os.listdir("/opt")):  # the package index of this machine
            args += ["--ro-bind", f"/opt/{entry}", f"/opt/{entry}"]
        args += ["--bind", str(self.venv), "/opt/grader-venv"]
        args += ["--bind", str(autograder), "/autograder"]
        args += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/root"]
        args += ["--tmpfs", "/run", "--dir", "/run/lock"]
        # The grader claims a uid per worker with lock files there, and after each
        # submission kills what that uid still runs. Gradescope's container is alone on its
        # machine; this one shares the machine with whatever else grades on it (other
        # tests, another checkout's), which must see the same claims, or two workers take
        # one uid and kill each other's apps (seen: an app SIGKILLed while starting).
        locks = "/run/lock/items-api-grader"
        if os.path.isdir(locks):
            args += ["--bind", locks, locks]
        args += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--cap-add", "ALL"]
        args += ["--die-with-parent", "--chdir", "/autograder", "--", *command]
        environment = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": "/root",
            "LANG": "C.UTF-8",
            # This machine's package index (Gradescope's containers reach PyPI).
            **{key: value for key, value in os.environ.items() if key.startswith("PIP_")},
        }
        return subprocess.run(
            args, env=environment, capture_output=True, text=True, timeout=timeout, check=False
        )


def lay_out(base: Path, bundle: Path, submission: Path) -> Path:
    """/autograder as Gradescope makes it: source/ (the unzipped bundle), submission/ (what
    the learner uploaded), results/ (empty); run_autograder copied to /autograder."""
    autograder = base / "autograder"
    source = autograder / "source"
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            target = source / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            target.chmod((info.external_attr >> 16) & 0o777)
    shutil.copytree(submission, autograder / "submission")
    (autograder / "results").mkdir()
    shutil.copy2(source / "run_autograder", autograder / "run_autograder")
    return autograder
