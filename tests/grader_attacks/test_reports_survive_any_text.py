"""Every report stays readable whatever text reaches it: an app's control characters, a
submission folder named like a formula."""

from __future__ import annotations

import csv
import json
import re
from typing import Any
from xml.etree import ElementTree

import pytest

NOISY = "noisy\x1b[31m\x07"
NOISY_SHOWN = "noisy\\x1b[31m\\x07"  # the name as the reports write it
RAW_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@pytest.mark.slow
def test_control_characters_leave_every_report_readable(graded: dict[str, Any]) -> None:
    out = graded["out"]["reports"]
    suites = ElementTree.parse(out / "junit.xml").getroot()  # well-formed XML 1.0
    assert any(suite.get("name") == NOISY_SHOWN for suite in suites), "no escaped name"
    report = (out / "report.html").read_text(encoding="utf-8")
    assert not RAW_CONTROLS.search(report), "report.html carries raw control characters"
    results = (out / NOISY / "results.json").read_text(encoding="utf-8")
    outputs = [test["output"] for test in json.loads(results)["tests"]]
    escaped = "\\x00\\x1b[31m\\x07\\x0c\\x08\\x7f\\x85NOISE"
    assert any(escaped in text for text in outputs), outputs
    assert not any(RAW_CONTROLS.search(text) for text in outputs), outputs


@pytest.mark.slow
def test_gradebook_cells_of_submission_names_never_start_a_formula(
    graded: dict[str, Any],
) -> None:
    with (graded["out"]["reports"] / "gradebook.csv").open(encoding="utf-8") as file:
        names = [row[0] for row in csv.reader(file)][1:]
    assert sorted(names) == sorted(
        ["'-2+3", '\'=HYPERLINK("evil","click")', "'@SUM(1+1)", NOISY_SHOWN]
    ), names
