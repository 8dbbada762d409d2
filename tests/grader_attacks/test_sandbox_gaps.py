"""A run reaches nothing of the machine: no Unix socket, no machine-wide figures, none of
the grader's files (the solution included)."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from tests.grader_attacks.hostile import Host, feedback, score_and_text


@pytest.mark.slow
def test_a_run_reaches_no_unix_socket_of_the_machine(graded: dict[str, Any], host: Host) -> None:
    text = feedback(graded["results"]["escapes"], "unix_socket")
    assert host.heard == [], f"the listener on the machine heard {host.heard}"
    assert "SOCKET-PROBE refused: [Errno 13] Permission denied" in text, text


@pytest.mark.slow
def test_a_run_sees_neither_the_load_nor_the_memory_nor_the_cgroups_of_the_machine(
    graded: dict[str, Any],
) -> None:
    text = feedback(graded["results"]["escapes"], "machine_figures")
    figures = ast.literal_eval(text.split("RuntimeError: FIGURES-PROBE ", 1)[1].splitlines()[0])
    assert figures["loadavg"] == "0.00 0.00 0.00 1/1 1", figures
    assert figures["cgroup"] == [], figures
    assert figures["memory"] == [str(1024 * 1024)], figures  # the run's own 1024 MB


@pytest.mark.slow
def test_an_app_cannot_take_the_solution_from_the_repository(graded: dict[str, Any]) -> None:
    score, text = score_and_text(graded["results"]["escapes"], "app_copies_the_solution")
    assert score == 2, f"the app scored {score}, the starter it is scores 2:\n{text}"
