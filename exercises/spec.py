"""An exercise's folder and its `exercise.toml`, read once into an `Exercise`."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from exercises import projects

EXERCISES_DIR = Path(__file__).resolve().parent
# Where `[project] base` paths start from: the repository (or the bundle) that holds exercises/.
REPOSITORY_DIR = EXERCISES_DIR.parent
KINDS = ("api", "unit")
# What a submission and the tests (public, hidden, the learner's own) run with. The learner's
# copy (requirements.txt) and the Gradescope bundle (setup.sh) install them, and all they
# require, at the versions and hashes of the course's lock file, so that nothing passes at
# home and fails in grading because of a version. email-validator: a learner's `EmailStr` needs it.
PACKAGES = (
    "fastapi",
    "sqlalchemy",
    "pydantic",
    "email-validator",
    "alembic",
    "uvicorn",
    "httpx",
    "hypothesis",
    "pytest",
    # Starlette's TestClient (exercise 06's tests) is built on httpx2, and warns without it.
    "httpx2",
)
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
_FOLDER = re.compile(r"\d\d_[a-z0-9_]+")
# A base that is another exercise's project: exercises/NN_name/starter or .../solution.
_EXERCISE_PROJECT = re.compile(r"exercises/(\d\d_[a-z0-9_]+)/(starter|solution)")
Which = Literal["starter", "solution"]


@dataclass(frozen=True)
class TestSpec:
    """One graded test: its id (the check's name in tests/hidden), weight and flags."""

    id: str
    title: str
    points: float
    new: bool
    visibility: str


@dataclass(frozen=True)
class Exercise:
    """Everything the grader needs to know about one exercise folder."""

    name: str
    root: Path
    title: str
    kind: str
    time_limit: float
    memory_mb: int
    output_limit: int
    tests: tuple[TestSpec, ...]
    # The project the starter is built on (`[project] base`): a step snapshot such as
    # "steps/06_main", or another exercise's project such as
    # "exercises/02_patch_null_safety/solution". And the files starter/ and solution/ hold,
    # as exercise.toml lists them (tests/test_exercises.py keeps the lists and the folders equal).
    base: str
    starter_changes: tuple[str, ...]
    solution_changes: tuple[str, ...]
    # What one run of learner code may use besides time and memory (see sandbox.Limits):
    # processes and threads, open files, the largest file it writes, and the size of the
    # private writable area that holds the submission's copy while it is graded.
    processes: int = 128
    open_files: int = 256
    file_mb: int = 64
    scratch_mb: int = 256
    # Seconds one hidden check may take, at most (never more than what is left of
    # time_limit): a check that takes longer fails with a message saying so.
    check_time_limit: float = 30.0
    # Where the grader reads tests/hidden from: a private copy made for the batch (see
    # batch.private_material), or None for the exercise's own folder.
    material: Path | None = None

    @property
    def starter(self) -> Path:
        """The project the learner starts from: the base with starter/ over it (a folder
        built on first use, see exercises/projects.py)."""
        return projects.BUILT.get(self.project_files("starter"), self.name, "starter")

    @property
    def solution(self) -> Path:
        """The reference solution (scores full marks): the starter with solution/ over it
        (a folder built on first use)."""
        return projects.BUILT.get(self.project_files("solution"), self.name, "solution")

    def overlay(self, which: Which) -> Path:
        """The folder of files WHICH changes or adds: starter/ over the base, solution/ over
        the starter. It may be missing (a starter that is its base unchanged)."""
        return self.root / which

    def base_files(self) -> projects.ProjectFiles:
        """The files of the project the starter is built on. A Gradescope bundle holds no
        steps/ and no other exercise, so it carries that project, built, in base/."""
        bundled = self.root / "base"
        if bundled.is_dir():
            return projects.files_under(bundled)
        if match := _EXERCISE_PROJECT.fullmatch(self.base):
            which: Which = "starter" if match[2] == "starter" else "solution"
            return load(match[1]).project_files(which)
        return projects.snapshot_files(REPOSITORY_DIR / self.base)

    def project_files(self, which: Which) -> projects.ProjectFiles:
        """Every file of the starter or the solution, by its path in the project, from the
        layers it is made of (the base, starter/, and for the solution solution/)."""
        layers = [self.base_files(), projects.files_under(self.overlay("starter"))]
        if which == "solution":
            layers.append(projects.files_under(self.overlay("solution")))
        return projects.layered(*layers)

    @property
    def public_tests(self) -> Path:
        """The tests the learner sees and runs."""
        return self.root / "tests" / "public"

    @property
    def hidden_tests(self) -> Path:
        """The grading tests; never handed out, never run with submission code (the
        batch's private copy of them while grading, see `material`)."""
        return self.material or self.root / "tests" / "hidden"

    @property
    def max_score(self) -> float:
        """The sum of every test's points."""
        return sum(test.points for test in self.tests)


class ExerciseError(ValueError):
    """An exercise folder or its exercise.toml is not as the grader expects."""


def exercise_names() -> list[str]:
    """The folder names of every exercise, in order."""
    return sorted(
        path.name
        for path in EXERCISES_DIR.iterdir()
        if path.is_dir() and _FOLDER.fullmatch(path.name) and (path / "exercise.toml").is_file()
    )


def load(name: str) -> Exercise:
    """Read exercises/NAME/exercise.toml, or raise ExerciseError saying what is wrong."""
    root = EXERCISES_DIR / name
    if not _FOLDER.fullmatch(name) or not (root / "exercise.toml").is_file():
        known = ", ".join(exercise_names())
        raise ExerciseError(f"no exercise called {name!r}; the exercises are: {known}")
    data = tomllib.loads((root / "exercise.toml").read_text(encoding="utf-8"))
    kind = data.get("kind")
    if kind not in KINDS:
        raise ExerciseError(f"{name}/exercise.toml: kind must be one of {KINDS}, not {kind!r}")
    tests = []
    for entry in data.get("tests", []):
        visibility = entry.get("visibility", "visible")
        if visibility not in VISIBILITIES:
            raise ExerciseError(f"{name}: test {entry.get('id')}: bad visibility {visibility!r}")
        tests.append(
            TestSpec(
                id=str(entry["id"]),
                title=str(entry["title"]),
                points=float(entry["points"]),
                new=bool(entry.get("new", False)),
                visibility=visibility,
            )
        )
    if not tests:
        raise ExerciseError(f"{name}/exercise.toml lists no [[tests]]")
    project = data.get("project", {})
    base = project.get("base")
    if not isinstance(base, str):
        raise ExerciseError(f'{name}/exercise.toml: [project] needs base = "steps/NN_name"')
    if (match := _EXERCISE_PROJECT.fullmatch(base)) and match[1] >= name:
        # Built on an earlier exercise only, so that no chain of bases comes back to itself.
        raise ExerciseError(f"{name}/exercise.toml: base {base!r} must be an earlier exercise")
    if len({test.id for test in tests}) != len(tests):
        raise ExerciseError(f"{name}/exercise.toml lists a test id twice")
    return Exercise(
        name=name,
        root=root,
        title=str(data["title"]),
        kind=kind,
        time_limit=float(data.get("time_limit", 60)),
        memory_mb=int(data.get("memory_mb", 1024)),
        output_limit=int(data.get("output_limit", 64 * 1024)),
        tests=tuple(tests),
        base=base,
        starter_changes=tuple(str(path) for path in project.get("starter", [])),
        solution_changes=tuple(str(path) for path in project.get("solution", [])),
        processes=int(data.get("processes", 128)),
        open_files=int(data.get("open_files", 256)),
        file_mb=int(data.get("file_mb", 64)),
        scratch_mb=int(data.get("scratch_mb", 256)),
        check_time_limit=float(data.get("check_time_limit", 30)),
    )


# The course's lock file: every package of `pip install -e '.[dev]'` pinned, with hashes
# (pip-compile writes it; the root README says how to refresh it).
LOCK_FILE = EXERCISES_DIR.parent / "requirements.lock"
# An entry may name extras ("coverage[toml]==7.17.5"): the lock keeps them, because pip in
# --require-hashes mode refuses a requirement with extras whose pin the lock spells without
# them as soon as a newer release of that package exists on the index.
_LOCK_ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\S+)")


@dataclass(frozen=True)
class Locked:
    """One package of the lock file: its pin, its hashes and who requires it."""

    name: str
    version: str
    text: str  # the entry as the lock file writes it (pin and hashes, no comments)
    required_by: frozenset[str]


def canonical(name: str) -> str:
    """A package name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path = LOCK_FILE) -> dict[str, Locked]:
    """Every entry of the lock file, by canonical name."""
    entries: dict[str, Locked] = {}
    lines: list[str] = []
    via: set[str] = set()
    pin: tuple[str, str] | None = None

    def close() -> None:
        if pin is not None:
            text = "\n".join(lines).rstrip(" \\")
            entries[canonical(pin[0])] = Locked(pin[0], pin[1], text, frozenset(via))

    for line in path.read_text(encoding="utf-8").splitlines():
        if match := _LOCK_ENTRY.match(line):
            close()
            pin, lines, via = (match[1], match[2]), [line], set()
        elif line.lstrip().startswith("--hash") and pin is not None:
            lines.append(line)
        elif line.lstrip().startswith("#") and pin is not None:
            said = line.lstrip("# ").removeprefix("via").strip()
            if said and not said.startswith("("):
                via.add(canonical(said.split(" ")[0]))
    close()
    return entries


def locked_requirements(roots: tuple[str, ...] = PACKAGES) -> str:
    """The lock file's entries for ROOTS and everything they require (pins and hashes), as
    a requirements file: what the learner's copy and the Gradescope bundle install, with
    `pip install --require-hashes -r`, so that they get the versions CI tested."""
    entries = read_lock()
    wanted = {canonical(name) for name in roots}
    missing = wanted - set(entries)
    if missing:
        raise ExerciseError(f"{LOCK_FILE.name} has no entry for {', '.join(sorted(missing))}")
    grew = True
    while grew:
        more = {name for name, entry in entries.items() if entry.required_by & wanted}
        grew = not more <= wanted
        wanted |= more
    header = (
        "# The versions the course was tested with (from its requirements.lock), with hashes:\n"
        "#   pip install --require-hashes -r requirements.txt\n"
    )
    return header + "\n".join(entries[name].text for name in sorted(wanted)) + "\n"
