"""Idempotency and corrections (extracts.md, "Re-deliveries and corrections").

Three real refreshes over the hand-built fixture of test_warehouse_e2e.py:
  1. first refresh (the session's, shared with test_warehouse_e2e.py; conftest.e2e_refresh);
  2. the same files again, on a byte-for-byte copy of run 1's raw files, lake and warehouse, rebuilt
     (REVIEW_ALWAYS_REBUILD=1): no value in marts or audit changes, and every file is served from the lake
     cache (validated once, by content);
  3. one more expenditures delivery, extracted later, correcting AA.0003's 2009 expenditure from -50 to 25:
     exactly the values that depend on it change, and nothing else.
"""

from __future__ import annotations

import math
import os
import shutil

import duckdb
import pytest

from support.extracts import EXPENDITURE_COLUMNS, write_extract
from support.runs import ingest_metadata, query, refresh_run

pytestmark = pytest.mark.slow

# The refresh's own history (run ids, timestamps) differs by design between runs.
RUN_RECORD_TABLES = {("audit", "refresh_log"), ("audit", "refresh_files")}


def _norm(v):
    return round(v, 9) if isinstance(v, float) and math.isfinite(v) else v


def snapshot(warehouse) -> dict[tuple[str, str], list[tuple]]:
    """Full, sorted contents of every table in schemas marts and audit (except the run records)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('marts', 'audit') order by 1, 2"
        ).fetchall()
        out = {}
        for schema, table in tables:
            if (schema, table) in RUN_RECORD_TABLES:
                continue
            rows = con.execute(f'select * from "{schema}"."{table}"').fetchall()
            out[(schema, table)] = sorted((tuple(_norm(v) for v in r) for r in rows), key=repr)
        return out
    finally:
        con.close()


def keyed(warehouse, table, key_cols, value_cols):
    rows = query(warehouse, f"select {', '.join(key_cols + value_cols)} from {table}")
    n = len(key_cols)
    return {r[:n]: tuple(_norm(v) for v in r[n:]) for r in rows}


@pytest.fixture(scope="module")
def runs(e2e_refresh, tmp_path_factory):
    # Run 1 is the session's refresh of the e2e fixture (conftest.e2e_refresh). Runs 2 and 3 go on in a
    # byte-for-byte copy of its whole tree (raw files, lake, published warehouse and its refresh log), so
    # the e2e tests keep reading run 1.
    tmp = tmp_path_factory.mktemp("rerun") / "tree"
    shutil.copytree(e2e_refresh["tmp"], tmp)
    raw = tmp / "raw"
    wh1, res1 = e2e_refresh["warehouse"], e2e_refresh["result"]
    snap1 = snapshot(wh1)
    vals1 = keyed(wh1, "marts.fct_indicator_values", ["indicator_code", "year"], ["value", "numerator", "denominator"])
    win1 = keyed(
        wh1,
        "marts.fct_indicator_window",
        ["indicator_code", "window_start", "window_end"],
        ["value", "numerator", "denominator", "yearly_mean", "first_year_value", "last_year_value", "change_pct"],
    )

    # Rebuilt although nothing changed (a refresh with nothing new is not rebuilt: test_operations.py),
    # so that the comparison is of two builds.
    os.environ["REVIEW_ALWAYS_REBUILD"] = "1"
    try:
        wh2, res2 = refresh_run(raw, tmp)
    finally:
        del os.environ["REVIEW_ALWAYS_REBUILD"]
    snap2 = snapshot(wh2)
    runs_after_2 = query(wh2, "select count(distinct run_id) from audit.refresh_files")[0][0]

    # A later re-delivery correcting one value: AA.0003 2009, -50 -> 25.
    write_extract(
        raw,
        "expenditures",
        "e_2010_03.csv",
        EXPENDITURE_COLUMNS,
        [
            ["AA.0003", "2009", "25", "2010-04-01T00:00:00Z"],
        ],
    )
    wh3, res3 = refresh_run(raw, tmp)
    snap3 = snapshot(wh3)
    vals3 = keyed(wh3, "marts.fct_indicator_values", ["indicator_code", "year"], ["value", "numerator", "denominator"])
    win3 = keyed(
        wh3,
        "marts.fct_indicator_window",
        ["indicator_code", "window_start", "window_end"],
        ["value", "numerator", "denominator", "yearly_mean", "first_year_value", "last_year_value", "change_pct"],
    )
    return {
        "res1": res1,
        "res2": res2,
        "res3": res3,
        "snap1": snap1,
        "snap2": snap2,
        "snap3": snap3,
        "vals1": vals1,
        "vals3": vals3,
        "win1": win1,
        "win3": win3,
        "runs_after_2": runs_after_2,
        "lake": tmp / "lake",
    }


def test_rerun_changes_no_value(runs):
    s1, s2 = runs["snap1"], runs["snap2"]
    assert set(s1) == set(s2)
    for t in (
        ("marts", "fct_indicator_values"),
        ("marts", "fct_indicator_window"),
        ("marts", "fct_indicator_breakdown"),
        ("marts", "dim_indicator"),
        ("marts", "dim_strategy_point"),
        ("audit", "rejected_rows"),
        ("audit", "held_rows"),
        ("audit", "rejected_files"),
    ):
        assert t in s1, f"{t} missing"
        assert len(s1[t]) > 0, f"{t} is empty: nothing compared"
    changed = [t for t in s1 if s1[t] != s2[t]]
    assert changed == [], f"tables whose contents changed on a re-run: {changed}"


def test_rerun_reads_files_from_cache(runs):
    # First run: nothing cached. Second run: every loaded file served from the lake cache.
    for kind in ("projects", "expenditures", "beneficiaries"):
        first = ingest_metadata(runs["res1"], kind)
        second = ingest_metadata(runs["res2"], kind)
        assert first["files_from_cache"] == 0, kind
        assert second["files_loaded"] == first["files_loaded"] > 0, kind
        assert second["files_from_cache"] == second["files_loaded"], kind
        assert "(cached)" in second["files"] and "(cached)" not in first["files"], kind
    # Third run: only the new delivery is validated.
    third = ingest_metadata(runs["res3"], "expenditures")
    assert third["files_loaded"] == ingest_metadata(runs["res2"], "expenditures")["files_loaded"] + 1
    assert third["files_from_cache"] == third["files_loaded"] - 1


def test_each_refresh_is_recorded(runs):
    assert runs["runs_after_2"] == 2


def test_correction_changes_exactly_that_value(runs):
    v1, v3 = runs["vals1"], runs["vals3"]
    assert set(v1) == set(v3)
    diff = {k: (v1[k], v3[k]) for k in v1 if v1[k] != v3[k]}
    # ORG and P10 (AA.0003 is tagged 10 only) expenditure in 2009: -50 -> 25.
    assert diff == {
        ("ORG.expenditure_usd", 2009): ((-50.0, None, None), (25.0, None, None)),
        ("P10.expenditure_usd", 2009): ((-50.0, None, None), (25.0, None, None)),
    }


def test_correction_changes_only_the_dependent_window_figures(runs):
    w1, w3 = runs["win1"], runs["win3"]
    assert set(w1) == set(w3)
    diff = {k[0]: w3[k] for k in w1 if w1[k] != w3[k]}
    assert sorted(diff) == ["ORG.expenditure_usd", "P10.expenditure_usd"]
    # ORG: 1200 + 2330.5 + 25 = 3555.5; mean 3555.5 / 3; first 1200; last 25; change 100 * (25 - 1200) / 1200
    exp_org = (3555.5, None, None, round(3555.5 / 3, 9), 1200.0, 25.0, round(-117500 / 1200, 9))
    # P10: 0 + 400 + 25 = 425; mean 425 / 3; first (2007) 0 -> change NULL
    exp_p10 = (425.0, None, None, round(425 / 3, 9), 0.0, 25.0, None)
    for got, exp in ((diff["ORG.expenditure_usd"], exp_org), (diff["P10.expenditure_usd"], exp_p10)):
        assert all((g is None and e is None) or math.isclose(g, e, rel_tol=1e-9) for g, e in zip(got, exp)), (got, exp)


def test_correction_leaves_everything_else_unchanged(runs):
    s1, s3 = runs["snap1"], runs["snap3"]
    changed = sorted(t for t in s1 if s1[t] != s3[t])
    # values and window (checked above) and the reports on them (reconciliation; plausibility flags: the
    # corrected expenditure series is judged again; the values' provenance: the new file feeds them) may
    # move; breakdowns, dimensions and the audit of bad input may not (the new file has no bad, held or
    # rejected row).
    assert set(changed) <= {
        ("marts", "fct_indicator_values"),
        ("marts", "fct_indicator_window"),
        ("marts", "rpt_reconciliation"),
        ("marts", "rpt_plausibility"),
        ("audit", "source_files"),
        ("marts", "rpt_value_provenance"),
    }
    assert ("marts", "fct_indicator_values") in changed
    # The files seen: exactly one more, the new delivery, loaded.
    added = set(s3[("audit", "source_files")]) - set(s1[("audit", "source_files")])
    removed = set(s1[("audit", "source_files")]) - set(s3[("audit", "source_files")])
    assert removed == set()
    assert [(r[0], r[1], r[2]) for r in added] == [("expenditures", "e_2010_03.csv", "loaded")]
