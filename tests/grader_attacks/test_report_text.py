"""The text functions of exercises/reports.py: what no report may carry, and formulas."""

from __future__ import annotations

import pytest

from exercises.reports import printable, spreadsheet_cell


def test_printable_escapes_what_no_report_may_carry() -> None:
    assert printable("a\x00b\x1b[2J\x07\x0c\x7f\x85\ud800\ufffe\tc\nd") == (
        "a\\x00b\\x1b[2J\\x07\\x0c\\x7f\\x85\\ud800\\ufffe\tc\nd"
    )
    assert printable("été — ok ✓") == "été — ok ✓"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_gradebook_cell_never_starts_a_formula(start: str) -> None:
    assert spreadsheet_cell(f"{start}HYPERLINK(1)").startswith("'")
    assert spreadsheet_cell("alice") == "alice"
