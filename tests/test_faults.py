"""Faults of the machine and of the pack (issue 11, item 8; issue 12, item 5): no debris, and one line that
says what to do. Refreshes run as a user runs them: `python -m pipelines.refresh` (what `make refresh` runs).

A full disk and a read-only folder are real: a small tmpfs (read-only for the second) mounted on the
warehouse folder, which needs root (skipped otherwise).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.tree import B_HEADER, Tree, services

pytestmark = pytest.mark.slow


def refresh_cli(tree: Tree, **extra) -> subprocess.CompletedProcess:
    return tree.run([sys.executable, "-m", "pipelines.refresh"], **extra)


def lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()]


@contextlib.contextmanager
def tmpfs(folder: Path, size: str, read_only: bool = False):
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root to mount a tmpfs")
    folder.mkdir(parents=True, exist_ok=True)
    opts = f"size={size}" + (",ro" if read_only else "")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(folder)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Tree:
    t = Tree(tmp_path_factory.mktemp("faults") / "l'atelier")
    t.minimal(women=3)
    first = t.refresh()
    assert first.success, first.errors
    return t


def test_a_failed_pack_write_says_published_pack_stale_and_leaves_no_temp_file(tree):
    old_html = tree.pack / "review.html"
    old_html.unlink()
    old_html.mkdir()  # the pack cannot be renamed into place: the write fails after its temp file exists
    tree.write("beneficiaries", "b2.csv", B_HEADER, services("L", 4))
    try:
        r = refresh_cli(tree)
    finally:
        old_html.rmdir()
    assert r.returncode == 1, r.stdout + r.stderr
    assert (
        "PUBLISHED, PACK STALE" in r.stdout and "write it again with `.venv/bin/review-publish --pack`" in r.stdout
    ), r.stdout
    assert "Review pack: " in r.stdout and "(STALE: an earlier build's)" in r.stdout
    assert tree.pre_consular_2009() == 7  # the warehouse is the new build (3 + 4)
    assert sorted(p.name for p in tree.pack.rglob(".*.tmp")) == []
    assert len(lines(r.stdout)) < 40 and "Traceback" not in r.stdout + r.stderr


def test_a_writer_holding_the_published_file_ends_in_one_line(tree, tmp_path):
    before = tree.pre_consular_2009()
    ready = tmp_path / "ready"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import duckdb, pathlib, time, sys; c = duckdb.connect(sys.argv[1]); pathlib.Path(sys.argv[2]).write_text('x'); "
                "time.sleep(600)"
            ),
            str(tree.warehouse),
            str(ready),
        ]
    )
    try:
        end = time.monotonic() + 60
        while not ready.exists() and time.monotonic() < end:
            time.sleep(0.2)
        tree.write("beneficiaries", "b3.csv", B_HEADER, services("H", 1))
        r = refresh_cli(tree)
    finally:
        holder.kill()
        holder.wait()
    assert r.returncode == 1
    err = lines(r.stderr)
    assert len(lines(r.stdout)) == 1 and r.stdout.startswith("Refreshing (detail: ")
    assert len(err) == 2, r.stderr
    assert err[0].startswith("NOT PUBLISHED. Another process holds ") and "read_only=True" in err[0]
    log = Path(err[1].removeprefix("Details: "))
    detail = log.read_text()
    assert "Could not set lock on file" in detail and ", in publish_guard" in detail  # the stack is in the log
    assert not tree.warehouse.with_name(tree.warehouse.name + ".build").exists()
    assert tree.pre_consular_2009() == before  # unchanged


def test_a_full_disk_removes_the_build_and_says_so(tmp_path):
    t = Tree(tmp_path / "full")
    t.minimal(women=2)
    with tmpfs(t.warehouse.parent, "3m"):  # the fixture's build is ~7 MB
        r = refresh_cli(t)
        left = sorted(p.name for p in t.warehouse.parent.iterdir())
    assert r.returncode == 1
    err = lines(r.stderr)
    assert len(err) == 2 and err[0].startswith("NOT PUBLISHED. The disk is full"), r.stdout + r.stderr
    assert not any(n.endswith((".build", ".build.wal")) for n in left), left
    assert "review.duckdb" not in left


def test_a_read_only_warehouse_folder_ends_in_one_line(tmp_path):
    t = Tree(tmp_path / "ro")
    t.minimal(women=2)
    with tmpfs(t.warehouse.parent, "1m", read_only=True):
        r = refresh_cli(t)
    assert r.returncode == 1
    err = lines(r.stderr)
    assert len(err) == 2 and err[0].startswith("NOT PUBLISHED. No permission to write under "), r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
