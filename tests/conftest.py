"""Session fixtures of the test suite. The helpers they use live in tests/support/ (extracts.py: writing
extracts; runs.py: running a refresh, reading the warehouse; e2e_fixture.py: the hand-built fixture), which
test modules import directly: no test imports conftest or another test module."""

from __future__ import annotations

import pytest

from support.runs import refresh_run


@pytest.fixture(scope="session")
def e2e_refresh(tmp_path_factory) -> dict:
    """The hand-built fixture of test_warehouse_e2e.py, refreshed once per session (a refresh costs ~25 s).

    Shared by test_warehouse_e2e.py (reads it) and test_rerun.py (re-runs on a byte-for-byte copy of the
    whole tree: raw files, lake and published warehouse). Nothing may write into this tree.
    """
    from support.e2e_fixture import build_fixture

    tmp = tmp_path_factory.mktemp("e2e")
    raw = tmp / "raw"
    build_fixture(raw)
    raw_before = {p.relative_to(raw): p.read_bytes() for p in raw.rglob("*") if p.is_file()}
    warehouse, result = refresh_run(raw, tmp)
    return {
        "tmp": tmp,
        "raw": raw,
        "raw_before": raw_before,
        "warehouse": warehouse,
        "result": result,
        "lake": tmp / "lake",
    }
