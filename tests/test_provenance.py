"""Provenance end to end (issue 15): two real refreshes of a hand-made fixture, an edition frozen between.

The fixture in words
--------------------
Projects (p.csv): AB.0001, AB.0002, AB.0003, all point 1, pre_consular, started 2006-01-01.
Expenditures, year 2007:
  e_a.csv (extracted 2008-01-10): AB.0001 100 | AB.0002 50 (loses to e_b.csv) | AB.0003 "abc" (rejected:
          expenditure_usd decimal_format; a known project, so it would have counted) | ZZ.9999 30 (held:
          unknown project; it would have counted in ORG.expenditure_usd only, the project's points being unknown)
  e_b.csv (extracted 2008-06-01): AB.0002 70 (wins)
  => ORG.expenditure_usd 2007 = 100 + 70 = 170, fed by e_a.csv (1 row counted, 1 row lost) and e_b.csv (1 row).
Services, pre_consular in KEN, all 2007:
  b_2007.csv (extracted 2008-01-10): S1 person P1 | S2 P2 | S3 P3 (loses to the correction) |
          S4 P4 with sex "X" (rejected, sex accepted_values: would have counted) |
          S5 P5 with sex "X", country "XXXX", case_category "bogus" (three columns fail: looks shifted, no context)
  b_corr.csv (extracted 2008-06-01): S3 P3 again (wins) | S6 P1 again
  => P01.pre_consular_applicants 2007 = 3 persons (P1, P2, P3): b_2007.csv 2 rows / 2 persons / 1 row lost;
     b_corr.csv 2 rows / 2 persons (P3, P1); rejected b_2007.csv 1 row / 1 person.
Edition "ed1" is frozen after the first refresh. Then b_late.csv (S7, new person P7, 2007) arrives:
  => 3 -> 4, restated with cause "late or re-delivered source rows", naming b_late.csv (+1 rows).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import polars as pl
import pytest

from support.extracts import BENEFICIARY_COLUMNS, EXPENDITURE_COLUMNS, PROJECT_COLUMNS, write_extract
from support.runs import query, refresh, refresh_run

pytestmark = pytest.mark.slow

T1, T2, T3 = "2008-01-10T00:00:00Z", "2008-06-01T00:00:00Z", "2009-01-10T00:00:00Z"
CODE = "P01.pre_consular_applicants"


def _svc(sid, person, date, ts, sex="F", country="KEN", category=""):
    v = {
        "service_id": sid,
        "beneficiary_id": f"CASE-{person}",
        "full_name": f"Name {person}",
        "document_no": f"DOC-{person}",
        "date_of_birth": "1980-01-01",
        "sex": sex,
        "service_type": "pre_consular",
        "service_date": date,
        "country_of_service": country,
        "destination_country": "",
        "case_category": category,
        "project_code": "",
        "extracted_at": ts,
    }
    return [v[c] for c in BENEFICIARY_COLUMNS]


def build_fixture(raw: Path) -> None:
    write_extract(
        raw,
        "projects",
        "p.csv",
        PROJECT_COLUMNS,
        [
            [c, f"Project {c}", "KEN", "pre_consular", "1", "1", "2006-01-01", "", "1000", T1]
            for c in ("AB.0001", "AB.0002", "AB.0003")
        ],
    )
    write_extract(
        raw,
        "expenditures",
        "e_a.csv",
        EXPENDITURE_COLUMNS,
        [
            ["AB.0001", "2007", "100", T1],
            ["AB.0002", "2007", "50", T1],
            ["AB.0003", "2007", "abc", T1],
            ["ZZ.9999", "2007", "30", T1],
        ],
    )
    write_extract(raw, "expenditures", "e_b.csv", EXPENDITURE_COLUMNS, [["AB.0002", "2007", "70", T2]])
    write_extract(
        raw,
        "beneficiaries",
        "b_2007.csv",
        BENEFICIARY_COLUMNS,
        [
            _svc("S1", "P1", "2007-03-01", T1),
            _svc("S2", "P2", "2007-04-01", T1),
            _svc("S3", "P3", "2007-05-01", T1),
            _svc("S4", "P4", "2007-06-01", T1, sex="X"),
            _svc("S5", "P5", "2007-06-02", T1, sex="X", country="XXXX", category="bogus"),
        ],
    )
    write_extract(
        raw,
        "beneficiaries",
        "b_corr.csv",
        BENEFICIARY_COLUMNS,
        [_svc("S3", "P3", "2007-05-02", T2), _svc("S6", "P1", "2007-08-01", T2)],
    )


def _sha12(raw: Path, kind: str, name: str) -> str:
    return hashlib.sha256((raw / kind / name).read_bytes()).hexdigest()[:12]


PROV_SQL = (
    "select contribution, kind, file_name, check_name, row_count, unit_count, rows_superseded "
    "from {table} where indicator_code = ? and period = ? {extra} order by all"
)

# (contribution, kind, file, check, rows, persons/projects, rows lost to a later version)
PRE_CONSULAR_FIRST = [
    ("counted", "beneficiaries", "b_2007.csv", None, 2, 2, 1),
    ("counted", "beneficiaries", "b_corr.csv", None, 2, 2, 0),
    ("rejected", "beneficiaries", "b_2007.csv", "sex: accepted_values", 1, 1, None),
]
PRE_CONSULAR_NOW = sorted(PRE_CONSULAR_FIRST + [("counted", "beneficiaries", "b_late.csv", None, 1, 1, 0)])
EXPENDITURE = [
    ("counted", "expenditures", "e_a.csv", None, 1, 1, 1),
    ("counted", "expenditures", "e_b.csv", None, 1, 1, 0),
    ("held", "expenditures", "e_a.csv", "unknown_project", 1, 1, None),
    ("rejected", "expenditures", "e_a.csv", "expenditure_usd: decimal_format", 1, 1, None),
]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    from pipelines.publication import editions
    from pipelines.publication.editions import publish_edition

    tmp = tmp_path_factory.mktemp("provenance")
    raw = tmp / "raw"
    build_fixture(raw)
    saved = dict(os.environ)
    os.environ.update({"REVIEW_EDITIONS_DIR": str(tmp / "editions")})
    try:
        first = refresh(raw, tmp)
        first_provenance = query(first, PROV_SQL.format(table="marts.rpt_value_provenance", extra=""), [CODE, "2007"])
        edition = publish_edition("ed1", first)
        write_extract(raw, "beneficiaries", "b_late.csv", BENEFICIARY_COLUMNS, [_svc("S7", "P7", "2007-09-01", T3)])
        # As if a model's documentation (yml) had been edited since the edition: the global rule version
        # (a digest of every file under models/) differs, no indicator's rule does.
        editions.rule_version, real_rule_version = (lambda: "docs-edited-since"), editions.rule_version
        try:
            second, result = refresh_run(raw, tmp)
        finally:
            editions.rule_version = real_rule_version
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {
        "tmp": tmp,
        "raw": raw,
        "warehouse": second,
        "edition": edition,
        "first": first_provenance,
        "result": result,
    }


def test_rejected_rows_keep_their_context_and_no_personal_data(run):
    rows = query(
        run["warehouse"],
        "select kind, file_name, row_number, context_kept, failed_columns, has_person_key, "
        "service_type, strategy_point, cast(service_date as varchar), project_code, country_of_service, "
        "destination_country, year from audit.rejected_row_context order by all",
    )
    assert rows == [
        ("beneficiaries", "b_2007.csv", 5, True, 1, True, "pre_consular", 1, "2007-06-01", None, "KEN", None, None),
        ("beneficiaries", "b_2007.csv", 6, False, 3, False, None, None, None, None, None, None, None),
        ("expenditures", "e_a.csv", 4, True, 1, False, None, None, None, "AB.0003", None, None, 2007),
    ]
    # the lake's context files hold no personal-data value; the person is the keyed hash valid rows carry
    ctx = pl.concat(
        [pl.read_parquet(p) for p in (run["tmp"] / "lake" / "beneficiaries" / "reject_context").glob("*.parquet")],
        how="diagonal_relaxed",
    )
    text = " ".join(str(v) for row in ctx.rows() for v in row)
    assert not re.search(r"CASE-|Name P|DOC-|1980-01-01", text)
    assert set(ctx.columns) >= {"person_key"} and not {
        "beneficiary_id",
        "full_name",
        "document_no",
        "date_of_birth",
    } & set(ctx.columns)
    valid_keys = {r[0] for r in query(run["warehouse"], "select person_key from staging.stg_lake__beneficiaries")}
    p4 = ctx.filter(pl.col("row_number") == 5)["person_key"].to_list()
    assert len(p4[0]) == 64 and p4[0] not in valid_keys  # P4 has no valid service


def test_provenance_of_a_value_fed_by_two_files(run):
    w = run["warehouse"]
    for period in ("2007", "2007-2009"):
        got = query(w, PROV_SQL.format(table="marts.rpt_value_provenance", extra=""), ["ORG.expenditure_usd", period])
        assert got == EXPENDITURE, period
        assert (
            query(w, PROV_SQL.format(table="marts.rpt_value_provenance", extra=""), [CODE, period]) == PRE_CONSULAR_NOW
        )
    assert query(
        w, "select value from marts.fct_indicator_values where indicator_code = 'ORG.expenditure_usd' and year = 2007"
    ) == [(170.0,)]
    # a point's expenditure: the same files; the held row (points unknown) would not have fed it
    assert query(w, PROV_SQL.format(table="marts.rpt_value_provenance", extra=""), ["P01.expenditure_usd", "2007"]) == [
        r for r in EXPENDITURE if r[0] != "held"
    ]
    # SHA-256 of each file as delivered
    shas = dict(
        query(w, "select distinct file_name, sha256 from marts.rpt_value_provenance where indicator_code = ?", [CODE])
    )
    assert {f: s[:12] for f, s in shas.items()} == {
        f: _sha12(run["raw"], "beneficiaries", f) for f in ("b_2007.csv", "b_corr.csv", "b_late.csv")
    }
    # before the late delivery
    assert run["first"] == PRE_CONSULAR_FIRST


def test_edition_freezes_the_provenance_it_published(run):
    frozen = pl.read_parquet(run["edition"] / "provenance.parquet")
    assert set(frozen["edition"]) == {"ed1"}
    mine = frozen.filter((pl.col("indicator_code") == CODE) & (pl.col("period") == "2007")).sort(
        "contribution", "kind", "file_name", "check_name", nulls_last=False
    )
    assert (
        mine.select(
            "contribution", "kind", "file_name", "check_name", "row_count", "unit_count", "rows_superseded"
        ).rows()
        == PRE_CONSULAR_FIRST
    )
    assert set(mine["value"]) == {3.0}
    # readable in the warehouse beside the current build, and part of the edition's manifest
    assert (
        query(
            run["warehouse"],
            PROV_SQL.format(table="marts.edition_provenance", extra="and edition = 'ed1'"),
            [CODE, "2007"],
        )
        == PRE_CONSULAR_FIRST
    )
    manifest = __import__("json").loads((run["edition"] / "manifest.json").read_text())
    assert {"provenance.parquet", "rule_versions.parquet"} <= set(manifest["files"])


def test_restatement_names_the_file_and_rows(run):
    rows = query(
        run["warehouse"],
        "select table_name, period, measure, edition_value, current_value, causes, files_added, "
        "files_removed, files_changed, rows_moved, source_changes from marts.rpt_restatement "
        "where edition = 'ed1' and indicator_code = ? and dimension is null and measure = 'value' order by all",
        [CODE],
    )
    change = ("late or re-delivered source rows", 1, 0, 0, 1, "added beneficiaries/b_late.csv (+1 rows)")
    assert rows == [
        ("fct_indicator_values", "2007", "value", 3.0, 4.0, *change),
        ("fct_indicator_window", "2007-2009", "value", 3.0, 4.0, *change),
    ]
    # only the documentation changed (global rule version differs): no indicator says 'rule change'
    assert query(run["warehouse"], "select count(*) from marts.rpt_restatement where edition = 'ed1'")[0][0] > 0
    assert query(run["warehouse"], "select count(*) from marts.rpt_restatement where causes like '%rule change%'") == [
        (0,)
    ]


def test_review_explain_prints_the_hand_worked_counts(run, capsys):
    from pipelines.publication.explain import main

    os.environ["REVIEW_EDITIONS_DIR"] = str(run["tmp"] / "editions")
    try:
        assert main([CODE, "2007", "--warehouse", str(run["warehouse"])]) == 0
        out = capsys.readouterr().out
        assert main([CODE, "2007", "--warehouse", str(run["warehouse"]), "--edition", "ed1"]) == 0
        frozen = capsys.readouterr().out
        assert main([CODE, "2031", "--warehouse", str(run["warehouse"])]) == 2
        assert "no value for 2031" in capsys.readouterr().err
    finally:
        del os.environ["REVIEW_EDITIONS_DIR"]
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert lines[0] == f"{CODE} 2007 = 4 persons"
    assert "Definition: Distinct persons with a pre_consular service in the year" in lines
    sha = lambda f: _sha12(run["raw"], "beneficiaries", f)  # noqa: E731
    assert f"beneficiaries b_2007.csv {sha('b_2007.csv')} 2 2 1" in lines
    assert f"beneficiaries b_corr.csv {sha('b_corr.csv')} 2 2 0" in lines
    assert f"beneficiaries b_late.csv {sha('b_late.csv')} 1 1 0" in lines
    assert "rejected beneficiaries b_2007.csv sex: accepted_values 1 1" in lines
    assert "total: 1 rejected, 0 held rows" in lines
    assert "ed1" in " ".join(line for line in lines if line.startswith("ed1 "))
    assert any(line.startswith("ed1 ") and line.endswith(" 3 F") for line in lines)
    assert "restated since ed1: 3 -> 4 (late or re-delivered source rows)" in lines
    flines = [" ".join(line.split()) for line in frozen.splitlines()]
    assert f"beneficiaries b_2007.csv {sha('b_2007.csv')} 2 2 1" in flines
    assert not any("b_late.csv" in line for line in flines)


def test_every_marts_and_audit_column_is_described_in_duckdb(run):
    """persist_docs (and pipelines/warehouse_docs.py for the publish step's tables): any SQL client sees them."""
    w = run["warehouse"]
    tables = query(
        w, "select schema_name, table_name, comment from duckdb_tables() where schema_name in ('marts', 'audit')"
    )
    names = {(s, t) for s, t, _ in tables}
    assert {
        ("marts", "rpt_value_provenance"),
        ("marts", "fct_indicator_values"),
        ("audit", "rejected_row_context"),
        ("audit", "refresh_log"),
        ("audit", "refresh_files"),
    } <= names
    assert [(s, t) for s, t, c in tables if not (c or "").strip()] == []
    undocumented = query(
        w,
        "select schema_name, table_name, column_name from duckdb_columns() "
        "where schema_name in ('marts', 'audit') and coalesce(trim(comment), '') = '' order by all",
    )
    assert undocumented == []
    assert query(w, "select count(*) from duckdb_columns() where schema_name in ('marts', 'audit')")[0][0] > 150


def test_docs_site_builds_with_lineage_and_exposures(run, tmp_path):
    import json

    from pipelines.warehouse_docs import build_docs_site

    page = build_docs_site(out_dir=tmp_path / "docs", warehouse=run["warehouse"])
    assert page.exists() and page.stat().st_size > 100_000
    manifest = json.loads((page.parent / "manifest.json").read_text())
    assert set(manifest["exposures"]) == {"exposure.review_warehouse.review_pack", "exposure.review_warehouse.editions"}
    assert (
        "model.review_warehouse.rpt_value_provenance"
        in manifest["exposures"]["exposure.review_warehouse.editions"]["depends_on"]["nodes"]
    )
    catalog = json.loads((page.parent / "catalog.json").read_text())
    prov = catalog["nodes"]["model.review_warehouse.rpt_value_provenance"]
    assert prov["columns"]["rows_superseded"]["comment"].startswith("counted only")


def test_dagster_records_row_counts_column_schemas_and_column_lineage_of_dbt_tables(run):
    # on the materializations, where the UI (and dagster-dbt's own fetch_* helpers) put them
    obs = {}
    for e in run["result"].all_events:
        if e.event_type_value == "ASSET_MATERIALIZATION":
            o = e.event_specific_data.materialization
            obs[tuple(o.asset_key.path)] = {k: v.value for k, v in o.metadata.items()}
    prov = obs[("marts", "rpt_value_provenance")]
    n = query(run["warehouse"], "select count(*) from marts.rpt_value_provenance")[0][0]
    assert prov["dagster/row_count"] == n > 0
    cols = {c.name: c for c in prov["dagster/column_schema"].columns}
    assert cols["rows_superseded"].type == "BIGINT" and cols["rows_superseded"].description.startswith("counted only")
    assert obs[("audit", "rejected_row_context")]["dagster/row_count"] == 3
    assert "dagster/row_count" not in obs[("staging", "stg_lake__reject_context")]  # a view: schema only
    # Column lineage (fct_indicator_values.sql: `period_start as year, value, ...` from int_indicator_period_values)
    deps = obs[("marts", "fct_indicator_values")]["dagster/column_lineage"].deps_by_column
    src = ["intermediate", "int_indicator_period_values"]
    assert [(list(d.asset_key.path), d.column_name) for d in deps["year"]] == [(src, "period_start")]
    assert [(list(d.asset_key.path), d.column_name) for d in deps["value"]] == [(src, "value")]
    # the second refresh took it from the cache the first wrote in the dbt project's target folder (code
    # artefacts, shared by every warehouse of this checkout): the same answer
    assert (Path(__file__).resolve().parents[1] / "dbt_project" / "target" / "column_lineage.json").is_file()
    assert not Path(str(run["warehouse"]) + ".column_lineage.json").exists()


def _compiled_code_digest(project: Path, tmp: Path) -> str:
    """dbt compile of int_provenance_rule_versions in `project`; the code digest its SQL carries."""
    import subprocess
    import sys

    target = tmp / f"target-{project.name}"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "compile",
            "--quiet",
            "--select",
            "int_provenance_rule_versions",
            "--profiles-dir",
            str(project),
            "--project-dir",
            str(project),
            "--target-path",
            str(target),
        ],
        check=True,
        env={**os.environ, "REVIEW_DBT_PATH": str(tmp / "compile.duckdb"), "REVIEW_MACROS_DIGEST": "m"},
        capture_output=True,
    )
    sql = next(target.rglob("int_provenance_rule_versions.sql")).read_text()
    return re.search(r"'([0-9a-f]{16})' as code_digest", sql).group(1)


def test_rule_version_covers_every_model_upstream_of_the_facts(tmp_path):
    """Editing the SQL of a model three steps upstream of the facts (int_services) changes the code digest
    of every indicator's rule version; editing a model's documentation (yml) does not."""
    import shutil

    repo = Path(__file__).resolve().parents[1] / "dbt_project"
    copies = {}
    for name in ("same", "yml", "sql"):
        copies[name] = tmp_path / name
        shutil.copytree(repo, copies[name], ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    yml = copies["yml"] / "models" / "marts" / "fct_indicator_values.yml"
    yml.write_text(yml.read_text().replace("One row per indicator and year", "One row per indicator and calendar year"))
    sql = copies["sql"] / "models" / "intermediate" / "int_services.sql"
    sql.write_text(sql.read_text() + "\n-- an edit of the rule's code\n")
    digests = {name: _compiled_code_digest(p, tmp_path) for name, p in copies.items()}
    assert digests["same"] == digests["yml"]
    assert digests["sql"] != digests["same"]
