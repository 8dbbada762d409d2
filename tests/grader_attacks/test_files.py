"""exercises/files.py: the grader touches a submission's files through no link, and removes
any tree. Each function on the shapes a hostile submission can leave."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from exercises import files


def _deep_tree(root: Path, depth: int) -> None:
    """DEPTH folders of 12-letter names under ROOT (a path far longer than PATH_MAX)."""
    here = os.open(root, os.O_RDONLY)
    for _ in range(depth):
        os.mkdir("d" * 12, dir_fd=here)
        deeper = os.open("d" * 12, os.O_RDONLY, dir_fd=here)
        os.close(here)
        here = deeper
    os.close(here)


def test_remove_tree_removes_any_depth_any_name_and_closed_folders(tmp_path: Path) -> None:
    top = tmp_path / "project"
    top.mkdir()
    _deep_tree(top, 1100)
    for odd in ("new\nline", "-rf", "\udcff\udcfe", " ", "*"):
        (top / odd).mkdir()
        (top / odd / "f").write_text("x")
    closed = top / "closed"
    closed.mkdir()
    (closed / "inside").write_text("x")
    closed.chmod(0)
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    (top / "link").symlink_to(outside)
    assert files.remove_tree(top)
    assert not top.exists()
    assert outside.read_text() == "keep me", "a link was followed"


def test_read_file_refuses_links_fifos_hard_links_and_oversize_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("root only")
    project = tmp_path / "project"
    project.mkdir()
    (project / "link").symlink_to(secret)
    os.mkfifo(project / "fifo")
    os.link(secret, project / "hard")
    (project / "big").write_bytes(b"x" * 101)
    (project / "ok").write_bytes(b"fine")
    for name, why in [
        ("link", "symbolic link"),
        ("fifo", "FIFO"),  # opened without blocking: nobody writes to it
        ("hard", "hard link"),
        ("big", "more than 100"),
    ]:
        with pytest.raises(files.Refused, match=why):
            files.read_file(project, name, 100)
    assert files.read_file(project, "ok", 100) == b"fine"
    assert files.read_file(project, "missing", 100) is None
    with pytest.raises(files.Refused, match="not a path inside"):
        files.read_file(project, "../secret", 100)


def test_write_file_replaces_a_link_instead_of_writing_through_it(tmp_path: Path) -> None:
    target = tmp_path / "host.db"
    target.write_text("the machine's")
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.db").symlink_to(target)
    files.write_file(project, "app.db", b"the grader's", None)
    assert target.read_text() == "the machine's"
    assert not (project / "app.db").is_symlink()
    assert (project / "app.db").read_bytes() == b"the grader's"


def test_scan_reads_regular_files_and_names_what_it_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.db").write_bytes(b"rows")
    (project / "server.log").symlink_to("/proc/kmsg")  # would block a reader for ever
    os.mkfifo(project / "queue")
    _deep_tree(project, 40)
    done = threading.Event()
    found: list[files.Scan] = []

    def scan() -> None:
        found.append(files.scan(project, file_limit=1000, total_limit=10_000))
        done.set()

    threading.Thread(target=scan, daemon=True).start()
    assert done.wait(10), "the scan blocked"
    assert found[0].files == [("app.db", b"rows")]
    refused = "\n".join(found[0].refused)
    assert "server.log is a symbolic link" in refused, refused
    assert "queue is a FIFO" in refused, refused
    assert "folders nested deeper than 32" in refused, refused


def test_copy_in_copies_regular_files_only(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("root only")
    submission = tmp_path / "submission"
    (submission / "app" / "__pycache__").mkdir(parents=True)
    (submission / "app" / "main.py").write_text("app = 1\n")
    (submission / "app" / "__pycache__" / "main.pyc").write_bytes(b"cache")
    (submission / "app" / "link.py").symlink_to(secret)
    os.link(secret, submission / "app" / "hard.txt")
    os.mkfifo(submission / "app" / "fifo")
    (submission / "app" / "big.bin").write_bytes(b"x" * 2000)
    (submission / "conftest.py").write_text("never copied")
    target = tmp_path / "copy"
    report = files.copy_in(submission, target, ["app", "alembic"], owner=None, budget=1000)
    copied = sorted(str(path.relative_to(target)) for path in target.rglob("*"))
    assert copied == ["app", "app/main.py"], copied
    notes = "\n".join(report.notes)
    for expected in (
        "skipped app/link.py: symbolic links are not graded",
        "skipped app/hard.txt: hard links are not graded",
        "skipped app/fifo: it is a FIFO",
        "skipped app/big.bin: the submission is larger than",
    ):
        assert expected in notes, notes
