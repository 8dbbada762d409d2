"""Many packages called `app` share one pytest run without seeing each other."""

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = sorted((REPO_ROOT / "steps").glob("0*_*"))
# The module each step adds; a snapshot has it and every module of the earlier steps.
ADDED_BY_STEP = ["database", "models", "schemas", "crud", "router", "main", None]


def _app_names_in_sys_modules() -> list[str]:
    return [name for name in sys.modules if name == "app" or name.startswith("app.")]


@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=[path.name for path in SNAPSHOTS])
def test_each_snapshot_loads_its_own_modules(
    snapshot: Path, app_package_at: Callable[[Path], Any]
) -> None:
    package = app_package_at(snapshot)
    index = SNAPSHOTS.index(snapshot)
    own = [name for name in ADDED_BY_STEP[: index + 1] if name]
    for name in own:
        module = package.module(name, asked_by=None)
        assert Path(module.__file__).resolve().is_relative_to(snapshot / "app"), (
            f"steps/{snapshot.name} loaded app.{name} from {module.__file__}: another "
            "snapshot's package leaked in."
        )
    assert _app_names_in_sys_modules() == [], "loading a snapshot left `app` in sys.modules"


def test_a_step_cannot_see_a_later_steps_module(app_package_at: Callable[[Path], Any]) -> None:
    # Load step 03 first, so its `app.schemas` exists in this process; step 02 must still
    # report that it has no schemas module.
    app_package_at(SNAPSHOTS[2]).module("schemas", asked_by=None)
    with pytest.raises(pytest.fail.Exception, match=r"expects the file app/schemas\.py"):
        app_package_at(SNAPSHOTS[1]).module("schemas", asked_by="03_schemas")


def test_models_of_each_snapshot_use_that_snapshots_base(
    app_package_at: Callable[[Path], Any],
) -> None:
    bases = []
    for snapshot in SNAPSHOTS[1:]:
        package = app_package_at(snapshot)
        database = package.module("database", asked_by=None)
        models = package.module("models", asked_by=None)
        assert issubclass(models.Item, database.Base), (
            f"steps/{snapshot.name}: models.Item does not inherit from the Base of its own "
            "database module — it was imported against another snapshot's package."
        )
        bases.append(database.Base)
    assert len({id(base) for base in bases}) == len(bases), "two snapshots share one Base"


def test_activated_makes_app_mean_one_snapshot_and_then_restores(
    app_package_at: Callable[[Path], Any],
) -> None:
    sys.modules["app"] = sentinel = type(sys)("app")  # something else called `app`
    try:
        package = app_package_at(SNAPSHOTS[0])
        with package.activated():
            # Imported by name on purpose: that is what activated() allows.
            database = importlib.import_module("app.database")
            assert Path(str(database.__file__)).is_relative_to(SNAPSHOTS[0])
        assert sys.modules["app"] is sentinel, "activated() did not restore the previous `app`"
    finally:
        del sys.modules["app"]


def test_every_package_loaded_in_this_run_holds_only_its_own_files(
    loaded_app_packages: list[Any],
) -> None:
    # Runs after the step checks in a full `pytest` run, so it sees every package they used.
    assert loaded_app_packages, "no app package was loaded in this run"
    for package in loaded_app_packages:
        for name, module in package.modules.items():
            file = getattr(module, "__file__", None) or next(iter(module.__path__))
            assert Path(file).resolve().is_relative_to(package.root), (
                f"{package.root} holds {name} from {file}"
            )
