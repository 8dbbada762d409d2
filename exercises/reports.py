"""The grader's outputs: results.json per submission; gradebook.csv, junit.xml, report.html.

Whatever text reaches them (an app's answer quoted in a message, a submission's folder
name) goes through `printable` first: control characters, lone surrogates and the two
non-characters XML 1.0 refuses are written as visible escapes (`\x1b`), so junit.xml stays
well-formed, report.html shows no terminal codes and results.json encodes. A gradebook
cell that a spreadsheet would run as a formula (=, +, -, @, a tab or a carriage return
first) gets a leading apostrophe, as spreadsheets expect.
"""

from __future__ import annotations

import csv
import html
import json
import re
import statistics
import textwrap
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from exercises.spec import Exercise

Results = Mapping[str, Mapping[str, Any]]
# Characters no report may carry as they are: C0 and C1 controls but tab and newline, DEL,
# lone surrogates, and U+FFFE / U+FFFF (not characters, refused by XML 1.0).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def printable(text: str) -> str:
    """TEXT with every character a report must not carry written as a visible escape."""
    return _UNPRINTABLE.sub(lambda found: found[0].encode("unicode_escape").decode(), text)


def spreadsheet_cell(text: str) -> str:
    """TEXT as a CSV cell that no spreadsheet will run as a formula."""
    return ("'" if text.startswith(_FORMULA_START) else "") + printable(text)


def results_json(
    exercise: Exercise,
    outcomes: Sequence[Mapping[str, Any]],
    note: str,
    elapsed: float,
) -> dict[str, Any]:
    """One submission's results in Gradescope's format (tests[] in exercise.toml order).

    Tests missing from OUTCOMES (the grading never reached them) score 0.
    """
    by_id = {outcome["id"]: outcome for outcome in outcomes}
    tests: list[dict[str, Any]] = []
    for number, test in enumerate(exercise.tests, start=1):
        outcome = by_id.get(test.id)
        passed = bool(outcome and outcome["passed"])
        tests.append(
            {
                "name": f"{test.id}: {test.title}",
                "number": str(number),
                "score": test.points if passed else 0.0,
                "max_score": test.points,
                "status": "passed" if passed else "failed",
                "output": printable((outcome or {}).get("output", "Not graded."))
                if not passed
                else "",
                "visibility": test.visibility,
            }
        )
    score = round(sum(test["score"] for test in tests), 4)
    summary = f"{exercise.title}: {score:g} / {exercise.max_score:g} points."
    return {
        "score": score,
        "execution_time": round(elapsed, 2),
        "output": printable(summary + ("\n" + note if note else "")),
        # Plain text, shown as written: Gradescope's default (simple_format) renders the
        # output as sanitised HTML, where a traceback's `<module>` disappears.
        "output_format": "text",
        "test_output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def write_results(path: Path, result: Mapping[str, Any]) -> None:
    """Write one submission's results.json."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _test_id(test: Mapping[str, Any]) -> str:
    return str(test["name"]).split(":", 1)[0]


def grader_failed(result: Mapping[str, Any]) -> bool:
    """Whether the grader itself failed on this submission (its score means nothing)."""
    return bool((result.get("extra_data") or {}).get("grader_error"))


def write_gradebook(path: Path, exercise: Exercise, results: Results) -> None:
    """One row per submission, one column per test (points), the total, the maximum, and a
    note when the grader itself failed on the submission (grade it again)."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        header = ["submission", *(test.id for test in exercise.tests), "total", "max", "note"]
        writer.writerow(header)
        for name, result in results.items():
            scores = {_test_id(test): test["score"] for test in result["tests"]}
            writer.writerow(
                [
                    spreadsheet_cell(name),
                    *(f"{scores.get(test.id, 0.0):g}" for test in exercise.tests),
                    f"{result['score']:g}",
                    f"{exercise.max_score:g}",
                    "grader error: grade again" if grader_failed(result) else "",
                ]
            )


def write_problems(path: Path, problems: Sequence[tuple[str, str]]) -> None:
    """The grader's own tracebacks, by submission, for the instructor (none: no file)."""
    if not problems:
        path.unlink(missing_ok=True)
        return
    text = "".join(f"=== {printable(name)}\n{trace.rstrip()}\n\n" for name, trace in problems)
    path.write_text(text, encoding="utf-8")


def write_junit(path: Path, exercise: Exercise, results: Results) -> None:
    """A JUnit XML file: one testsuite per submission, one testcase per test."""
    suites = ElementTree.Element("testsuites", name=exercise.name)
    for name, result in results.items():
        failed = [test for test in result["tests"] if test["status"] != "passed"]
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=printable(name),
            tests=str(len(result["tests"])),
            failures=str(len(failed)),
            time=str(result["execution_time"]),
        )
        for test in result["tests"]:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=printable(f"{exercise.name}.{name}"),
                name=_test_id(test),
            )
            if test["status"] != "passed":
                failure = ElementTree.SubElement(case, "failure", message=test["name"])
                failure.text = printable(test["output"])
    ElementTree.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def histogram_svg(scores: Sequence[float], maximum: float, bins: int = 10) -> str:
    """An inline SVG bar chart of SCORES between 0 and MAXIMUM."""
    width, height, pad = 520, 200, 30
    counts = [0] * bins
    for score in scores:
        index = min(int(bins * score / maximum), bins - 1) if maximum else 0
        counts[index] += 1
    tallest = max(counts) or 1
    bar = (width - 2 * pad) / bins
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" '
        f'role="img" aria-label="score distribution">',
        f'<line x1="{pad}" y1="{height}" x2="{width - pad}" y2="{height}" stroke="#333"/>',
    ]
    for index, count in enumerate(counts):
        bar_height = (height - pad) * count / tallest
        x = pad + index * bar
        low = maximum * index / bins
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{height - bar_height:.1f}" width="{bar - 4:.1f}" '
            f'height="{bar_height:.1f}" fill="#3b7dd8"><title>{count} submission(s) scoring '
            f"{low:g} to {maximum * (index + 1) / bins:g}</title></rect>"
        )
        if count:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - bar_height - 4:.1f}" '
                f'font-size="11" text-anchor="middle">{count}</text>'
            )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{height + 14}" font-size="10" '
            f'text-anchor="middle">{low:g}</text>'
        )
    parts.append(
        f'<text x="{width / 2}" y="{height + 34}" font-size="11" text-anchor="middle">'
        f"score (out of {maximum:g})</text></svg>"
    )
    return "".join(parts)


def most_common_failure(results: Results, number: int) -> str:
    """The first line of the feedback most failures of test NUMBER share, and how many share
    it ("" when no submission failed it): what to look at in the lesson or the statement."""
    first_lines = Counter(
        (result["tests"][number]["output"].strip().splitlines() or ["(no message)"])[0]
        for result in results.values()
        if number < len(result["tests"]) and result["tests"][number]["status"] != "passed"
    )
    if not first_lines:
        return ""
    line, count = first_lines.most_common(1)[0]
    return f"{textwrap.shorten(line, 300)} ({count} of {first_lines.total()})"


def write_report(
    path: Path, exercise: Exercise, results: Results, warning: str = "", isolation: str = ""
) -> None:
    """A self-contained HTML page: summary, per-test pass rates and most common failure,
    score histogram, per-learner; WARNING (about the grading itself), if any, first, and
    ISOLATION (how runs were kept apart: sandbox.Isolation.describe) under the summary."""
    scores = [float(result["score"]) for result in results.values()]
    count = len(scores) or 1
    rows = []
    for number, test in enumerate(exercise.tests):
        passed = sum(
            1
            for result in results.values()
            if number < len(result["tests"]) and result["tests"][number]["status"] == "passed"
        )
        rate = 100 * passed / count
        rows.append(
            f"<tr><td><code>{html.escape(test.id)}</code></td><td>{html.escape(test.title)}</td>"
            f"<td>{test.points:g}</td><td>{passed}/{len(scores)}</td>"
            f'<td><div class="bar"><span style="width:{rate:.0f}%"></span></div> '
            f"{rate:.0f}%</td><td>{html.escape(printable(most_common_failure(results, number)))}"
            "</td></tr>"
        )
    learners = [
        f"<tr><td>{html.escape(printable(name))}</td><td>{result['score']:g}</td>"
        f"<td>{result['execution_time']:g} s</td></tr>"
        for name, result in results.items()
    ]
    failed = [printable(name) for name, result in results.items() if grader_failed(result)]
    if failed:
        warning = (
            f"The grader itself failed on {len(failed)} submission(s), twice each: "
            f"{', '.join(failed)}. Their scores mean nothing: grade them again "
            "(grader-errors.log says what went wrong). " + warning
        ).strip()
    shown_warning = html.escape(printable(warning))
    mean = statistics.fmean(scores) if scores else 0.0
    median = statistics.median(scores) if scores else 0.0
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(exercise.name)} — grading report</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 60em; }}
table {{ border-collapse: collapse; margin-bottom: 2em; }}
td, th {{ border: 1px solid #ccc; padding: .3em .6em; text-align: left; }}
.bar {{ display: inline-block; width: 8em; height: .8em; background: #eee; }}
.bar span {{ display: block; height: 100%; background: #3b7dd8; }}
.warning {{ background: #fff3cd; border: 1px solid #e0b000; padding: .5em; }}
</style></head><body>
<h1>{html.escape(exercise.title)} <small>({html.escape(exercise.name)})</small></h1>
{f'<p class="warning"><strong>Warning:</strong> {shown_warning}</p>' if warning else ""}
<p>{len(scores)} submission(s); mean {mean:.2f}, median {median:g}, out of
{exercise.max_score:g} points.</p>
{f'<p class="isolation">{html.escape(printable(isolation))}</p>' if isolation else ""}
<h2>Score distribution</h2>
{histogram_svg(scores, exercise.max_score)}
<h2>Tests</h2>
<table><tr><th>test</th><th>behaviour</th><th>points</th><th>passed</th><th>pass rate</th>
<th>most common failure (how many of the failures)</th></tr>
{"".join(rows)}
</table>
<h2>Submissions</h2>
<table><tr><th>submission</th><th>score</th><th>grading time</th></tr>
{"".join(learners)}
</table>
</body></html>
"""
    path.write_text(page, encoding="utf-8")
