"""The grader never acts on a submission's files with its own (root) privileges.

A migration that leaves app.db as a link to a file of the machine, and a submission that
holds a hard link to a root-only file: the grader opens neither through the link.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.grader_attacks.hostile import ATTACK_ID, Host, feedback, score_and_text


@pytest.mark.slow
def test_a_database_left_as_a_link_is_never_opened_through_it(
    graded: dict[str, Any], host: Host
) -> None:
    for name in ("database_linked_to_a_secret", "database_linked_to_nowhere"):
        text = feedback(graded["results"]["links"], name)
        assert f"TOPSECRET_{ATTACK_ID}" not in text, f"{name}: a root-only file was read:\n{text}"
        assert "app.db is a symbolic link" in text, text
    assert not host.never_made.exists(), f"the grader made {host.never_made} through a link"


@pytest.mark.slow
def test_a_hard_link_in_the_submission_is_not_copied(graded: dict[str, Any]) -> None:
    score, text = score_and_text(graded["results"]["escapes"], "hard_link")
    assert f"ROOT-ONLY-{ATTACK_ID}" not in text, f"a root-only file reached the feedback:\n{text}"
    assert "skipped app/notes.txt: hard links are not graded" in text, text
    assert score == 2, text  # without the link it is the starter
