"""exercises/projects.py and the `[project]` table of exercise.toml (exercises/spec.py): how
an exercise's starter and solution are put together from a base and the files it changes."""

from pathlib import Path

import pytest

from exercises import spec
from exercises.projects import BuiltProjects, files_under, layered, snapshot_files, write


def _tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root


def test_a_snapshot_gives_its_project_not_its_lesson_nor_what_runs_left(tmp_path: Path) -> None:
    snapshot = _tree(
        tmp_path / "07_alembic",
        {
            "app/main.py": "main",
            "app/__pycache__/main.cpython-311.pyc": "cache",
            "alembic/env.py": "env",
            "alembic.ini": "ini",
            "README.md": "the lesson",
            "tests/test_alembic.py": "the step's checks",
            "app.db": "a database",
        },
    )
    assert set(snapshot_files(snapshot)) == {"app/main.py", "alembic/env.py", "alembic.ini"}


def test_a_folder_without_app_is_no_base(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="has no app/ folder"):
        snapshot_files(_tree(tmp_path / "empty", {"README.md": "x"}))


def test_a_later_layer_replaces_the_file_of_an_earlier_one(tmp_path: Path) -> None:
    base = _tree(tmp_path / "base", {"app/crud.py": "base", "app/main.py": "base"})
    _tree(base, {"app/models.py": "base"})
    starter = _tree(tmp_path / "starter", {"app/crud.py": "starter", "app/models.py": "starter"})
    solution = _tree(tmp_path / "solution", {"app/crud.py": "solution", "app/users.py": "new"})
    layers = [files_under(folder) for folder in (base, starter, solution)]
    project = write(layered(*layers), tmp_path / "project")
    assert {p.relative_to(project).as_posix(): p.read_text() for p in project.rglob("*.py")} == {
        "app/crud.py": "solution",
        "app/models.py": "starter",
        "app/main.py": "base",
        "app/users.py": "new",
    }


def test_a_missing_overlay_adds_nothing(tmp_path: Path) -> None:
    assert files_under(tmp_path / "starter") == {}


def test_a_link_in_an_exercise_is_refused_not_followed(tmp_path: Path) -> None:
    folder = _tree(tmp_path / "solution", {"app/crud.py": "x"})
    (folder / "app" / "secret.py").symlink_to("/etc/passwd")
    with pytest.raises(ValueError, match="is a link"):
        files_under(folder)
    (tmp_path / "linked").symlink_to(folder)
    with pytest.raises(ValueError, match="is a link"):
        files_under(tmp_path, ["linked"])


def test_a_project_is_never_written_over_another(tmp_path: Path) -> None:
    _tree(tmp_path / "out", {"notes.txt": "the learner's"})
    with pytest.raises(FileExistsError, match="not empty"):
        write({}, tmp_path / "out")


def test_a_project_is_built_once_and_deleted_at_the_end(tmp_path: Path) -> None:
    files = files_under(_tree(tmp_path / "a", {"app/main.py": "a"}))
    other = files_under(_tree(tmp_path / "b", {"app/main.py": "b"}))
    built = BuiltProjects()
    first = built.get(files, "01_put", "starter")
    assert built.get(dict(files), "01_put", "starter") == first
    # Other files under the same name (an exercise copied elsewhere): another folder, whose
    # own name stays `starter`, since gradings report results under it.
    second = built.get(other, "01_put", "starter")
    assert second != first
    assert second.name == "starter"
    assert (second / "app" / "main.py").read_text() == "b"
    built.clear()
    assert not first.exists()
    assert not second.exists()


def _exercise(root: Path, name: str, project: str) -> None:
    _tree(
        root / name,
        {
            "exercise.toml": f'title = "t"\nkind = "api"\n{project}\n'
            '[[tests]]\nid = "a"\ntitle = "a"\npoints = 1\n'
        },
    )


@pytest.mark.parametrize(
    ("project", "message"),
    [
        ("", "needs base"),
        ('[project]\nbase = "exercises/02_later/solution"', "must be an earlier exercise"),
        ('[project]\nbase = "exercises/01_first/solution"', "must be an earlier exercise"),
    ],
    ids=["no base", "a later exercise", "itself"],
)
def test_a_base_that_cannot_be_built_is_refused_when_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, project: str, message: str
) -> None:
    monkeypatch.setattr(spec, "EXERCISES_DIR", tmp_path)
    _exercise(tmp_path, "01_first", project)
    with pytest.raises(spec.ExerciseError, match=message):
        spec.load("01_first")


def test_a_base_may_be_an_earlier_exercises_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spec, "EXERCISES_DIR", tmp_path)
    monkeypatch.setattr(spec, "REPOSITORY_DIR", tmp_path)
    _tree(tmp_path / "steps" / "06_main", {"app/main.py": "step", "app/crud.py": "step"})
    _exercise(tmp_path, "01_first", '[project]\nbase = "steps/06_main"')
    _tree(tmp_path / "01_first" / "solution", {"app/crud.py": "first's solution"})
    _exercise(tmp_path, "02_next", '[project]\nbase = "exercises/01_first/solution"')
    _tree(tmp_path / "02_next" / "starter", {"tests/test_x.py": "tests"})
    files = spec.load("02_next").project_files("starter")
    assert {relative: path.read_text() for relative, path in files.items()} == {
        "app/main.py": "step",
        "app/crud.py": "first's solution",
        "tests/test_x.py": "tests",
    }
    # A bundle carries its base built, in base/, and takes it from there.
    _tree(tmp_path / "02_next" / "base", {"app/main.py": "bundled"})
    assert spec.load("02_next").base_files()["app/main.py"].read_text() == "bundled"
