"""`make demo`'s promise, checked in CI: the scale-1 synthetic extracts, refreshed through Dagster, reproduce
all 31 figures of the published review, and the audit tables hold exactly what the generator planted."""

import pytest

from pipelines.demo_data import generate
from conftest import query, refresh

pytestmark = pytest.mark.slow


def test_scale_1_demo_reproduces_all_published_figures(tmp_path):
    report = generate(tmp_path / "raw", scale=1)
    wh = refresh(tmp_path / "raw", tmp_path)
    not_holding = query(wh, "select indicator_code, period, published_value, computed_value from marts.rpt_reconciliation where not holds")
    assert not_holding == []
    assert query(wh, "select count(*) from marts.rpt_reconciliation") == [(31,)]
    rejected = query(wh, "select kind, file_name, row_number, check_name from audit.rejected_rows")
    assert set(rejected) == set(report.bad_rows)
    assert set(query(wh, "select kind, file_name from audit.rejected_files")) == set(report.bad_files)
    assert set(query(wh, "select kind, file_name, row_number from audit.held_rows")) == set(report.held_rows)
