"""The virtual environment of a copy.

A fresh machine downloads the dependencies; the copies borrow the ones installed in the
`.venv` of the interpreter running the tests (found with `sysconfig`, never changed). Each
copy's `.venv` is made by `venv` without pip and holds one `.pth` file that adds a view of
that site-packages: every package except the installers (pip, setuptools, wheel) and the
project's own editable install, which `python3 -m venv .venv` and `pip install -e .` put in
place as on a fresh machine. (A view, not the folder itself: pip's isolated build hides only
the venv's own site-packages, so an older setuptools seen through the `.pth` file would build
the project instead of the one that `[build-system] requires`.) `.venv/bin` gets launchers for
the console scripts of the borrowed packages (`pytest`, `uvicorn`, `alembic`, ...). pip runs
offline (`PIP_NO_INDEX=1`): a requirement the repository's `.venv` does not satisfy makes the
command fail instead of downloading it. The build backend that `pip install -e .` installs
into its isolated build comes from a folder of wheels downloaded once per machine into
pytest's cache (`.pytest_cache/d/readme_commands_wheelhouse`), the README test's only
download. Python writes its bytecode caches into one folder of the test session
(`PYTHONPYCACHEPREFIX`), so nothing is ever written into the repository's `.venv`.
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import sysconfig
import tomllib
import venv
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.readme_commands.environment import clean_environment
from tests.helpers.repository import REPO_ROOT


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class BorrowedPackages:
    """A view of the installed packages, and the launchers of their console scripts."""

    view: Path  # a folder of symbolic links into the test run's site-packages
    launchers: dict[str, bytes | Path]  # name -> script text or binary

    @classmethod
    def made_in(cls, base: Path) -> BorrowedPackages:
        """A folder of symbolic links to the installed packages, without the installers and
        the project's own install (see the module docstring), and the launchers of their
        console scripts."""
        paths = sysconfig.get_paths()
        purelib, scripts = Path(paths["purelib"]), Path(paths["scripts"]).resolve()
        project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        hidden_names = {"pip", "setuptools", "wheel", _normalized(project["project"]["name"])}
        hidden: set[str] = {"__pycache__"}
        launchers: dict[str, bytes | Path] = {}
        shebang = f"#!{scripts / 'python'}".encode()
        for dist in importlib.metadata.distributions(path=[str(purelib)]):
            files = dist.files or []
            if _normalized(dist.metadata["Name"]) in hidden_names:
                hidden.update(Path(f).parts[0] for f in files if Path(f).parts[0] != "..")
                continue
            for file in files:
                installed = (purelib / file).resolve()
                if installed.parent != scripts or not installed.is_file():
                    continue
                content = installed.read_bytes()
                if content.startswith(shebang + b"\n"):
                    launchers[installed.name] = content.split(b"\n", 1)[1]
                else:
                    launchers[installed.name] = installed
        view = base / "site-packages-view"
        view.mkdir()
        for entry in purelib.iterdir():
            if entry.name not in hidden:
                (view / entry.name).symlink_to(entry)
        return cls(view, launchers)

    def make_venv(self, folder: Path) -> None:
        """A `.venv` in FOLDER that borrows the installed packages."""
        venv.EnvBuilder(symlinks=True, with_pip=False).create(folder)
        bin_dir = folder / "bin"
        where = {"base": str(folder), "platbase": str(folder)}
        site_packages = sysconfig.get_path("purelib", scheme="venv", vars=where)
        line = f"import site; site.addsitedir({str(self.view)!r})\n"
        (Path(site_packages) / "_borrowed_packages.pth").write_text(line, encoding="utf-8")
        for name, launcher in self.launchers.items():
            target = bin_dir / name
            if isinstance(launcher, Path):
                target.symlink_to(launcher)
            else:
                target.write_bytes(f"#!{bin_dir / 'python'}\n".encode() + launcher)
                target.chmod(0o755)


def make_wheelhouse(cache: pytest.Cache | None, base: Path) -> Path:
    """The wheels of `[build-system] requires`, for pip's isolated build: downloaded once
    into pytest's cache (into `base` without one), then found there offline."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requires: list[str] = project["build-system"]["requires"]
    folder = cache.mkdir("readme_commands_wheelhouse") if cache is not None else base / "wheelhouse"
    download = [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check"]
    download += ["--only-binary=:all:", "--dest", str(folder), *requires]
    env = clean_environment()
    offline = subprocess.run(
        [*download, "--no-index", "--find-links", str(folder)],
        capture_output=True,
        timeout=120,
        env=env,
    )
    if offline.returncode != 0:
        online = subprocess.run(download, capture_output=True, text=True, timeout=300, env=env)
        if online.returncode != 0:
            raise RuntimeError(
                f"Could not download the build backend {requires} for `pip install -e .` "
                f"(this needs the network once per machine):\n{online.stderr[-2000:]}"
            )
    return folder
