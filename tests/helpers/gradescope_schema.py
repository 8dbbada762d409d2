"""Gradescope's documented results.json ("Autograder specifications"), and what in a
results.json breaks it: `tests/test_gradescope.py` checks the results its container leaves."""

from __future__ import annotations

from typing import Any

FORMATS = ("text", "html", "simple_format", "md", "ansi")
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
# Gradescope's documented results.json ("Autograder specifications"): every key it reads,
# with its type (or allowed values); a key outside these is a typo Gradescope ignores.
TOP_LEVEL: dict[str, Any] = {
    "score": (int, float),
    "execution_time": (int, float),
    "output": str,
    "output_format": FORMATS,
    "test_output_format": FORMATS,
    "test_name_format": FORMATS,
    "visibility": VISIBILITIES,
    "stdout_visibility": VISIBILITIES,
    "extra_data": dict,
    "tests": list,
    "leaderboard": list,
}
TEST_LEVEL: dict[str, Any] = {
    "score": (int, float),
    "max_score": (int, float),
    "status": ("passed", "failed"),
    "name": str,
    "name_format": FORMATS,
    "number": str,
    "output": str,
    "output_format": FORMATS,
    "tags": list,
    "visibility": VISIBILITIES,
    "extra_data": dict,
}


def schema_problems(results: dict[str, Any]) -> list[str]:
    """What in RESULTS breaks Gradescope's documented schema."""

    def check(where: str, data: dict[str, Any], allowed: dict[str, Any]) -> list[str]:
        problems = []
        for key, value in data.items():
            if key not in allowed:
                problems.append(f"{where}{key}: not a key Gradescope reads")
            elif isinstance(allowed[key], tuple) and isinstance(allowed[key][0], str):
                if value not in allowed[key]:
                    problems.append(f"{where}{key}: {value!r} is none of {allowed[key]}")
            elif not isinstance(value, allowed[key]) or isinstance(value, bool):
                problems.append(f"{where}{key}: {value!r} is not a {allowed[key]}")
        return problems

    problems = check("", results, TOP_LEVEL)
    if "score" not in results:
        problems.append("score: missing (no test has one either)")
    for number, test in enumerate(results.get("tests", [])):
        problems += check(f"tests[{number}].", test, TEST_LEVEL)
        if "score" in test and "max_score" not in test:
            problems.append(f"tests[{number}]: a score without max_score")
    return problems
