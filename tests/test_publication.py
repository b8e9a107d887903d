"""Publication end to end: two real refreshes of a hand-made fixture, an edition frozen between them, the
restatement it gives, the review pack (read back with openpyxl, opened in headless Chromium).

The fixture in words
--------------------
Projects: AA.0001 (point 1, pre_consular, from 2006-01-01, open). p_fix.csv holds BB.0002 (point 5,
research_data, from 2009-03-01, budget 500) but in the first refresh it lacks the budget_usd column, so the
whole file is rejected; in the second it is delivered again, fixed.
Expenditures: AA.0001 2007-2009 (100, 200, 300). Spine: 2006 (AA.0001's start) .. 2009.
Services (no project_code, so no point's beneficiaries_reached): pre_consular in KEN, everybody 18-59:
2007 10 women; 2008 6 women, 6 men; 2009 10 women, 10 men. health_assessment 2008: 8 men aged 60+ in KEN
(8 records). trafficking_assistance 2006: 2 girls (0-17) in THA: the cells that must never be published.
Late delivery b_late.csv (second refresh): 7 more women, pre_consular, KEN, 2009.

What changes between the refreshes (worked out by hand; window 2007-2009, each person distinct):
  pre_consular 2009: 20 -> 27; window 42 -> 49; yearly mean 14 -> 16.33; last 20 -> 27; change 100 -> 170 %;
    breakdown 2009 F 10 -> 17, 18-59 20 -> 27, KEN 20 -> 27; window F 26 -> 33, 18-59 42 -> 49, KEN 42 -> 49.
  ORG.beneficiaries_served 2009: 20 -> 27; window 50 -> 57 (+8 health persons); mean 50/3 -> 19; last, change
    as above; breakdown 2009 the same three cells; window F 26 -> 33, 18-59 42 -> 49, KEN 50 -> 57.
  BB.0002 (active and started in 2009): ORG.projects_active 2009 1 -> 2, window 1 -> 2, mean 1 -> 4/3,
    last 1 -> 2, change 0 -> 100 %; ORG.projects_started, P05.projects_active, P05.projects_started 2009
    0 -> 1, window 0 -> 1, mean 0 -> 1/3, last 0 -> 1 (change stays NULL: first year 0);
    P05.budget_started_usd 2009 0 -> 500, window 0 -> 500, mean 0 -> 500/3, last 0 -> 500.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import duckdb
import polars as pl
import pytest

from support.attack import recover
from support.extracts import BENEFICIARY_COLUMNS, EXPENDITURE_COLUMNS, PROJECT_COLUMNS, write_extract
from support.runs import query, refresh

pytestmark = pytest.mark.slow

K = 5
TS = "2010-01-31T00:00:00Z"
LATE = "BENEFICIARY"
BEN_CAUSE = "late or re-delivered source rows"
PROJ_CAUSE = "late or re-delivered source rows; rejected rows since fixed"


def _services(prefix: str, n: int, sex: str, stype: str, date: str, country: str, dob: str, ts: str = TS):
    rows = []
    for i in range(n):
        pid = f"{prefix}{i:02d}"
        values = {
            "service_id": f"S-{pid}",
            "beneficiary_id": f"CASE-{pid}",
            "full_name": f"Name {pid}",
            "document_no": f"DOC-{pid}",
            "date_of_birth": dob,
            "sex": sex,
            "service_type": stype,
            "service_date": date,
            "country_of_service": country,
            "destination_country": "",
            "case_category": "",
            "project_code": "",
            "extracted_at": ts,
        }
        rows.append([values[c] for c in BENEFICIARY_COLUMNS])
    return rows


def _project(code, title, activity, points, start, budget):
    return [code, title, "GLB", activity, points, points.split(";")[0], start, "", budget, TS]


def build_fixture(raw: Path) -> None:
    write_extract(
        raw,
        "projects",
        "p_2010.csv",
        PROJECT_COLUMNS,
        [_project("AA.0001", "Pre-consular services", "pre_consular", "1", "2006-01-01", "1000")],
    )
    no_budget = [c for c in PROJECT_COLUMNS if c != "budget_usd"]
    row = _project("BB.0002", "Research", "research_data", "5", "2009-03-01", "500")
    write_extract(
        raw, "projects", "p_fix.csv", no_budget, [[v for c, v in zip(PROJECT_COLUMNS, row) if c != "budget_usd"]]
    )
    write_extract(
        raw,
        "expenditures",
        "e_2010.csv",
        EXPENDITURE_COLUMNS,
        [["AA.0001", str(y), str(v), TS] for y, v in ((2007, 100), (2008, 200), (2009, 300))],
    )
    rows = (
        _services("A7F", 10, "F", "pre_consular", "2007-03-01", "KEN", "1980-01-01")
        + _services("A8F", 6, "F", "pre_consular", "2008-03-01", "KEN", "1980-01-01")
        + _services("A8M", 6, "M", "pre_consular", "2008-03-01", "KEN", "1980-01-01")
        + _services("A9F", 10, "F", "pre_consular", "2009-03-01", "KEN", "1980-01-01")
        + _services("A9M", 10, "M", "pre_consular", "2009-03-01", "KEN", "1980-01-01")
        + _services("H8M", 8, "M", "health_assessment", "2008-05-01", "KEN", "1940-01-01")
        + _services("T6F", 2, "F", "trafficking_assistance", "2006-06-01", "THA", "2000-01-01")
    )
    write_extract(raw, "beneficiaries", "b_2010.csv", BENEFICIARY_COLUMNS, rows)


def late_deliveries(raw: Path) -> None:
    write_extract(
        raw,
        "beneficiaries",
        "b_late.csv",
        BENEFICIARY_COLUMNS,
        _services("L9F", 7, "F", "pre_consular", "2009-06-01", "KEN", "1980-01-01", "2010-03-01T00:00:00Z"),
    )
    write_extract(
        raw,
        "projects",
        "p_fix.csv",
        PROJECT_COLUMNS,
        [_project("BB.0002", "Research", "research_data", "5", "2009-03-01", "500")],
    )


def _expected_restatement() -> set[tuple]:
    V, W, B = "fct_indicator_values", "fct_indicator_window", "fct_indicator_breakdown"
    out = set()
    for code, (w0, w1), (m0, m1) in (
        ("P01.pre_consular_applicants", (42, 49), (14, 49 / 3)),
        ("ORG.beneficiaries_served", (50, 57), (50 / 3, 19)),
    ):
        out |= {
            (V, code, "2009", None, None, "value", 20, 27, BEN_CAUSE),
            (W, code, "2007-2009", None, None, "value", w0, w1, BEN_CAUSE),
            (W, code, "2007-2009", None, None, "yearly_mean", m0, m1, BEN_CAUSE),
            (W, code, "2007-2009", None, None, "last_year_value", 20, 27, BEN_CAUSE),
            (W, code, "2007-2009", None, None, "change_pct", 100, 170, BEN_CAUSE),
            (B, code, "2009", "sex", "F", "value", 10, 17, BEN_CAUSE),
            (B, code, "2009", "age_band", "18-59", "value", 20, 27, BEN_CAUSE),
            (B, code, "2009", "country_of_service", "KEN", "value", 20, 27, BEN_CAUSE),
            (B, code, "2007-2009", "sex", "F", "value", 26, 33, BEN_CAUSE),
            (B, code, "2007-2009", "age_band", "18-59", "value", 42, 49, BEN_CAUSE),
            (B, code, "2007-2009", "country_of_service", "KEN", "value", w0, w1, BEN_CAUSE),
        }
    out |= {
        (V, "ORG.projects_active", "2009", None, None, "value", 1, 2, PROJ_CAUSE),
        (W, "ORG.projects_active", "2007-2009", None, None, "value", 1, 2, PROJ_CAUSE),
        (W, "ORG.projects_active", "2007-2009", None, None, "yearly_mean", 1, 4 / 3, PROJ_CAUSE),
        (W, "ORG.projects_active", "2007-2009", None, None, "last_year_value", 1, 2, PROJ_CAUSE),
        (W, "ORG.projects_active", "2007-2009", None, None, "change_pct", 0, 100, PROJ_CAUSE),
    }
    for code, v in (
        ("ORG.projects_started", 1),
        ("P05.projects_active", 1),
        ("P05.projects_started", 1),
        ("P05.budget_started_usd", 500),
    ):
        out |= {
            (V, code, "2009", None, None, "value", 0, v, PROJ_CAUSE),
            (W, code, "2007-2009", None, None, "value", 0, v, PROJ_CAUSE),
            (W, code, "2007-2009", None, None, "yearly_mean", 0, v / 3, PROJ_CAUSE),
            (W, code, "2007-2009", None, None, "last_year_value", 0, v, PROJ_CAUSE),
        }
    return {r[:6] + (round(r[6], 6), round(r[7], 6), r[8]) for r in out}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    """Refresh, freeze edition 'march', deliver late and fixed files, refresh again (two real refreshes)."""
    from pipelines.publication.editions import publish_edition
    from pipelines.publication.write import write_pack

    tmp = tmp_path_factory.mktemp("publication")
    raw = tmp / "raw"
    build_fixture(raw)
    saved = dict(os.environ)
    os.environ.update(
        {
            "REVIEW_EDITIONS_DIR": str(tmp / "editions"),
            "REVIEW_PACK_DIR": str(tmp / "pack"),
            "REVIEW_DISCLOSURE_K": str(K),
        }
    )
    try:
        first = refresh(raw, tmp)
        before = query(first, "select count(*) from marts.rpt_restatement")[0][0]
        edition = publish_edition("march", first)
        frozen = {p.name: p.read_bytes() for p in edition.iterdir()}
        late_deliveries(raw)
        second = refresh(raw, tmp)
        edition_pack = write_pack("march", tmp / "pack_march")
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {
        "tmp": tmp,
        "warehouse": second,
        "edition": edition,
        "frozen": frozen,
        "restated_before": before,
        "pack": tmp / "pack",
        "edition_pack": edition_pack,
        "editions": tmp / "editions",
    }


@pytest.fixture
def env(run, monkeypatch):
    monkeypatch.setenv("REVIEW_EDITIONS_DIR", str(run["editions"]))
    monkeypatch.setenv("REVIEW_WAREHOUSE", str(run["warehouse"]))
    monkeypatch.setenv("REVIEW_PACK_DIR", str(run["pack"]))
    return run


# --- editions ----------------------------------------------------------------------------------------------


def test_edition_is_immutable(env):
    from pipelines.publication.editions import EditionError, publish_edition, verify_edition

    edition = env["edition"]
    assert {p.name: p.read_bytes() for p in edition.iterdir()} == env["frozen"]  # a refresh later: unchanged
    assert verify_edition("march") == []
    for p in edition.iterdir():
        assert not p.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH), p
    with pytest.raises(EditionError, match="immutable"):
        publish_edition("march", env["warehouse"])
    with pytest.raises(EditionError, match="name"):
        publish_edition("../escape", env["warehouse"])
    manifest = __import__("json").loads((edition / "manifest.json").read_text())
    assert manifest["edition"] == "march" and manifest["k"] == K
    assert len(manifest["code_version"]) in (40, 7) or manifest["code_version"] == "unknown"
    assert {(s["kind"], s["file_name"], s["status"]) for s in manifest["source_files"]} >= {
        ("projects", "p_fix.csv", "rejected"),
        ("beneficiaries", "b_2010.csv", "loaded"),
    }
    assert all(len(s["sha256"]) == 64 for s in manifest["source_files"])


def test_edition_values_in_the_warehouse_are_the_frozen_ones(env):
    frozen = pl.read_parquet(env["edition"] / "values.parquet")
    cols = [
        "table_name",
        "indicator_code",
        "period",
        "dimension",
        "dimension_value",
        "measure",
        "value",
        "obs_status",
        "conf_status",
    ]
    in_db = query(env["warehouse"], f"select {', '.join(cols)} from marts.edition_values where edition = 'march'")
    assert sorted(in_db, key=str) == sorted(frozen.select(cols).rows(), key=str)
    assert query(env["warehouse"], "select distinct edition from marts.edition_values") == [("march",)]
    # the 2009 pre-consular figure of March is still 20 in the edition, 27 in the current build
    assert query(
        env["warehouse"],
        "select value from marts.edition_values where edition = 'march' and "
        "table_name = 'fct_indicator_values' and indicator_code = 'P01.pre_consular_applicants' and "
        "period = '2009' and measure = 'value'",
    ) == [(20.0,)]


def test_the_edition_protects_small_cells(env):
    e = env["edition"]
    b = pl.read_parquet(e / "fct_indicator_breakdown.parquet")
    assert b.filter((pl.col("value") >= 1) & (pl.col("value") <= K)).is_empty()
    # the two girls of 2006: nothing of their breakdowns is published, only withheld-group markers
    girls = b.filter(
        pl.col("indicator_code").is_in(["P11.trafficked_persons_assisted", "ORG.beneficiaries_served"])
        & (pl.col("period") == "2006")
    )
    assert girls.height > 0 and girls["dimension_value"].null_count() == girls.height
    assert set(girls["conf_status"]) == {"C"} and set(girls["obs_status"]) == {"Q"}
    # brute force: every relation between the published tables, propagated; nothing is recovered
    found = recover(
        b,
        pl.read_parquet(e / "fct_indicator_values.parquet"),
        pl.read_parquet(e / "fct_indicator_window.parquet"),
        pl.read_parquet(e / "dim_indicator.parquet"),
        K,
    )
    assert found == {}
    # the internal mart keeps the exact values
    assert query(
        env["warehouse"],
        "select value from marts.fct_indicator_breakdown where indicator_code = "
        "'P11.trafficked_persons_assisted' and period = '2006' and dimension = 'age_band'",
    ) == [(2.0,)]


def test_restatement_lists_exactly_the_changed_values(env):
    assert env["restated_before"] == 0  # no edition yet in the first refresh
    rows = query(
        env["warehouse"],
        "select table_name, indicator_code, period, dimension, dimension_value, measure, "
        "round(edition_value, 6), round(current_value, 6), causes from marts.rpt_restatement "
        "where edition = 'march'",
    )
    got = {r[:6] + (float(r[6]), float(r[7]), r[8]) for r in rows}
    assert len(rows) == len(got)
    assert got == _expected_restatement()


def test_compare_prints_the_restatement(env, capsys):
    from pipelines.publication.cli import main

    assert main(["--compare", "march"]) == 0
    out = capsys.readouterr().out
    assert "43 published numbers of edition 'march' differ" in out
    assert f"22  {BEN_CAUSE}\n" in out and f"21  {PROJ_CAUSE}" in out
    assert main(["--list"]) == 0 and "march" in capsys.readouterr().out
    assert main(["--edition", "march"]) == 1  # refused


# --- the pack ----------------------------------------------------------------------------------------------


def test_pack_html_is_self_contained_with_twelve_points(env):
    html = (env["pack"] / "review.html").read_text()
    assert html.count('<section id="point-') == 12
    for p in range(1, 13):
        assert f'id="point-{p}" class="point"' in html
    assert 'id="org"' in html and 'id="quality"' in html
    lowered = html.lower()
    for forbidden in ("http:", "https:", "<script", "<link", "<img", "@import", "url("):
        assert forbidden not in lowered, forbidden
    assert html.count("<svg") >= 20  # a trend chart per indicator
    assert "To provide secure, reliable, flexible and cost-effective services" in html  # point 1's text
    assert "p_fix.csv" not in html or "rejected" in html
    edition_html = (env["edition_pack"]["html"]).read_text()
    assert "edition march" in edition_html


def test_pack_opens_in_headless_chromium(env, tmp_path):
    exe = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if exe is None:
        if os.geteuid() == 0:
            pytest.fail("chromium is missing: `make chromium` installs Debian's package")
        pytest.skip("chromium is not installed and this user cannot install it (sudo apt-get install chromium)")
    url = (env["pack"] / "review.html").resolve().as_uri()
    base = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    shot = tmp_path / "review.png"
    r = subprocess.run(
        [*base, f"--screenshot={shot}", "--window-size=1280,4000", url], capture_output=True, text=True, timeout=180
    )
    assert shot.exists() and shot.stat().st_size > 20_000, r.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = subprocess.run(
        [*base, "--enable-logging=stderr", "--v=0", "--dump-dom", url], capture_output=True, text=True, timeout=180
    )
    dom = r.stdout
    assert dom.count('class="point"') == 12
    assert "Organisation-wide figures" in dom and "Data quality" in dom
    console = [ln for ln in r.stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
    assert console == [], console
    print(f"screenshot: {shot}")


def test_xlsx_numbers_equal_the_marts(env):
    from openpyxl import load_workbook

    wb = load_workbook(env["pack"] / "review.xlsx", data_only=False)
    assert {f"Point {p}" for p in range(1, 13)} | {"Definitions", "Reconciliation", "Organisation"} <= set(
        wb.sheetnames
    )
    con = duckdb.connect(str(env["warehouse"]), read_only=True)
    try:
        values = {
            (c, y): v
            for c, y, v in con.execute("select indicator_code, year, value from marts.fct_indicator_values").fetchall()
        }
        window = {
            c: (v, m, ch)
            for c, v, m, ch in con.execute(
                "select indicator_code, value, yearly_mean, change_pct from marts.fct_indicator_window"
            ).fetchall()
        }
        breakdown = {
            r[:4]: r[4]
            for r in con.execute(
                "select indicator_code, period, dimension, dimension_value, value from marts.fct_indicator_breakdown"
            ).fetchall()
        }
        definitions = con.execute("select indicator_code, name, definition from marts.dim_indicator").fetchall()
    finally:
        con.close()
    checked = 0
    for title in ["Organisation", *[f"Point {p}" for p in range(1, 13)]]:
        rows = list(wb[title].iter_rows(values_only=True))
        start = next(i for i, r in enumerate(rows) if r and r[0] == "Indicator")
        header = rows[start]
        for r in rows[start + 1 :]:
            if not r or not r[0] or "." not in str(r[0]):
                break
            code = r[0]
            for i, h in enumerate(header):
                if h and str(h).isdigit():
                    expected = values[(code, int(h))]
                    if r[i] == "c":
                        continue
                    # empty: no data (a NULL share, or 0 before the indicator's first year with data)
                    assert (r[i] in ("", None) and expected in (None, 0)) or r[i] == pytest.approx(expected), (code, h)
                    checked += 1
                elif h == "2007-2009":
                    assert r[i] == pytest.approx(window[code][0]) or (r[i] in ("", None) and window[code][0] is None)
                elif h == "2007-2009 yearly mean" and r[i] not in ("c", "", None):
                    assert r[i] == pytest.approx(window[code][1])
    assert checked > 200
    # the full controlled breakdown is the CSV export (the workbook's Breakdowns sheet shows the pack's selection)
    import csv

    with open(env["pack"] / "csv" / "fct_indicator_breakdown.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        if not r["dimension_value"]:
            continue
        key = (r["indicator_code"], r["period"], r["dimension"], r["dimension_value"])
        if r["conf_status"] == "F":
            assert float(r["value"]) == pytest.approx(breakdown[key])
        else:
            assert r["value"] == "" and r["obs_status"] == "Q"
    defs = {r[0]: r for r in wb["Definitions"].iter_rows(values_only=True)}
    assert all(defs[c][2] == n and defs[c][3] == d for c, n, d in definitions)


def test_text_that_a_spreadsheet_would_run_is_neutralised(env, tmp_path):
    from openpyxl import load_workbook

    from pipelines.publication.editions import load_edition
    from pipelines.publication.pack import neutralise, write_csvs, write_xlsx

    assert neutralise('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert [neutralise(s) for s in ("+1", "-2+3", "@SUM(A1)", "\tx", "fine", 5, -3.5)] == [
        "'+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\tx",
        "fine",
        5,
        -3.5,
    ]
    pub = load_edition("march")
    pub.frames["dim_indicator"] = pub["dim_indicator"].with_columns(
        definition=pl.when(pl.col("indicator_code") == "ORG.projects_active")
        .then(pl.lit("=1+1"))
        .otherwise(pl.col("definition"))
    )
    write_xlsx(pub, tmp_path / "x.xlsx")
    ws = load_workbook(tmp_path / "x.xlsx")["Definitions"]
    cell = next(r[3] for r in ws.iter_rows() if r[0].value == "ORG.projects_active")
    assert cell.data_type == "s" and cell.value == "'=1+1"
    csv_text = (write_csvs(pub, tmp_path / "csv")[3]).read_text()  # dim_indicator.csv
    assert ",'=1+1," in csv_text
