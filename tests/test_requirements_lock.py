"""requirements.lock: every package the course installs, pinned with hashes, current with
pyproject.toml, and used by the README's set-up, the learner's copy and the Gradescope
bundle (exercises/spec.py reads it)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

from exercises.spec import LOCK_FILE, canonical, locked_requirements, read_lock

REPO_ROOT = Path(__file__).resolve().parents[1]
REFRESH = "see README.md, 'Refreshing the lock file'"


def _declared() -> list[Requirement]:
    text = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    project = tomllib.loads(text)["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    return [Requirement(line) for line in declared]


def _needed(requirement: Requirement, extras: set[str]) -> bool:
    """Whether REQUIREMENT applies here, for a package installed with EXTRAS."""
    if requirement.marker is None:
        return True
    environment = {key: str(value) for key, value in default_environment().items()}
    return any(
        requirement.marker.evaluate({**environment, "extra": extra}) for extra in ("", *extras)
    )


def _walk(roots: list[Requirement]) -> list[Requirement]:
    """Every requirement that ROOTS, and the packages they pull in as installed here, make."""
    walked: list[Requirement] = []
    done: set[tuple[str, frozenset[str]]] = set()
    todo = [root for root in roots if _needed(root, set())]
    while todo:
        requirement = todo.pop()
        key = (canonical(requirement.name), frozenset(requirement.extras))
        if key in done:
            continue
        done.add(key)
        walked.append(requirement)
        more = (Requirement(line) for line in metadata.distribution(key[0]).requires or [])
        todo += [needed for needed in more if _needed(needed, requirement.extras)]
    return walked


def _closure(roots: list[Requirement]) -> dict[str, str]:
    """Every distribution ROOTS need, as installed here: {canonical name: version}."""
    return {canonical(needed.name): metadata.version(needed.name) for needed in _walk(roots)}


def test_every_declared_requirement_is_locked_at_a_version_it_accepts() -> None:
    lock = read_lock()
    for requirement in _declared():
        entry = lock.get(canonical(requirement.name))
        assert entry is not None, f"{requirement} is not in {LOCK_FILE.name}: {REFRESH}"
        assert requirement.specifier.contains(entry.version, prereleases=True), (
            f"{LOCK_FILE.name} pins {entry.name}=={entry.version}, which pyproject.toml's "
            f"{requirement} refuses: {REFRESH}"
        )


def test_the_lock_is_exactly_what_pyproject_needs_at_the_versions_tested() -> None:
    # This environment was installed with the lock as constraints (the README's commands):
    # the lock must hold every package pyproject.toml's requirements pull in, at the version
    # installed, and nothing else (a package no longer required is stale).
    lock = {name: entry.version for name, entry in read_lock().items()}
    needed = _closure(_declared())
    missing = sorted(f"{name}=={version}" for name, version in needed.items() if name not in lock)
    stale = sorted(
        name for name in lock if name not in needed and name not in ("pip", "setuptools")
    )
    differ = sorted(
        f"{name}: locked {lock[name]}, installed {version}"
        for name, version in needed.items()
        if name in lock and lock[name] != version
    )
    assert not missing, f"not in {LOCK_FILE.name}: {missing}; {REFRESH}"
    assert not stale, f"in {LOCK_FILE.name} but required by nothing: {stale}; {REFRESH}"
    assert not differ, f"{differ}: install with the lock (README) or {REFRESH}"


def test_the_lock_spells_the_extras_that_requirements_ask_for() -> None:
    # pip-compile --strip-extras writes "coverage==7.17.5" where pytest-cov asks for
    # coverage[toml]; pip --require-hashes then fails on a fresh machine once the index has a
    # newer coverage ("all requirements must have their versions pinned with ==").
    lock_text = LOCK_FILE.read_text(encoding="utf-8")
    asked: dict[str, set[str]] = {}
    for requirement in _walk(_declared()):
        if requirement.extras:
            asked.setdefault(canonical(requirement.name), set()).update(requirement.extras)
    assert asked, "no requirement asks for an extra: this check has nothing left to check"
    for name, extras in sorted(asked.items()):
        entry = read_lock()[name]
        pinned = re.search(rf"^{re.escape(entry.name)}\[([^\]]*)\]==", lock_text, flags=re.M)
        assert pinned, f"{LOCK_FILE.name} pins {entry.name} without its extras {extras}: {REFRESH}"
        missing = extras - {canonical(extra) for extra in pinned[1].split(",")}
        assert not missing, f"{LOCK_FILE.name}'s {entry.name} lacks the extras {missing}: {REFRESH}"


def test_every_locked_package_has_hashes() -> None:
    entries = read_lock()
    assert len(entries) > 40, f"{LOCK_FILE.name} lost its entries"
    unhashed = [entry.name for entry in entries.values() if "--hash=sha256:" not in entry.text]
    assert not unhashed, f"entries without a hash in {LOCK_FILE.name}: {unhashed}"


def test_the_readme_set_up_commands_install_with_the_lock() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    installs = re.findall(r"^python3 -m venv \.venv && (.+)$", readme, flags=re.M)
    assert installs, "the README's set-up commands are gone"
    for command in installs:
        # pip checks every hash of the lock, then adds the course's own package, whose
        # requirements the lock already holds (pip refuses a lock with hashes as the
        # constraints of an editable install: "there is no single file to hash").
        assert command.startswith(
            ".venv/bin/pip install -q --require-hashes -r requirements.lock && "
            ".venv/bin/pip install -q --no-deps -e . "
        ), command


def test_the_learners_requirements_are_the_locks_own_entries() -> None:
    lock = read_lock()
    text = locked_requirements()
    pinned = re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", text, flags=re.M)
    assert len(pinned) > 9, text  # the grader's packages and what they require
    for name, version in pinned:
        entry = lock[canonical(name)]
        assert entry.version == version
        assert entry.text in text, f"{name}: its hashes differ from the lock's"
