"""Which app a repository check serves: final/ (or the article's complete app, while final/
has none), or the project given with `--app-dir`."""

from pathlib import Path

import pytest

from tests.helpers.repository import REPO_ROOT


def default_target() -> Path:
    """final/ once it has its app, else the article's complete app."""
    final = REPO_ROOT / "final"
    if (final / "app" / "main.py").is_file():
        return final
    return REPO_ROOT / "steps" / "07_alembic"


def target_dir_of(config: pytest.Config) -> Path:
    """The folder holding the `app` package to check: --app-dir if given, else default_target()."""
    raw = config.getoption("app_dir")
    if raw is None:
        return default_target()
    path = (config.invocation_params.dir / Path(raw).expanduser()).resolve()
    # The course plugin takes the app/ folder itself to mean its parent; so do we.
    return path.parent if path.name == "app" and not (path / "app").is_dir() else path
