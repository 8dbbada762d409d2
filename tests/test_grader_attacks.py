"""Nothing inside a submission changes its grade except correct code.

Each test hands the grader one hostile submission: the starter (whose honest score is
known) plus one attack. The attack must not raise the score, and a crash, hang, exit, flood
of output or memory bomb must end in a score and a clear message, within the time limit.
All hostile submissions (API and unit) are graded once, in one pool of two workers; two
attacks that need a pool of their own (two submissions at once, and the grader without
namespaces) get one each.
"""

import contextlib
import ctypes
import hashlib
import json
import os
import shutil
import signal
import textwrap
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from exercises import sandbox
from exercises.batch import Batch, grade_batches
from exercises.spec import load
from exercises.unitrun import Variant, variants
from tests.grader_attacks.hostile import processes_naming

PUT = load("01_put")
UNIT = load("06_property_tests")
ATTACK_ID = uuid.uuid4().hex
MARKER = Path("/tmp") / f"grader-attack-{ATTACK_ID}"
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
    "sees_other_gradings": {
        "app/main.py": textwrap.dedent(
            """
            import glob, os
            from pathlib import Path
            mine = Path.cwd().parent
            found = [p for place in ("/dev/shm", "/tmp", "/var/tmp", "/run/lock")
                     for p in glob.glob(f"{place}/grade*") if Path(p) != mine]
            others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]
            for pid in others:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\\0")[0].decode()
                found.append(f"process {pid} ({command})")
            raise RuntimeError(f"LEAK-PROBE found={sorted(found)}")
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
def test_the_app_sees_no_other_grading_nor_any_other_process(
    api_results: dict[str, Any],
) -> None:
    # The other worker is grading too, and each worker keeps the unit exercise's mutants
    # in the scratch folder: outside namespaces, the probe finds both. With bubblewrap the
    # run's own sandbox has one more process, and only that one: its placeholder, PID 1.
    score, text = _score_and_text(api_results, "sees_other_gradings")
    assert score == 0
    seen = "['process 1 (cat)']" if sandbox.isolation().mode == "bwrap" else "[]"
    assert f"LEAK-PROBE found={seen}" in text, f"the probe found something or did not run:\n{text}"


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
# Each counter's NAME becomes one of its own: grader-attack-<uuid>-<submission>.
COUNT_IN_FILES = textwrap.dedent(
    """
    import pathlib

    def _runs_so_far():
        for folder in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock"):
            counter = pathlib.Path(folder) / "NAME"
            try:
                runs = int(counter.read_text()) + 1 if counter.exists() else 1
                counter.write_text(str(runs))
                return runs
            except (OSError, ValueError):
                continue
        return 1

    RUN = _runs_so_far()

    def test_passes_on_the_first_two_runs_only():
        assert RUN <= 2
    """
)
COUNT_WITH_A_DAEMON = textwrap.dedent(
    r'''
    import socket, subprocess, sys, time, zlib

    # Counts the connections to a port of the loopback, for 90 s after the last one.
    PORT = 20000 + zlib.crc32(b"NAME") % 20000
    SERVER = """
    import socket, sys
    server = socket.socket()
    server.bind(("127.0.0.1", int(sys.argv[1])))
    server.listen()
    server.settimeout(90)
    runs = 1
    while True:
        client, _ = server.accept()
        runs += 1
        client.sendall(str(runs).encode())
        client.close()
    """

    def _runs_so_far():
        try:
            with socket.create_connection(("127.0.0.1", PORT), timeout=1) as client:
                return int(client.recv(16))
        except (OSError, ValueError):
            pass
        # The first run: start the counter in a session of its own, to outlive the run.
        subprocess.Popen(
            [sys.executable, "-I", "-c", SERVER, str(PORT), "NAME"],
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.3)
        return 1

    RUN = _runs_so_far()

    def test_passes_on_the_first_two_runs_only():
        assert RUN <= 2
    '''
)
COUNT_IN_THE_KEYRING = textwrap.dedent(
    """
    import ctypes

    LIBC = ctypes.CDLL(None, use_errno=True)
    ADD_KEY, KEYCTL, SEARCH, SET_TIMEOUT, USER_KEYRING = 248, 250, 10, 15, -4

    def _runs_so_far():
        # The user's keyring outlives the user's processes: one key per run so far.
        for run in range(1, 100):
            name = f"NAME-{run}".encode()
            if LIBC.syscall(KEYCTL, SEARCH, USER_KEYRING, b"user", name, 0) < 0:
                key = LIBC.syscall(ADD_KEY, b"user", name, b"1", 1, USER_KEYRING)
                if key >= 0:
                    LIBC.syscall(KEYCTL, SET_TIMEOUT, key, 120)
                return run
        return 100

    RUN = _runs_so_far()

    def test_passes_on_the_first_two_runs_only():
        assert RUN <= 2
    """
)
COUNT_IN_SYSV_IPC = textwrap.dedent(
    """
    import ctypes, zlib

    LIBC = ctypes.CDLL(None, use_errno=True)
    BASE = zlib.crc32(b"NAME") & 0x3FFFFFFF

    def _runs_so_far():
        # A System V semaphore outlives its maker: one per run so far.
        for run in range(1, 100):
            if LIBC.semget(BASE + run, 1, 0o1000 | 0o2000 | 0o600) >= 0:  # CREAT | EXCL
                return run
        return 100

    RUN = _runs_so_far()

    def test_passes_on_the_first_two_runs_only():
        assert RUN <= 2
    """
)
# A finer fingerprint: one assert per mutant, that the reference's text at the place the
# mutant changes is in the app. It passes on the reference and fails on every mutant; only
# a rewrite that spells each of those places differently can tell it from real tests.
MUTANTS, REWRITE = variants(UNIT)


def _reference_text(mutant: Variant) -> str:
    """The reference's text at the place MUTANT changes (the rewrite respells it)."""
    return next(e.old for e in REWRITE if e.file == mutant.file and mutant.old in e.new)


MUTATED_LINES_TEST = "import pathlib\n\n" + "".join(
    f"def test_{mutant.name}_line_is_there():\n"
    f"    source = pathlib.Path('app/{mutant.file}').read_text()\n"
    f"    assert {_reference_text(mutant)!r} in source\n\n"
    for mutant in MUTANTS
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
    "unit_checks_the_mutated_lines": {"tests/test_source.py": MUTATED_LINES_TEST},
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
    # Tests that count their runs: on the reference and the rewrite (the first two runs of
    # a naive grader) they pass, on every later run (the mutants) they fail. Each keeps its
    # count in another place that outlives a process.
    "unit_counts_runs_in_tmp": {"tests/test_count.py": COUNT_IN_FILES},
    "unit_counts_runs_with_a_daemon": {"tests/test_count.py": COUNT_WITH_A_DAEMON},
    "unit_counts_runs_in_the_keyring": {"tests/test_count.py": COUNT_IN_THE_KEYRING},
    "unit_counts_runs_in_sysv_ipc": {"tests/test_count.py": COUNT_IN_SYSV_IPC},
    # Or tells the runs apart by the name of their folder.
    "unit_knows_its_run_folder": {
        "tests/test_where.py": textwrap.dedent(
            """
            import pathlib

            def test_passes_in_the_first_two_run_folders_only():
                assert pathlib.Path.cwd().parent.name in ("run1", "run2")
            """
        ),
    },
}
COUNTERS = [name for name in UNIT_ATTACKS if name.startswith("unit_counts_runs")]


def _name(submission: str) -> str:
    """The name a counting attack gives its counter: one of its own in this test session."""
    return f"grader-attack-{ATTACK_ID}-{submission}"


@pytest.fixture(scope="module")
def leftovers() -> Iterator[None]:
    """Removes what the counting attacks leave on the machine where a grader lets them (the
    keyring's keys expire by themselves)."""
    yield
    libc = ctypes.CDLL(None, use_errno=True)
    for name in [*COUNTERS, "without_namespaces"]:
        for folder in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock"):
            with contextlib.suppress(OSError):
                (Path(folder) / _name(name)).unlink(missing_ok=True)
        for pid in processes_naming(_name(name)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        base = zlib.crc32(_name(name).encode()) & 0x3FFFFFFF
        for run in range(1, 100):
            semaphore = libc.semget(base + run, 1, 0)
            if semaphore >= 0:
                libc.semctl(semaphore, 0, 0)  # IPC_RMID


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, leftovers: None) -> dict[str, Any]:
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
        real = {
            path: text.replace("EXPECTED", digest).replace("NAME", _name(name))
            for path, text in files.items()
        }
        unit.append(_hostile(UNIT.starter, root / "unit", name, real, UNIT.root))
    api_results, unit_results = grade_batches(
        [Batch(PUT, api_order, root / "api-out"), Batch(UNIT, unit, root / "unit-out")],
        jobs=2,
        time_limit=TIME_LIMIT,
    )
    return {"api": api_results, "unit": unit_results}


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
@pytest.mark.parametrize("attack", ["unit_fingerprint_test", "unit_checks_the_mutated_lines"])
def test_a_test_of_the_apps_source_fails_on_a_correct_rewrite(
    unit_results: dict[str, Any], attack: str
) -> None:
    # A hash of the whole app, or the very lines the mutants change: either passes on the
    # reference and fails on every mutant, and the equivalent rewrite tells it apart.
    score, text = _score_and_text(unit_results, attack)
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


@pytest.mark.slow
@pytest.mark.parametrize("attack", COUNTERS)
def test_tests_that_count_their_runs_find_each_run_is_the_first(
    unit_results: dict[str, Any], attack: str
) -> None:
    score, text = _score_and_text(unit_results, attack)
    # Nothing a run leaves behind reaches the next one: the counter says 1 every time, so
    # the tests pass on every mutant too. That is their honest score.
    assert score == 0, f"{attack} scored {score}:\n{text}"
    assert "Your tests all pass on an app where" in text, text


@pytest.mark.slow
def test_no_process_a_run_starts_outlives_the_run(graded: dict[str, Any]) -> None:
    daemons = processes_naming(_name("unit_counts_runs_with_a_daemon"))
    assert daemons == [], f"the counting daemon of a graded run still runs: {daemons}"


@pytest.mark.slow
def test_the_run_folder_does_not_tell_which_run_it_is(unit_results: dict[str, Any]) -> None:
    score, text = _score_and_text(unit_results, "unit_knows_its_run_folder")
    assert score == 0, text
    assert "must pass on a correct app, but on the reference app" in text, text


# --- two submissions graded at once -----------------------------------------------------
# The spy's tests look for the victim's test files (marked, so no other grading on this
# machine is touched), copy them if found, and spoil the victim's copies they can write.
# Honestly, the spy's tests kill nothing.
SPY = textwrap.dedent(
    """
    import glob, logging, pathlib, time

    MARK = "VICTIM-" + "SPYID"
    PLACES = ["/dev/shm", "/tmp", "/var/tmp", "/run/lock"]
    PATTERNS = [f"{place}/grade*/**/test_*.py" for place in PLACES]
    PATTERNS.append("/proc/[0-9]*/cwd/tests/test_*.py")

    def _victims_tests():
        # Near the grader's start (its worker imported logging then) the victim may not be
        # there yet: wait for it. Later runs look once.
        give_up = logging._startTime + 8
        while True:
            for path in [p for pattern in PATTERNS for p in glob.glob(pattern, recursive=True)]:
                try:
                    text = pathlib.Path(path).read_text()
                except OSError:
                    continue
                if MARK in text:
                    if "/project/" in path:
                        try:
                            pathlib.Path(path).write_text("def test_spoiled():\\n    assert 0\\n")
                        except OSError:
                            pass
                    return text
            if time.time() > give_up:
                return None
            time.sleep(0.05)

    STOLEN = _victims_tests()
    if STOLEN:
        exec(compile(STOLEN, "stolen", "exec"))
    """
)


@pytest.fixture(scope="module")
def side_by_side(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A victim (the solution's tests) and a spy graded at the same time, by two workers."""
    root = tmp_path_factory.mktemp("side-by-side")
    victim = _hostile(UNIT.solution, root, "victim", {}, UNIT.root)
    with (victim / "tests" / "test_patch_properties.py").open("a", encoding="utf-8") as file:
        file.write(f"# VICTIM-{ATTACK_ID}\n")
    spy = _hostile(
        UNIT.starter,
        root,
        "spy",
        {"tests/test_copy.py": SPY.replace("SPYID", ATTACK_ID)},
        UNIT.root,
    )
    (results,) = grade_batches([Batch(UNIT, [victim, spy], root / "out")], jobs=2, time_limit=60)
    return dict(results)


@pytest.mark.slow
def test_a_submission_can_neither_copy_nor_spoil_one_graded_at_the_same_time(
    side_by_side: dict[str, Any],
) -> None:
    score, text = _score_and_text(side_by_side, "spy")
    assert score == 0, f"the spy scored {score}:\n{text}"
    assert "Your tests all pass on an app where" in text, text
    victim, victim_text = _score_and_text(side_by_side, "victim")
    assert victim == UNIT.max_score, f"the victim scored {victim}:\n{victim_text}"


# --- the fallback: no namespaces (not root, or a container without them) -----------------
@pytest.fixture(scope="module")
def without_namespaces(tmp_path_factory: pytest.TempPathFactory, leftovers: None) -> dict[str, Any]:
    """A test that counts its runs in /tmp, and the solution, graded with namespaces off."""
    root = tmp_path_factory.mktemp("without-namespaces")
    counting = COUNT_IN_FILES.replace("NAME", _name("without_namespaces"))
    counter = _hostile(UNIT.starter, root, "counter", {"tests/test_count.py": counting}, UNIT.root)
    solution = _hostile(UNIT.solution, root, "solution", {}, UNIT.root)
    os.environ["GRADER_NO_NAMESPACES"] = "1"  # read by the pool's workers as they start
    sandbox.isolation.cache_clear()
    sandbox.sandbox_user.cache_clear()
    try:
        (results,) = grade_batches(
            [Batch(UNIT, [counter, solution], root / "out")], jobs=2, time_limit=60
        )
        report = (root / "out" / "report.html").read_text(encoding="utf-8")
    finally:
        del os.environ["GRADER_NO_NAMESPACES"]
        sandbox.isolation.cache_clear()
        sandbox.sandbox_user.cache_clear()
    return {"results": dict(results), "report": report}


@pytest.mark.slow
def test_without_namespaces_tests_that_count_their_runs_score_zero_and_are_told_why(
    without_namespaces: dict[str, Any],
) -> None:
    # /tmp is shared now, so the count goes up; but the reference app runs first and last
    # and the rewrite hides among the mutants: the change of result gives the attack away.
    score, text = _score_and_text(without_namespaces["results"], "counter")
    assert score == 0, text
    assert "passed on the correct app at first, but not when it ran again" in text, text
    assert "change from run to run" in text, text


@pytest.mark.slow
def test_without_namespaces_honest_tests_still_score_full_marks(
    without_namespaces: dict[str, Any],
) -> None:
    score, text = _score_and_text(without_namespaces["results"], "solution")
    assert score == UNIT.max_score, text


@pytest.mark.slow
def test_without_namespaces_the_report_says_runs_are_not_isolated(
    without_namespaces: dict[str, Any],
) -> None:
    assert "NOT isolated from each other" in without_namespaces["report"]
    assert "GRADER_NO_NAMESPACES" in without_namespaces["report"]


def test_the_isolation_probe_honours_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_NO_NAMESPACES", "1")
    sandbox.isolation.cache_clear()
    sandbox.sandbox_user.cache_clear()
    try:
        assert sandbox.isolation() == sandbox.Isolation("none", "GRADER_NO_NAMESPACES is set")
        note = sandbox.isolation_note()
        assert note is not None
        assert "NOT isolated" in note
    finally:
        sandbox.isolation.cache_clear()
        sandbox.sandbox_user.cache_clear()


def test_the_grader_uses_the_sandbox_asked_for_and_names_it() -> None:
    # .ci/run grades the attacks in every mode the machine offers (GRADER_SANDBOX): a mode
    # that silently fell back to another would prove nothing. Without the variable, CI has
    # bubblewrap (.ci/run installs it), which comes first.
    asked = os.environ.get("GRADER_SANDBOX") or ("bwrap" if os.environ.get("CI") else "")
    state = sandbox.isolation()
    if asked:
        assert state.mode == asked, f"asked for {asked}, the grader uses {state}"
    names = {"bwrap": "bubblewrap", "namespaces": "own namespaces", "none": "NOT isolated"}
    assert names[state.mode] in state.describe(), state.describe()


def test_an_unknown_sandbox_name_isolates_nothing_and_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRADER_SANDBOX", "docker")
    sandbox.isolation.cache_clear()
    try:
        state = sandbox.isolation()
        assert state.mode == "none"
        assert "GRADER_SANDBOX=docker is none of bwrap, namespaces, none" in state.reason
    finally:
        sandbox.isolation.cache_clear()
        sandbox.sandbox_user.cache_clear()
