"""The demo extracts through the real ingest: everything passes the contract except what the generator
planted, and each planted row or file is rejected for the planted reason (issue: demo data)."""

import polars as pl
import pytest

from pipelines.demo_data import generate
from pipelines.ingest import Pseudonymiser, ingest_kind


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo_contract")
    report = generate(root / "raw", scale=0.01)
    ps = Pseudonymiser("demo-contract-key")
    summaries = {
        k: ingest_kind(k, root / "raw", root / "lake", ps) for k in ("projects", "expenditures", "beneficiaries")
    }
    return root, report, summaries


def test_planted_bad_rows_are_exactly_the_rejected_rows_with_the_planted_reasons(ingested):
    root, report, _ = ingested
    rejected: set[tuple] = set()
    for kind in ("projects", "expenditures", "beneficiaries"):
        files = pl.read_parquet(root / "lake" / "manifest" / f"{kind}.parquet").filter(pl.col("status") == "loaded")
        for f in files.iter_rows(named=True):
            rj = pl.read_parquet(root / "lake" / kind / "rejects" / f"{f['cache_key']}.parquet")
            rejected |= {(kind, f["file_name"], r, c) for r, c in rj.select("row_number", "check_name").iter_rows()}
    assert report.bad_rows, "the generator plants bad rows even at small scale"
    assert rejected == set(report.bad_rows)


def test_planted_bad_files_are_exactly_the_rejected_files(ingested):
    _, report, summaries = ingested
    rejected = {(k, f.file_name) for k, s in summaries.items() for f in s.files if f.status == "rejected"}
    assert rejected == set(report.bad_files) and len(rejected) >= 1


def test_every_other_row_is_valid(ingested):
    _, report, summaries = ingested
    bad_files = {f for _, f in report.bad_files}
    for kind, s in summaries.items():
        loaded = [f for f in s.files if f.status == "loaded"]
        planted = {(f, r) for k, f, r, _ in report.bad_rows if k == kind}
        assert sum(f.rows_rejected for f in loaded) == len(planted), kind
        rows_in_good_files = sum(f.rows_read for f in loaded if f.file_name not in bad_files)
        assert sum(f.rows_valid for f in loaded) == rows_in_good_files - len(planted), kind
