"""Plausibility flags end to end (issue 14): the duplicate rules on re-keyed copies of a delivery file, the
edition refusal and the acknowledgement path, with real refreshes (Dagster -> dbt -> DuckDB).

The per-rule thresholds of the SQL rules (outlier, spike, yoy, completeness, related indicators) are dbt
unit tests beside the models (models/intermediate/plausibility/_plausibility.yml, marts/rpt_plausibility.yml),
run by every refresh's `dbt build`.

The fixture in words. One delivery, b_orig.csv (extracted 2009-01-20), of 120 health assessments in 2008:
40 persons each in KEN, UGA and TZA (one service each, on distinct days). Then three later files:
  b_resend.csv   (2009-02-01) the KEN rows again under new service ids: 40 of its 40 rows repeat b_orig
                 -> duplicate_file (40 > 0.5 x 40); KEN has 40 extra services of 80 -> rekeyed_services
  b_half.csv     (2009-02-15) 21 TZA rows of b_orig under new ids + 19 new persons in TZA: 21 of 40 rows
                 (52.5%) -> duplicate_file; TZA: 21 extra (>= min_count 20, 21/80 >= 1%) -> rekeyed_services
  b_partial.csv  (2009-03-01) 19 UGA rows of b_orig under new ids + 21 new persons in UGA: 19 of 40 (47.5%,
                 not over half) -> no flag; UGA: 19 extra < min_count 20 -> no flag
The spine is 2008 alone (every service is of 2008) and the latest extraction (2009-03-01) covers it: no
other rule judges anything (one year: no outlier, spike, yoy or completeness; no percentage; no point
above the organisation; no provisional year). So exactly 4 flags, all high.
A duplicate file (any service type) touches every published figure of a service-based indicator whose
period contains 2008; the re-keyed health assessments touch only health-assessment figures, and the
published ones are of 2009: none.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import duckdb
import polars as pl
import pytest

from support.extracts import BENEFICIARY_COLUMNS, write_extract
from support.runs import query, refresh_run

pytestmark = pytest.mark.slow

TS_ORIG, TS_RESEND, TS_HALF, TS_PARTIAL = (
    "2009-01-20T06:00:00Z",
    "2009-02-01T06:00:00Z",
    "2009-02-15T06:00:00Z",
    "2009-03-01T06:00:00Z",
)
DUP_RESEND = "duplicate_file||2008|file|b_resend.csv"
DUP_HALF = "duplicate_file||2008|file|b_half.csv"
REKEY_KEN = "rekeyed_services|P01.health_assessments|2008|country_of_service|KEN"
REKEY_TZA = "rekeyed_services|P01.health_assessments|2008|country_of_service|TZA"
# Published figures of service-based indicators whose period contains 2008 (published_figures.csv):
TOUCHED_BY_A_FILE = (
    "P01.migrant_training_participants 2008; P01.migrant_training_resettlement_pct 2007-2009; "
    "P01.migrant_training_women_pct 2007-2009; P01.pre_consular_applicants 2008; P01.resettlement_persons 2007-2009; "
    "P10.avrr_destination_countries 2007-2009; P10.avrr_returns 2007-2009; P11.trafficked_persons_assisted 2007-2009; "
    "P12.labour_migrants_deployed 2007-2009 destination_country=CAN"
)


def service(sid: str, person: str, day: int, country: str, ts: str) -> list[str]:
    values = {c: "" for c in BENEFICIARY_COLUMNS}
    values.update(
        service_id=sid,
        beneficiary_id=person,
        sex="F",
        service_type="health_assessment",
        service_date=f"2008-{1 + day // 28:02d}-{1 + day % 28:02d}",
        country_of_service=country,
        extracted_at=ts,
    )
    return [values[c] for c in BENEFICIARY_COLUMNS]


def build_fixture(raw: Path) -> None:
    orig = {
        c: [service(f"O-{c}-{i:02d}", f"P-{c}-{i:02d}", i, c, TS_ORIG) for i in range(40)]
        for c in ("KEN", "UGA", "TZA")
    }
    write_extract(raw, "beneficiaries", "b_orig.csv", BENEFICIARY_COLUMNS, [r for c in orig for r in orig[c]])

    def rekeyed(rows, prefix, ts):  # the same rows under new service ids, delivered later
        out = []
        for i, r in enumerate(rows):
            r = list(r)
            r[BENEFICIARY_COLUMNS.index("service_id")] = f"{prefix}-{i:02d}"
            r[BENEFICIARY_COLUMNS.index("extracted_at")] = ts
            out.append(r)
        return out

    write_extract(raw, "beneficiaries", "b_resend.csv", BENEFICIARY_COLUMNS, rekeyed(orig["KEN"], "R", TS_RESEND))
    new_tza = [service(f"H-new-{i:02d}", f"N-TZA-{i:02d}", 200 + i, "TZA", TS_HALF) for i in range(19)]
    write_extract(
        raw, "beneficiaries", "b_half.csv", BENEFICIARY_COLUMNS, rekeyed(orig["TZA"][:21], "H", TS_HALF) + new_tza
    )
    new_uga = [service(f"Q-new-{i:02d}", f"N-UGA-{i:02d}", 200 + i, "UGA", TS_PARTIAL) for i in range(21)]
    write_extract(
        raw, "beneficiaries", "b_partial.csv", BENEFICIARY_COLUMNS, rekeyed(orig["UGA"][:19], "Q", TS_PARTIAL) + new_uga
    )


def write_acks(path: Path, lines: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["flag_key", "acknowledged_by", "acknowledged_at", "reason"])
        w.writerows(lines)


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plaus")
    raw = tmp / "raw"
    build_fixture(raw)
    acks = tmp / "acknowledgements.csv"  # does not exist yet: no acknowledgements
    saved = {v: os.environ.get(v) for v in ("REVIEW_ACKNOWLEDGEMENTS", "REVIEW_EDITIONS_DIR")}
    os.environ["REVIEW_ACKNOWLEDGEMENTS"] = str(acks)
    os.environ["REVIEW_EDITIONS_DIR"] = str(tmp / "editions")
    try:
        warehouse, result = refresh_run(raw, tmp)
        yield {"tmp": tmp, "raw": raw, "acks": acks, "warehouse": warehouse, "result": result}
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def flags(warehouse: Path) -> dict[str, tuple]:
    rows = query(
        warehouse,
        "select flag_key, importance, observed, reference_value, published_figures, acknowledged, "
        "acknowledged_by, acknowledgement_reason from marts.rpt_plausibility",
    )
    return {r[0]: r[1:] for r in rows}


def test_duplicate_rules_flag_the_rekeyed_copies_and_only_them(first):
    got = flags(first["warehouse"])
    assert set(got) == {DUP_RESEND, DUP_HALF, REKEY_KEN, REKEY_TZA}
    # (importance, observed, reference_value, published_figures, acknowledged, by, reason)
    assert got[DUP_RESEND] == ("high", 40.0, 40.0, TOUCHED_BY_A_FILE, False, None, None)
    assert got[DUP_HALF] == ("high", 21.0, 40.0, TOUCHED_BY_A_FILE, False, None, None)
    assert got[REKEY_KEN] == ("high", 40.0, 80.0, None, False, None, None)
    assert got[REKEY_TZA] == ("high", 21.0, 80.0, None, False, None, None)
    sentence = query(first["warehouse"], "select sentence from marts.rpt_plausibility where flag_key = ?", [DUP_HALF])[
        0
    ][0]
    assert sentence.startswith(
        "Delivery file b_half.csv: 21 of its 40 rows (52%) repeat rows of the earlier file b_orig.csv"
    )


def test_a_refresh_is_not_blocked_and_the_check_warns(first):
    # the refresh above published although 4 high flags touch or not published figures
    evals = [e for e in first["result"].get_asset_check_evaluations() if e.check_name == "plausibility_flags"]
    assert len(evals) == 1
    ev = evals[0]
    assert ev.passed is False and ev.severity.value == "WARN"
    meta = {k: v.value for k, v in ev.metadata.items()}
    assert (meta["high_flags"], meta["medium_flags"], meta["low_flags"]) == (4, 0, 0)
    assert meta["high_unacknowledged_on_published"] == 2
    assert DUP_HALF in meta["top_flags"]


def test_summary_line(first):
    from pipelines.publication.plausibility import summary_line

    con = duckdb.connect(str(first["warehouse"]), read_only=True)
    try:
        assert summary_line(con) == "Plausibility flags: 4 high, 0 medium, 0 low (marts.rpt_plausibility)"
    finally:
        con.close()


def test_edition_refused_until_acknowledged_then_frozen_with_its_flags(first):
    from pipelines.publication.editions import EditionError, publish_edition, verify_edition

    wh, acks, editions = first["warehouse"], first["acks"], first["tmp"] / "editions"
    with pytest.raises(EditionError) as refused:
        publish_edition("june", wh)
    msg = str(refused.value)
    assert "2 high plausibility flag(s)" in msg and DUP_RESEND in msg and DUP_HALF in msg
    assert REKEY_KEN not in msg  # high, but it touches no published figure
    assert not (editions / "june").exists()

    # one acknowledged, one line without a reason (acknowledges nothing): still refused, for the other
    write_acks(
        acks,
        [
            [DUP_RESEND, "A. Reviewer", "2009-03-10T09:00:00Z", "KEN re-sent its file; the copy is excluded upstream"],
            [DUP_HALF, "B. Reviewer", "2009-03-10T09:05:00Z", ""],
        ],
    )
    with pytest.raises(EditionError) as refused:
        publish_edition("june", wh)
    assert DUP_HALF in str(refused.value) and DUP_RESEND not in str(refused.value)
    assert "1 high plausibility flag(s)" in str(refused.value)

    # both acknowledged (the later line of a key wins): frozen, without a new refresh
    write_acks(
        acks,
        [
            [DUP_RESEND, "A. Reviewer", "2009-03-10T09:00:00Z", "KEN re-sent its file; the copy is excluded upstream"],
            [DUP_HALF, "B. Reviewer", "2009-03-10T09:05:00Z", ""],
            [DUP_HALF, "B. Reviewer", "2009-03-11T08:00:00Z", "TZA partial re-send confirmed by the office"],
        ],
    )
    path = publish_edition("june", wh)
    assert verify_edition("june") == []
    man = json.loads((path / "manifest.json").read_text())
    assert {"plausibility_flags.parquet", "acknowledgements.parquet"} <= set(man["files"])
    frozen = pl.read_parquet(path / "plausibility_flags.parquet").sort("flag_key")
    assert frozen["flag_key"].to_list() == sorted([DUP_HALF, DUP_RESEND, REKEY_KEN, REKEY_TZA])
    ack = {
        r["flag_key"]: (r["acknowledged"], r["acknowledged_by"], r["acknowledgement_reason"])
        for r in frozen.iter_rows(named=True)
    }
    assert ack[DUP_HALF] == (True, "B. Reviewer", "TZA partial re-send confirmed by the office")
    assert ack[DUP_RESEND] == (True, "A. Reviewer", "KEN re-sent its file; the copy is excluded upstream")
    assert ack[REKEY_KEN] == (False, None, None)
    lines = pl.read_parquet(path / "acknowledgements.parquet")
    assert lines.height == 2  # the line without a reason is not an acknowledgement


def test_the_next_refresh_reads_the_acknowledgements(first, tmp_path):
    """After the edition test: the acknowledgements file is read by dbt into rpt_plausibility."""
    write_acks(
        first["acks"],
        [
            [DUP_RESEND, "A. Reviewer", "2009-03-10T09:00:00Z", "re-sent file"],
            [REKEY_TZA, "C. Reviewer", "2009-03-12T10:00:00Z", "checked with, the office"],
            ["not-a-flag", "D. Reviewer", "2009-03-12T10:00:00Z", "stale key"],
            [DUP_HALF, "", "2009-03-12T10:00:00Z", "no name: not an acknowledgement"],
        ],
    )
    warehouse, _ = refresh_run(first["raw"], tmp_path)
    got = flags(warehouse)
    assert set(got) == {DUP_RESEND, DUP_HALF, REKEY_KEN, REKEY_TZA}
    assert got[DUP_RESEND][4:] == (True, "A. Reviewer", "re-sent file")
    assert got[REKEY_TZA][4:] == (True, "C. Reviewer", "checked with, the office")
    assert got[DUP_HALF][4:] == (False, None, None)
    assert got[REKEY_KEN][4:] == (False, None, None)
