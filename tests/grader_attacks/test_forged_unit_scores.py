"""Exercise 06: no test scores by telling the variants apart instead of testing behaviour.

Each hostile suite below passes on the reference and the rewrite and fails on every
mutant wherever it can tell them apart: 10/10 for no real test. Graded, each kills nothing
and scores 0, with the note that its tests pass on an app with a bug.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from exercises.unitrun import Variant, variants
from tests.grader_attacks.hostile import UNIT, score_and_text

ALL_PASS = "Your tests all pass on an app where"


def _expect_no_points(graded: dict[str, Any], attack: str) -> None:
    score, text = score_and_text(graded["results"]["forgeries"], attack)
    assert score == 0, f"{attack} scored {score}:\n{text}"
    assert ALL_PASS in text, f"{attack}: expected its tests to pass on the mutants:\n{text}"


@pytest.mark.slow
def test_every_variant_runs_with_the_same_pytest_options(graded: dict[str, Any]) -> None:
    # A test that reads the options of its run (--tb, -r, -x) cannot tell a mutant's run.
    _expect_no_points(graded, "reads_its_options")


@pytest.mark.slow
@pytest.mark.parametrize("attack", ["counts_changed_files", "counts_changed_functions"])
def test_counting_what_differs_from_the_starter_tells_no_mutant(
    graded: dict[str, Any], attack: str
) -> None:
    # Every mutant is the rewrite with one more edit: the same files and the same functions
    # (read from the modules the run imported) differ from the starter as in the rewrite.
    _expect_no_points(graded, attack)


@pytest.mark.slow
@pytest.mark.parametrize("attack", ["reads_the_mutants", "copies_the_solution"])
def test_nothing_a_run_can_read_leads_to_the_hidden_tests_or_the_solution(
    graded: dict[str, Any], attack: str
) -> None:
    # Walking up from sys.executable, sys.path, the working folder or the environment finds
    # the repository; in a run, its folder is covered and the grader reads its own copy.
    _expect_no_points(graded, attack)


def _units(app: dict[str, str]) -> dict[str, tuple[int, dict[str, Any]]]:
    """For each file of APP (name -> source): its number of lines, its code objects by name."""
    found = {}
    for name, source in app.items():
        codes: dict[str, Any] = {}

        def walk(code: Any, prefix: str, into: dict[str, Any] = codes) -> None:
            for const in code.co_consts:
                if inspect.iscode(const):
                    into[prefix + const.co_name] = const
                    walk(const, prefix + const.co_name + ".")

        walk(compile(source, name, "exec"), "")
        found[name] = (source.count("\n"), codes)
    return found


def _differences(starter: dict[str, Any], variant: dict[str, Any]) -> dict[str, Any]:
    """Which files differ in length, and which code objects differ, from the starter's."""
    return {
        name: (
            variant[name][0] == lines,
            sorted(k for k, code in codes.items() if variant[name][1].get(k) != code),
        )
        for name, (lines, codes) in starter.items()
        if (lines, codes) != variant[name]
    }


def _applied(app: dict[str, str], edits: list[Variant]) -> dict[str, str]:
    app = dict(app)
    for edit in edits:
        assert app[edit.file].count(edit.old) == 1, f"{edit.name}: its text is not in {edit.file}"
        app[edit.file] = app[edit.file].replace(edit.old, edit.new)
    return app


def test_every_mutant_differs_from_the_starter_exactly_where_the_rewrite_does() -> None:
    mutants, rewrite = variants(UNIT)
    starter_app = {
        p.name: p.read_text(encoding="utf-8") for p in (UNIT.starter / "app").glob("*.py")
    }
    rewritten = _applied(starter_app, rewrite)
    starter = _units(starter_app)
    expected = _differences(starter, _units(rewritten))
    assert expected, "the rewrite should differ from the starter"
    for mutant in mutants:
        # A mutant is the rewrite with one more edit.
        found = _differences(starter, _units(_applied(rewritten, [mutant])))
        assert found == expected, (
            f"{mutant.name} differs from the starter in {found}, the rewrite in "
            f"{expected}: a test that counts differences tells them apart"
        )
