"""Money is exact and a re-run is bit-identical (issue 12, item 2).

Amounts (budget_usd, expenditure_usd) are parsed as decimals at ingest (DECIMAL(28, 6) in the lake:
schemas/_checks.py MONEY), carried as DECIMAL through the dbt models, summed exactly, and converted to
DOUBLE only in the contract's DOUBLE columns. Real refreshes (Dagster `refresh` job) throughout:

  * the money fixture below: 28 amounts whose float sum depends on the order of addition, delivered once
    in one order and once in the reverse order (two fresh trees): every figure is the same to the bit, and
    it is the nearest double of the exact decimal total (worked out by hand);
  * the hand-built e2e fixture (tests/test_warehouse_e2e.py): a second refresh in a fresh tree (new lake,
    new warehouse) and a re-run in a copy of the first tree (same lake, every file from the cache) give
    full table contents identical to the bit in every table of `marts` and `audit`, the refresh's own
    record (run ids, times, the raw folder's path) aside.

Floats are compared by repr (round-trip exact: equal repr <=> equal bits, -0.0 included), never to a
tolerance. Before this change (Float64 amounts, float sums) every money test here failed: the fixture's
P04.budget_started_usd 2009 read 11333339.999999994 in one order and 11333339.999999998 in the other,
ORG.expenditure_usd 11333339.999999996 in both (the exact total is 11333340).
"""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from support.money import TOTAL, money_fixture
from support.runs import query, refresh_run

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
# --- exact snapshots -------------------------------------------------------------------------------------

# The refresh's own record: which run, when, from where. Everything else must be identical.
RUN_COLUMNS = {
    ("audit", "refresh_log"): {"run_id", "started_at", "finished_at", "raw_dir"},
    ("audit", "refresh_files"): {"run_id"},
}


def _exact(v):
    return repr(v) if isinstance(v, float) else v


def snapshot(warehouse: Path, schemas=("marts", "audit")) -> dict[tuple[str, str], list[tuple]]:
    """Full contents of every table of `schemas`, floats as repr (bit-exact), rows sorted. Of the refresh
    record tables, only the latest refresh's rows (a re-run in the same tree adds to them), without the
    run-specific columns."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in ({', '.join('?' for _ in schemas)}) order by 1, 2",
            list(schemas),
        ).fetchall()
        latest = None
        if ("audit", "refresh_log") in tables:
            latest = con.execute("select run_id from audit.refresh_log order by started_at desc limit 1").fetchall()[0][
                0
            ]
        out = {}
        for schema, table in tables:
            cols = [
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                    "order by ordinal_position",
                    [schema, table],
                ).fetchall()
            ]
            keep = [c for c in cols if c not in RUN_COLUMNS.get((schema, table), set())]
            where = " where run_id = ?" if (schema, table) in RUN_COLUMNS else ""
            rows = con.execute(
                f'select {", ".join(chr(34) + c + chr(34) for c in keep)} from "{schema}"."{table}"{where}',
                [latest] if where else [],
            ).fetchall()
            out[(schema, table)] = sorted((tuple(_exact(v) for v in r) for r in rows), key=repr)
        return out
    finally:
        con.close()


def _differences(a: dict, b: dict) -> dict:
    assert set(a) == set(b), sorted(set(a) ^ set(b))
    return {t: (sorted(set(a[t]) - set(b[t]))[:5], sorted(set(b[t]) - set(a[t]))[:5]) for t in a if a[t] != b[t]}


# --- the money fixture, in two orders --------------------------------------------------------------------


@pytest.fixture(scope="module")
def money_runs(tmp_path_factory):
    out = {}
    for name, reverse in (("forward", False), ("reverse", True)):
        tmp = tmp_path_factory.mktemp(f"money_{name}")
        money_fixture(tmp / "raw", reverse)
        out[name] = refresh_run(tmp / "raw", tmp)[0]
    return out


def test_amounts_are_decimal_in_the_lake_and_the_models(money_runs):
    wh = money_runs["forward"]
    types = dict(
        ((r[0], r[1]), r[2])
        for r in query(
            wh,
            (
                "select table_name, column_name, data_type from information_schema.columns "
                "where column_name in ('budget_usd', 'expenditure_usd', 'exact_value', 'value')"
            ),
        )
    )
    assert types[("stg_lake__projects", "budget_usd")] == "DECIMAL(28,6)"
    assert types[("stg_lake__expenditures", "expenditure_usd")] == "DECIMAL(28,6)"
    assert types[("int_expenditures_counted", "expenditure_usd")] == "DECIMAL(28,6)"
    assert types[("int_indicator_period_values", "exact_value")] == "DECIMAL(38,6)"
    assert types[("fct_indicator_values", "value")] == "DOUBLE"  # the contract's type


def test_sums_of_amounts_are_exact(money_runs):
    wh = money_runs["forward"]
    got = {
        (r[0], r[1]): r[2]
        for r in query(
            wh,
            (
                "select indicator_code, year, value from marts.fct_indicator_values where year = 2009 and indicator_code "
                "in ('ORG.expenditure_usd', 'P04.expenditure_usd', 'P04.budget_started_usd')"
            ),
        )
    }
    # The held ZZ.0001 row and the two rejected rows count nowhere: the total above, to the bit.
    assert {k: repr(v) for k, v in got.items()} == {
        ("ORG.expenditure_usd", 2009): repr(TOTAL),
        ("P04.expenditure_usd", 2009): repr(TOTAL),
        ("P04.budget_started_usd", 2009): repr(TOTAL),
    }
    exact = query(
        wh,
        "select exact_value from intermediate.int_indicator_period_values "
        "where indicator_code = 'ORG.expenditure_usd' and period = '2009'",
    )
    assert exact == [(Decimal("11333340.000000"),)]
    # The window 2007-2009: all of it is 2009; the yearly mean is 11333340 / 3 = 3777780 (exactly).
    window = query(
        wh,
        "select value, yearly_mean, first_year_value, last_year_value from marts.fct_indicator_window "
        "where indicator_code = 'ORG.expenditure_usd'",
    )
    assert [tuple(repr(v) for v in r) for r in window] == [(repr(TOTAL), repr(3777780.0), repr(0.0), repr(TOTAL))]


def test_rejected_amounts_say_why(money_runs):
    rows = query(money_runs["forward"], "select row_number, column_name, check_name, value from audit.rejected_rows")
    assert sorted(rows) == [
        (31, "expenditure_usd", "decimal_precision", "0.0000001"),  # row 2..29 the amounts, 30 ZZ.0001
        (32, "expenditure_usd", "decimal_format", "1,5"),
    ]


def test_the_order_of_the_rows_changes_no_bit(money_runs):
    # The same rows, delivered in the reverse order: every figure identical to the bit. (Row numbers in
    # audit differ by construction, so the figures are compared: the marts without the audit.)
    # rpt_value_provenance names the files behind each value by SHA-256, and the reversed file's content
    # (so its hash) differs by construction: it is compared without that column.
    a = snapshot(money_runs["forward"], ("marts",))
    b = snapshot(money_runs["reverse"], ("marts",))
    assert len(a[("marts", "fct_indicator_values")]) > 0
    prov = ("marts", "rpt_value_provenance")
    for snap, wh in ((a, money_runs["forward"]), (b, money_runs["reverse"])):
        cols = [
            r[0]
            for r in query(
                wh,
                "select column_name from information_schema.columns where table_schema = "
                "'marts' and table_name = 'rpt_value_provenance' order by ordinal_position",
            )
        ]
        i = cols.index("sha256")
        snap[prov] = sorted((r[:i] + r[i + 1 :] for r in snap[prov]), key=repr)
    assert len(a[prov]) > 0
    assert _differences(a, b) == {}


# --- the e2e fixture: a fresh tree, and the same tree again ------------------------------------------------


def test_a_second_fresh_refresh_is_bit_identical(e2e_refresh, tmp_path_factory):
    from support.e2e_fixture import build_fixture

    tmp = tmp_path_factory.mktemp("fresh_again")
    build_fixture(tmp / "raw")
    wh2 = refresh_run(tmp / "raw", tmp)[0]
    a, b = snapshot(e2e_refresh["warehouse"]), snapshot(wh2)
    for t in (
        ("marts", "fct_indicator_values"),
        ("marts", "fct_indicator_window"),
        ("audit", "rejected_rows"),
        ("audit", "refresh_files"),
        ("audit", "refresh_log"),
    ):
        assert a[t], f"{t} is empty: nothing compared"
    assert _differences(a, b) == {}


def test_a_rerun_on_the_same_lake_is_bit_identical(e2e_refresh, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("REVIEW_ALWAYS_REBUILD", "1")  # nothing is new: without it the refresh would not rebuild
    tmp = tmp_path_factory.mktemp("same_lake") / "tree"
    shutil.copytree(e2e_refresh["tmp"], tmp)
    wh2, result = refresh_run(tmp / "raw", tmp)
    assert query(wh2, "select count(*) from audit.refresh_log") == [(2,)]  # the copy's run and this one
    assert _differences(snapshot(e2e_refresh["warehouse"]), snapshot(wh2)) == {}


# --- the money type is one type everywhere -----------------------------------------------------------------


def test_lake_money_type_and_lake_version_agree_with_the_models():
    from pipelines.ingest import INGEST_VERSION, LAKE_SCHEMAS
    from schemas._checks import MONEY

    assert LAKE_SCHEMAS["projects"]["budget_usd"] == MONEY == pl.Decimal(28, 6)
    assert LAKE_SCHEMAS["expenditures"]["expenditure_usd"] == MONEY
    # dbt reads only valid files of the current ingest version (older ones may be typed otherwise)
    sources = (REPO / "dbt_project" / "models" / "staging" / "_lake__sources.yml").read_text()
    globs = re.findall(r"valid/(\*[^'\s]*\.parquet)", sources)
    assert len(globs) == 6 and set(globs) == {f"*-v{INGEST_VERSION}.parquet"}, globs
