"""The contract's column table (schemas/) is the one place of each kind's columns: the lake's typed shape
(LAKE_SCHEMAS), the dbt lake sources' columns (generated into _lake__sources.yml), the staging models'
column lists (the generated macro lake_columns) and the test extracts' headers all come from it.

Expected values are written out by hand from extracts.md (what the lake keeps of each column)."""

from __future__ import annotations

import subprocess
import sys

import polars as pl
import pytest
import yaml

from pipelines.ingest_lake import DBT_MACRO, DBT_SOURCES, LAKE_SCHEMAS, dbt_lake_columns_macro, synced_dbt_sources
from pipelines.operations import CODE_GLOBS
from pipelines.settings import REPO
from schemas import CONTRACTS

BENEFICIARIES_IN_THE_LAKE = [
    ("cache_key", "varchar"),
    ("row_number", "bigint"),
    ("service_id", "varchar"),
    ("person_key", "varchar"),  # beneficiary_id, as its keyed hash
    ("sex", "varchar"),
    ("age_band", "varchar"),  # from date_of_birth (and service_date); placed after sex
    ("service_type", "varchar"),
    ("strategy_point", "integer"),  # from service_type
    ("service_date", "date"),
    ("country_of_service", "varchar"),
    ("destination_country", "varchar"),
    ("case_category", "varchar"),
    ("project_code", "varchar"),
    ("extracted_at", "timestamp"),
]
PROJECTS_IN_THE_LAKE = {
    "cache_key": pl.String,
    "row_number": pl.Int64,
    "project_code": pl.String,
    "title": pl.String,
    "country_iso3": pl.String,
    "activity_type": pl.String,
    "strategy_points": pl.String,
    "primary_point": pl.Int32,
    "start_date": pl.Date,
    "end_date": pl.Date,
    "budget_usd": pl.Decimal(28, 6),
    "extracted_at": pl.Datetime("us"),
}


def _sources() -> dict[str, dict]:
    doc = yaml.safe_load(DBT_SOURCES.read_text())
    return {t["name"]: t for s in doc["sources"] if s["name"] == "lake" for t in s["tables"]}


def test_the_generated_dbt_source_columns_are_in_sync_with_the_contract():
    text = DBT_SOURCES.read_text()
    assert synced_dbt_sources(text) == text, f"{DBT_SOURCES.name} is out of date: run `python -m pipelines.ingest_lake`"


def test_the_generated_macro_the_staging_models_read_is_in_sync_with_the_contract():
    assert DBT_MACRO.read_text() == dbt_lake_columns_macro(), (
        f"{DBT_MACRO.name} is out of date: run `python -m pipelines.ingest_lake`"
    )
    # the beneficiaries list as the staging models select it (no cache_key/row_number: read by the macros)
    lists = DBT_MACRO.read_text()
    expected = ", ".join(f"'{n}'" for n, _ in BENEFICIARIES_IN_THE_LAKE[2:])
    assert f"'beneficiaries': [{expected}]" in lists
    for model in ("stg_lake__beneficiaries", "stg_lake__beneficiaries_delivered"):
        assert "lake_columns('beneficiaries')" in (DBT_SOURCES.parent / f"{model}.sql").read_text()


def test_the_dbt_lake_sources_declare_what_the_lake_keeps_of_each_column():
    tables = _sources()
    assert [(c["name"], c["data_type"]) for c in tables["beneficiaries"]["columns"]] == BENEFICIARIES_IN_THE_LAKE
    assert [(c["name"], c["data_type"]) for c in tables["expenditures"]["columns"]] == [
        ("cache_key", "varchar"),
        ("row_number", "bigint"),
        ("project_code", "varchar"),
        ("year", "integer"),
        ("expenditure_usd", "decimal(28, 6)"),
        ("extracted_at", "timestamp"),
    ]
    assert [c["name"] for c in tables["projects"]["columns"]] == list(PROJECTS_IN_THE_LAKE)
    # no personal-data column is declared in the lake
    declared = {c["name"] for t in ("projects", "expenditures", "beneficiaries") for c in tables[t]["columns"]}
    assert not declared & {"beneficiary_id", "full_name", "document_no", "date_of_birth"}


def test_lake_schemas_come_from_the_column_table():
    assert LAKE_SCHEMAS["projects"] == PROJECTS_IN_THE_LAKE
    assert list(LAKE_SCHEMAS["projects"]) == list(PROJECTS_IN_THE_LAKE)
    assert list(LAKE_SCHEMAS["beneficiaries"]) == [n for n, _ in BENEFICIARIES_IN_THE_LAKE]
    assert LAKE_SCHEMAS["beneficiaries"]["strategy_point"] == pl.Int32
    assert LAKE_SCHEMAS["expenditures"]["expenditure_usd"] == pl.Decimal(28, 6)


def test_a_misplaced_lake_column_is_an_error_not_a_silent_drop():
    from dataclasses import replace

    from schemas._checks import Lake, contract

    cols = CONTRACTS["expenditures"].columns
    broken = (replace(cols[0], lake=Lake("project_code", after="no_such_column")), *cols[1:])
    with pytest.raises(ValueError, match="names no lake column"):
        _ = contract("expenditures", broken, ("project_code", "year")).lake_schema


def test_a_missing_generated_block_is_reported():
    text = DBT_SOURCES.read_text()
    cut = text.replace("# >>> lake columns of expenditures:", "# lake columns of expenditures:")
    with pytest.raises(ValueError, match="expenditures"):
        synced_dbt_sources(cut)


def test_the_code_fingerprint_covers_every_module_the_ingest_runs():
    """A no-op refresh is recognised by hashing the code (operations.code_fingerprint): every module the
    ingest imports must be among the files it hashes, or a change to it would not rebuild."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, pipelines.ingest; print('\\n'.join(m.__file__ for n, m in sys.modules.items() "
            "if n.split('.')[0] in ('pipelines', 'schemas')))",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    covered = [REPO / top / sub for top, subs in CODE_GLOBS for sub in subs]
    # pipelines/__init__.py only sets the allocator's environment: it decides nothing in the lake
    files = [p for p in out if not p.endswith("pipelines/__init__.py")]
    assert len(files) >= 8, files  # ingest, its read/validate/lake/pseudonymise modules, dropzone, ...
    missing = [f for f in files if not any(f == str(c) or f.startswith(f"{c.resolve()}/") for c in covered)]
    assert not missing, missing
