"""Nothing inside a submission changes its grade except correct code.

Each test hands the grader one hostile submission: the starter (whose honest score is
known) plus one attack. The attack must not raise the score, and a crash, hang, exit, flood
of output or memory bomb must end in a score and a clear message, within the time limit.
All hostile submissions (API and unit) are graded once, in one pool of two workers.
"""

import hashlib
import json
import shutil
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from exercises.grade import Batch, grade_batches
from exercises.spec import load

PUT = load("01_put")
UNIT = load("06_property_tests")
MARKER = Path("/tmp") / f"grader-attack-{uuid.uuid4().hex}"
TIME_LIMIT = 8.0

# Executed by any hostile file that gets loaded: leaves a marker file behind.
TOUCH = f"open({str(MARKER)!r}, 'a').write('loaded\\n')"

# --- hostile API submissions (exercise 01_put; the starter honestly scores 2 of 13) ---------
API_ATTACKS: dict[str, dict[str, str]] = {
    "conftest": {
        "conftest.py": f"{TOUCH}\n",
        "tests/conftest.py": f"{TOUCH}\n",
    },
    "pytest_config": {
        "pytest.ini": f"[pytest]\naddopts = -p evil\n# {TOUCH}\n",
        "pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-p evil'\n",
        "setup.cfg": "[tool:pytest]\naddopts = -p evil\n",
        "evil.py": f"{TOUCH}\n",
    },
    "sitecustomize": {"sitecustomize.py": f"{TOUCH}\n", "usercustomize.py": f"{TOUCH}\n"},
    "pth_file": {"evil.pth": f"import os; {TOUCH}\n", "app/evil.pth": f"import os; {TOUCH}\n"},
    "prewritten_results": {
        "results.json": json.dumps({"score": 13, "tests": []}),
        "results/results.json": json.dumps({"score": 13, "tests": []}),
        "gradebook.csv": "submission,total\nprewritten_results,13\n",
    },
    "reads_hidden_tests": {
        "app/main.py": textwrap.dedent(
            """
            import os, sys
            from pathlib import Path
            places = [Path.cwd(), *Path.cwd().parents, *map(Path, sys.path), *map(Path, sys.argv)]
            places += [Path(v) for v in os.environ.values() if v.startswith("/")]
            found = sorted({str(p) for place in places for p in place.glob("*/tests/hidden")}
                           | {str(p) for place in places for p in place.glob("exercises")})
            raise RuntimeError(f"LEAK-PROBE found={found}")
            """
        ),
    },
    "crash_on_import": {"app/main.py": "raise RuntimeError('boom at import')\n"},
    "sys_exit_on_import": {"app/main.py": "import sys\nsys.exit(3)\n"},
    "os_exit_in_a_handler": {"app/crud.py": "patch:os_exit"},
    "hang_on_import": {"app/main.py": "import time\ntime.sleep(3600)\n"},
    "hang_in_a_handler": {"app/crud.py": "patch:sleep"},
    "prints_megabytes": {"app/__init__.py": "print('x' * 50_000_000)\n"},
    "memory_bomb": {"app/__init__.py": "hog = bytearray(20 * 1024**3)\n"},
    "symlink_to_hidden_tests": {"app/checks.py": "symlink"},
}


def _write(project: Path, relative: str, content: str, exercise_root: Path) -> None:
    target = project / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if content == "symlink":
        target.symlink_to(exercise_root / "tests" / "hidden" / "checks.py")
    elif content.startswith("patch:"):
        source = target.read_text(encoding="utf-8")
        hook = {
            # PATCH kills the server; every other request works.
            "os_exit": "    import os\n    os._exit(0)\n",
            # GET /items/{id} never answers.
            "sleep": "    import time\n    time.sleep(3600)\n",
        }[content[6:]]
        function = "def update_item(" if content == "patch:os_exit" else "def get_item("
        head, tail = source.split(function, 1)
        signature, body = tail.split("\n", 1)
        target.write_text(f"{head}{function}{signature}\n{hook}{body}", encoding="utf-8")
    else:
        target.write_text(content, encoding="utf-8")


def _hostile(base: Path, root: Path, name: str, files: dict[str, str], exercise_root: Path) -> Path:
    project = root / name
    shutil.copytree(base, project, ignore=shutil.ignore_patterns("__pycache__"))
    for relative, content in files.items():
        _write(project, relative, content, exercise_root)
    return project


def _score_and_text(results: dict[str, Any], name: str) -> tuple[float, str]:
    result = results[name]
    text = result["output"] + "\n" + "\n".join(test["output"] for test in result["tests"])
    return result["score"], text


@pytest.mark.slow
@pytest.mark.parametrize(
    "attack", ["conftest", "pytest_config", "sitecustomize", "pth_file", "prewritten_results"]
)
def test_files_beside_the_code_are_never_loaded_nor_trusted(
    api_results: dict[str, Any], attack: str
) -> None:
    score, _ = _score_and_text(api_results, attack)
    honest, _ = _score_and_text(api_results, "honest_starter")
    assert score == honest == 2, f"{attack}: scored {score}, the honest starter {honest}"
    assert not MARKER.exists(), f"{attack}: a hostile file was executed ({MARKER} exists)"


@pytest.mark.slow
def test_the_app_cannot_find_the_hidden_tests_from_where_it_runs(
    api_results: dict[str, Any],
) -> None:
    score, text = _score_and_text(api_results, "reads_hidden_tests")
    assert score == 0
    assert "LEAK-PROBE found=[]" in text, f"the probe found something or did not run:\n{text}"


@pytest.mark.slow
def test_a_crash_at_import_scores_zero_and_says_why(api_results: dict[str, Any]) -> None:
    score, text = _score_and_text(api_results, "crash_on_import")
    assert score == 0
    assert "stopped while starting" in text, text
    assert "boom at import" in text, text


@pytest.mark.slow
def test_sys_exit_at_import_scores_zero_and_says_why(api_results: dict[str, Any]) -> None:
    score, text = _score_and_text(api_results, "sys_exit_on_import")
    assert score == 0
    assert "exited with code 3" in text, text


@pytest.mark.slow
def test_os_exit_in_one_handler_costs_only_the_tests_that_use_it(
    api_results: dict[str, Any],
) -> None:
    score, text = _score_and_text(api_results, "os_exit_in_a_handler")
    # PATCH dies; the server is restarted and POST/GET/DELETE still earn their point.
    assert score == 1, text
    assert "exited with code 0" in text, text
    assert "os._exit()" in text, text


@pytest.mark.slow
def test_a_hang_at_import_scores_zero_within_the_time_limit(api_results: dict[str, Any]) -> None:
    score, text = _score_and_text(api_results, "hang_on_import")
    assert score == 0
    assert "did not answer within" in text, text
    assert api_results["hang_on_import"]["execution_time"] <= TIME_LIMIT + 5


@pytest.mark.slow
def test_a_hanging_handler_is_cut_off_by_the_time_limit(api_results: dict[str, Any]) -> None:
    score, text = _score_and_text(api_results, "hang_in_a_handler")
    assert score == 0, text
    assert "got no answer within 5 s" in text or "time limit" in text, text
    assert api_results["hang_in_a_handler"]["execution_time"] <= TIME_LIMIT + 5


@pytest.mark.slow
def test_megabytes_of_output_are_cut_and_grading_goes_on(api_results: dict[str, Any]) -> None:
    score, text = _score_and_text(api_results, "prints_megabytes")
    assert score == 2, text
    assert "only the first" in text, text
    assert len(json.dumps(api_results["prints_megabytes"])) < 200_000


@pytest.mark.slow
def test_a_memory_bomb_hits_the_limit(api_results: dict[str, Any]) -> None:
    score, text = _score_and_text(api_results, "memory_bomb")
    assert score == 0
    assert "MemoryError" in text, text


@pytest.mark.slow
def test_symbolic_links_are_not_followed(api_results: dict[str, Any]) -> None:
    score, text = _score_and_text(api_results, "symlink_to_hidden_tests")
    assert score == 2
    assert "symbolic links are not graded" in text, text


@pytest.mark.slow
def test_the_hostile_batch_stays_within_its_time_budget(graded: dict[str, Any]) -> None:
    # 21 submissions, 2 at a time: the two hangs cost their own limit, nothing more.
    assert graded["elapsed"] < 60, f"the batch took {graded['elapsed']:.0f} s"


# --- hostile unit submissions (exercise 06: the learner's tests are graded) ----------------
# A "fingerprint" fails unless the app's source is exactly the starter's. If a submission
# could make it run, it would pass on the reference and fail on every mutant: full marks
# for no real test. Each attack hides it somewhere else.
FINGERPRINT = textwrap.dedent(
    f"""
    import hashlib, pathlib
    {TOUCH}
    SOURCE = b"".join(p.read_bytes() for p in sorted(pathlib.Path("app").glob("*.py")))
    if hashlib.sha256(SOURCE).hexdigest() != "EXPECTED":
        raise SystemExit(1)
    """
)
FINGERPRINT_TEST = textwrap.dedent(
    """
    import hashlib, pathlib

    def test_the_app_is_the_one_i_was_given():
        source = b"".join(p.read_bytes() for p in sorted(pathlib.Path("app").glob("*.py")))
        assert hashlib.sha256(source).hexdigest() == "EXPECTED"
    """
)
UNIT_ATTACKS: dict[str, dict[str, str]] = {
    "unit_conftest": {"tests/conftest.py": FINGERPRINT, "conftest.py": FINGERPRINT},
    "unit_pytest_config": {
        "tests/fingerprint.py": FINGERPRINT,
        "pytest.ini": "[pytest]\naddopts = -p tests.fingerprint\n",
        "tests/pytest.ini": "[pytest]\naddopts = -p fingerprint\n",
        "pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-p tests.fingerprint'\n",
        "setup.cfg": "[tool:pytest]\naddopts = -p tests.fingerprint\n",
        "tox.ini": "[pytest]\naddopts = -p tests.fingerprint\n",
    },
    "unit_sitecustomize": {
        "sitecustomize.py": FINGERPRINT,
        "tests/sitecustomize.py": FINGERPRINT,
        "tests/evil.pth": "import sitecustomize\n",
    },
    "unit_fingerprint_test": {"tests/test_fingerprint.py": FINGERPRINT_TEST},
    "unit_monkeypatches_pytest": {
        "tests/test_forge.py": textwrap.dedent(
            """
            import json, os, pathlib, _pytest.main

            # Forge every result file it can think of, then claim success whatever happens.
            for folder in [pathlib.Path.cwd(), *pathlib.Path.cwd().parents][:4]:
                for name in ("results.json", "junit.xml", "report.xml"):
                    try:
                        (folder / name).write_text(json.dumps({"score": 10}))
                    except OSError:
                        pass
            _pytest.main.ExitCode.TESTS_FAILED = 0

            def test_always_fails():
                assert False
            """
        ),
    },
    "unit_reads_hidden_mutants": {
        "tests/test_peek.py": textwrap.dedent(
            """
            import os, sys
            from pathlib import Path

            def test_no_mutants_in_sight():
                places = [Path.cwd(), *Path.cwd().parents, *map(Path, sys.path)]
                places += [Path(v) for v in os.environ.values() if v.startswith("/")]
                found = [p / "mutants.py" for p in places if (p / "mutants.py").exists()]
                found += [p for place in places for p in place.glob("*/tests/hidden")]
                assert found == [], found
            """
        ),
    },
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every hostile submission graded: API results, unit results, and the time it took."""
    root = tmp_path_factory.mktemp("attacks")
    api = {
        name: _hostile(PUT.starter, root / "api", name, files, PUT.root)
        for name, files in API_ATTACKS.items()
    }
    api["honest_starter"] = _hostile(PUT.starter, root / "api", "honest_starter", {}, PUT.root)
    # The two hangs first: each holds a worker for its whole time limit while the other
    # worker grades everything else.
    slow = ["hang_on_import", "hang_in_a_handler"]
    api_order = [api[name] for name in slow] + [p for n, p in api.items() if n not in slow]
    source = b"".join(p.read_bytes() for p in sorted((UNIT.starter / "app").glob("*.py")))
    digest = hashlib.sha256(source).hexdigest()
    unit = []
    for name, files in UNIT_ATTACKS.items():
        real = {path: text.replace("EXPECTED", digest) for path, text in files.items()}
        unit.append(_hostile(UNIT.starter, root / "unit", name, real, UNIT.root))
    started = time.monotonic()
    api_results, unit_results = grade_batches(
        [Batch(PUT, api_order, root / "api-out"), Batch(UNIT, unit, root / "unit-out")],
        jobs=2,
        time_limit=TIME_LIMIT,
    )
    return {"api": api_results, "unit": unit_results, "elapsed": time.monotonic() - started}


@pytest.fixture(scope="module")
def api_results(graded: dict[str, Any]) -> dict[str, Any]:
    return dict(graded["api"])


@pytest.fixture(scope="module")
def unit_results(graded: dict[str, Any]) -> dict[str, Any]:
    return dict(graded["unit"])


@pytest.mark.slow
@pytest.mark.parametrize("attack", ["unit_conftest", "unit_pytest_config", "unit_sitecustomize"])
def test_a_fingerprint_hidden_in_config_or_plugins_never_runs(
    unit_results: dict[str, Any], attack: str
) -> None:
    score, text = _score_and_text(unit_results, attack)
    assert score == 0, f"{attack} scored {score}:\n{text}"
    assert not MARKER.exists(), f"{attack}: a hostile file was executed"


@pytest.mark.slow
def test_a_test_that_fingerprints_the_app_fails_on_a_correct_rewrite(
    unit_results: dict[str, Any],
) -> None:
    score, text = _score_and_text(unit_results, "unit_fingerprint_test")
    assert score == 0, text
    assert "a correct rewrite of the app" in text, text


@pytest.mark.slow
def test_forged_results_and_a_patched_pytest_change_nothing(unit_results: dict[str, Any]) -> None:
    score, text = _score_and_text(unit_results, "unit_monkeypatches_pytest")
    assert score == 0, text


@pytest.mark.slow
def test_the_learners_tests_cannot_find_the_mutants(unit_results: dict[str, Any]) -> None:
    score, text = _score_and_text(unit_results, "unit_reads_hidden_mutants")
    # The peeking test passes everywhere (it finds nothing), so it kills no mutant...
    assert score == 0, text
    # ...and it did pass on the reference, so the gate note is absent.
    assert "must pass on a correct app" not in text, text
