"""Hostile and broken deliveries (issue 11 items 1-3, 5-7; issue 12 items 3 and 5): what is read, what is
said, and that no message or recorded value copies a line or a personal value of the file.

Files are generated here; expected values are read off the generated text by hand (header = record 1).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import polars as pl
import pytest

from pipelines.ingest import (
    INGEST_VERSION,
    MAX_COLUMNS,
    DropZoneMissing,
    FileRejected,
    Pseudonymiser,
    ingest_kind,
    validate_file,
)
from schemas import BENEFICIARIES, EXPENDITURES, PROJECTS

PS = Pseudonymiser("hostile-test-key")
B_HEADER = (
    "service_id,beneficiary_id,full_name,document_no,date_of_birth,sex,service_type,service_date,"
    "country_of_service,destination_country,case_category,project_code,extracted_at"
)
E_HEADER = "project_code,year,expenditure_usd,extracted_at"
P_HEADER = "project_code,title,country_iso3,activity_type,strategy_points,primary_point,start_date,end_date,budget_usd,extracted_at"
# Canaries: personal values that must never appear anywhere.
NAME, DOC, DOB, CASE = "Zoltan Quarrington", "QX9988776", "1977-04-23", "CASE-CANARY-5521"


def write(tmp_path: Path, text: str | bytes, name: str = "f.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return p


def b_line(
    sid="S1",
    bid=CASE,
    name=NAME,
    doc=DOC,
    dob=DOB,
    sex="F",
    st="pre_consular",
    sd="2009-06-15",
    cos="FRA",
    dest="",
    cat="",
    proj="",
    ext="2010-01-01T00:00:00Z",
) -> str:
    return ",".join([sid, bid, name, doc, dob, sex, st, sd, cos, dest, cat, proj, ext])


def assert_no_canary(*texts):
    blob = "\n".join(str(t) for t in texts)
    for c in (NAME, DOC, DOB, CASE, "Zoltan", "Quarrington"):
        assert c not in blob, c


def rejected_message(path: Path, contract=BENEFICIARIES) -> str:
    with pytest.raises(FileRejected) as exc:
        validate_file(path, contract, PS, "k")
    return str(exc.value)


# --- item 1: a rejected file's message never copies its first line -------------------------------------


def test_headerless_file_says_no_header_and_copies_nothing(tmp_path):
    p = write(tmp_path, b_line() + "\n" + b_line(sid="S2") + "\n")
    msg = rejected_message(p)
    assert "does not look like a header" in msg
    assert "none of its 13 field(s)" in msg
    assert_no_canary(msg)
    assert "S1" not in msg and "pre_consular" not in msg and "FRA" not in msg


def test_missing_columns_are_named_and_only_plain_unknown_names_are_shown(tmp_path):
    header = f"service_id,beneficiary_id,notes,{NAME},{DOB},sex"
    msg = rejected_message(write(tmp_path, header + "\nS1,C1,x,y,z,F\n"))
    assert msg.startswith("required column(s) missing: service_type, service_date, country_of_service, extracted_at")
    assert "the header has 6 column(s), unknown: notes; 2 name(s) not shown" in msg
    assert_no_canary(msg)


def test_duplicate_names_are_shown_only_when_plain(tmp_path):
    msg = rejected_message(write(tmp_path, "project_code,year,year,expenditure_usd,extracted_at\n"), EXPENDITURES)
    assert "duplicate column names in the header: year;" in msg
    msg = rejected_message(
        write(tmp_path, f"project_code,{DOB},{DOB},year,expenditure_usd,extracted_at\n"), EXPENDITURES
    )
    assert "duplicate column names" in msg and "1 name(s) not shown" in msg
    assert DOB not in msg


def test_semicolon_separated_file_is_diagnosed(tmp_path):
    msg = rejected_message(write(tmp_path, E_HEADER.replace(",", ";") + "\nAB.0001;2009;5;2010-01-01\n"), EXPENDITURES)
    assert "semicolon-separated" in msg and "CSV UTF-8 (comma delimited)" in msg
    assert "AB.0001" not in msg


# --- item 3: shifted rows record no values ------------------------------------------------------------


def test_shifted_row_records_no_values(tmp_path):
    # An unquoted comma in full_name and destination_country (optional) left out: 13 fields again.
    shifted = ",".join(
        [
            "S2",
            CASE,
            "Zoltan",
            " Quarrington",
            DOC,
            DOB,
            "F",
            "pre_consular",
            "2009-06-15",
            "FRA",
            "",
            "",
            "2010-01-01T00:00:00Z",
        ]
    )
    p = write(tmp_path, f"{B_HEADER}\n{b_line()}\n{shifted}\n")
    valid, rejects, stats = validate_file(p, BENEFICIARIES, PS, "k")
    assert valid.height == 1
    # document_no <- " Quarrington" (passes: no rule), date_of_birth <- DOC, sex <- DOB, service_type <- F,
    # service_date <- pre_consular, country_of_service <- 2009-06-15, destination <- FRA (valid).
    assert set(rejects.select("row_number", "column_name", "check_name").rows()) == {
        (3, "date_of_birth", "date_format"),
        (3, "sex", "accepted_values"),
        (3, "service_type", "accepted_values"),
        (3, "service_date", "date_format"),
        (3, "country_of_service", "iso3166_alpha3"),
    }
    assert rejects["value"].to_list() == [None] * 5
    assert stats["rows_values_withheld"] == 1
    assert_no_canary(rejects.write_csv(), json.dumps(stats))


@pytest.mark.parametrize(
    ("kwargs", "column", "check"),
    [
        ({"sex": DOB}, "sex", "accepted_values"),  # a date under sex: another column's pattern
        ({"cat": "M"}, "case_category", "accepted_values"),  # a sex code under case_category
        ({"cat": NAME}, "case_category", "accepted_values"),  # name-like: not the column's shape
        ({"cat": DOC}, "case_category", "accepted_values"),  # a document-number-like value
        ({"proj": "FRA"}, "project_code", "project_code_format"),  # a country code under project_code
        ({"cat": "Zed", "name": "Zed"}, "case_category", "accepted_values"),  # equals a personal value of the row
        ({"cat": "Jane Doe"}, "case_category", "accepted_values"),  # another person's name: not the shape
        ({"cat": "AB1234567"}, "case_category", "accepted_values"),  # another document number: not the shape
        ({"cos": "CASE-77"}, "country_of_service", "iso3166_alpha3"),  # a case-number-like value
    ],
)
def test_a_value_that_could_be_personal_is_never_recorded(tmp_path, kwargs, column, check):
    p = write(tmp_path, f"{B_HEADER}\n{b_line(**kwargs)}\n")
    _, rejects, _ = validate_file(p, BENEFICIARIES, PS, "k")
    assert rejects.select("row_number", "column_name", "check_name", "value").rows() == [(2, column, check, None)]


def test_ordinary_bad_values_are_still_recorded(tmp_path):
    p = write(tmp_path, f"{B_HEADER}\n{b_line(sex='X', cat='refugee')}\n")
    _, rejects, _ = validate_file(p, BENEFICIARIES, PS, "k")
    assert set(rejects.select("column_name", "value").rows()) == {("sex", "X"), ("case_category", "refugee")}


def test_a_long_bad_value_is_cut_and_marked(tmp_path):
    p = write(tmp_path, f"{P_HEADER}\nAB.0001,T,FRA,{'x' * 5000},9,9,2007-03-01,,1,2010-01-01\n")
    _, rejects, _ = validate_file(p, PROJECTS, PS, "k")
    (value,) = rejects["value"].to_list()
    assert value == "x" * 200 + " … [cut: 5000 characters]"


# --- items 2, 3 of the drop zone: only regular files inside the kind's folder are read ------------------


def _ingest_in_thread(*args, **kwargs):
    out: dict = {}

    def run():
        try:
            out["summary"] = ingest_kind(*args, **kwargs)
        except BaseException as e:  # noqa: BLE001
            out["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(120)
    assert not t.is_alive(), "ingest blocked (a FIFO was opened?)"
    if "error" in out:
        raise out["error"]
    return out["summary"]


def test_only_regular_files_inside_the_drop_zone_are_read(tmp_path):
    raw, lake = tmp_path / "raw", tmp_path / "lake"
    folder = raw / "expenditures"
    folder.mkdir(parents=True)
    for k in ("projects", "beneficiaries"):
        (raw / k).mkdir()
    good = f"{E_HEADER}\nAB.0001,2009,5,2010-01-01\n"
    (folder / "e1.csv").write_text(good)
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{NAME},{DOC}\n")
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text(f"{E_HEADER}\nAB.0009,2009,5,2010-01-01\n")
    (folder / "passwd.csv").symlink_to(secret)
    (folder / "outside.csv").symlink_to(elsewhere)
    (folder / "inside.csv").symlink_to(folder / "e1.csv")
    (folder / "dangling.csv").symlink_to(tmp_path / "nothing.csv")
    os.mkfifo(folder / "pipe.csv")
    (folder / "dir.csv").mkdir()
    (folder / "archive").mkdir()
    (folder / "archive" / "old.csv").write_text(good)
    (folder / ".hidden.csv").write_text(good)
    (folder / "book.xlsx").write_bytes(b"PK\x03\x04 not really")
    (raw / "expenditure").mkdir()  # a typo folder at the root
    (raw / "expenditure" / "e2.csv").write_text(good)
    summary = _ingest_in_thread("expenditures", raw, lake, PS)
    by_name = {f.file_name: (f.kind, f.status, f.message) for f in summary.files}
    assert {n for n, v in by_name.items() if v[1] == "loaded"} == {"e1.csv", "inside.csv"}
    reasons = {n: v[2] for n, v in by_name.items() if v[1] == "ignored"}
    assert reasons == {
        "passwd.csv": "a link that leads out of the drop zone: not read",
        "outside.csv": "a link that leads out of the drop zone: not read",
        "dangling.csv": "a link that leads out of the drop zone: not read",
        "pipe.csv": "a FIFO (named pipe), not a regular file: not read",
        "dir.csv/": "a folder named like a CSV file: not read",
        "archive/": "a sub-folder (1 entries): files in sub-folders are not read",
        ".hidden.csv": "hidden file: not read",
        "book.xlsx": "a spreadsheet, not a CSV file: not read; save it as CSV UTF-8 (comma delimited)",
        "expenditure/": f"in the drop zone {raw}: a folder of the drop zone that is not an extract kind (1 entries): "
        "not read; extracts go in projects/, expenditures/, beneficiaries/; did you mean expenditures?",
    }
    assert by_name["expenditure/"][0] is None
    assert summary.totals["rows_valid"] == 2  # e1.csv and the link to it; not AB.0009 from outside
    manifest = pl.read_parquet(lake / "manifest" / "expenditures.parquet")
    assert manifest.filter(pl.col("file_name") == "passwd.csv")["sha256"].to_list() == [""]  # never opened
    lake_text = b"".join(p.read_bytes() for p in lake.rglob("*") if p.is_file())
    assert NAME.encode() not in lake_text and DOC.encode() not in lake_text


def test_the_typo_folder_is_reported_once_by_the_closest_kind(tmp_path):
    raw, lake = tmp_path / "raw", tmp_path / "lake"
    for k in ("projects", "expenditures", "beneficiaries", "beneficiary"):
        (raw / k).mkdir(parents=True)
    (raw / "notes.txt").write_text("x")
    names = {
        k: [f.file_name for f in ingest_kind(k, raw, lake, PS).not_read]
        for k in ("projects", "expenditures", "beneficiaries")
    }
    assert names == {"projects": ["notes.txt"], "expenditures": [], "beneficiaries": ["beneficiary/"]}


def test_a_missing_drop_zone_or_kind_folder_fails_naming_the_path_and_variable(tmp_path):
    with pytest.raises(DropZoneMissing) as exc:
        ingest_kind("projects", tmp_path / "nope", tmp_path / "lake", PS)
    assert str(exc.value).startswith(f"The drop zone {tmp_path / 'nope'} does not exist (REVIEW_RAW_DIR)")
    assert "\n" not in str(exc.value)
    (tmp_path / "raw" / "projects").mkdir(parents=True)
    with pytest.raises(DropZoneMissing) as exc:
        ingest_kind("beneficiaries", tmp_path / "raw", tmp_path / "lake", PS)
    assert f"The beneficiaries folder {tmp_path / 'raw' / 'beneficiaries'} does not exist" in str(exc.value)
    assert "REVIEW_RAW_DIR" in str(exc.value)


# --- item 5: wide headers ----------------------------------------------------------------------------


def test_a_header_over_the_column_cap_is_rejected_with_the_count(tmp_path):
    header = ",".join(f"c{i}" for i in range(100_000))
    msg = rejected_message(write(tmp_path, header + "\n"), EXPENDITURES)
    assert msg.startswith(f"the header has 100000 columns, more than the limit of {MAX_COLUMNS}")
    header = ",".join(f"c{i}" for i in range(1_000_000))  # over 1 MiB: counted, not parsed
    msg = rejected_message(write(tmp_path, header + "\n"), EXPENDITURES)
    assert "the header line is longer than 1 MiB (1000000 fields or more)" in msg


def test_ignored_columns_are_cut_to_a_few_names(tmp_path):
    extra = [f"extra_{i}" for i in range(20)]
    p = write(tmp_path, ",".join([*E_HEADER.split(","), *extra, DOB]) + "\n")
    raw = tmp_path / "raw"
    (raw / "expenditures").mkdir(parents=True)
    (raw / "expenditures" / "e.csv").write_bytes(p.read_bytes())
    (f,) = ingest_kind("expenditures", raw, tmp_path / "lake", PS).files
    assert f.message == (
        "21 unknown column(s) ignored, not loaded: extra_0, extra_1, extra_2, extra_3, extra_4 "
        "(+15 more); 1 name(s) not shown (not plain column names)"
    )


# --- items 6, 7: hostile shapes, unclosed quotes ---------------------------------------------------------


def test_unclosed_quote_is_reported_and_the_rows_after_it_are_read(tmp_path):
    rows = [f"AB.{i:04d},2009,{i},2010-01-01" for i in range(1, 51)]
    text = f'{E_HEADER}\nAB.9999,"2009,5,2010-01-01\n' + "\n".join(rows) + "\n"
    p = write(tmp_path, text)
    valid, rejects, stats = validate_file(p, EXPENDITURES, PS, "k")
    assert valid.height == 50
    assert valid["row_number"].to_list() == list(range(3, 53))
    assert rejects.select("row_number", "column_name", "check_name", "value").rows() == [
        (2, None, "unclosed_quote", None)
    ]
    assert stats["notes"] == [
        "unclosed quote starting at record 2: that record is rejected and reading resumed at the next line"
    ]


def test_a_legitimate_quoted_line_break_is_still_one_record(tmp_path):
    p = write(tmp_path, f'{P_HEADER}\nAB.0001,"two\nlines",FRA,emergency,9,9,2007-03-01,,1,2010-01-01\n')
    valid, rejects, _ = validate_file(p, PROJECTS, PS, "k")
    assert valid["title"].to_list() == ["two\nlines"] and rejects.height == 0


def test_a_file_all_of_whose_rows_were_rejected_says_so(tmp_path):
    raw = tmp_path / "raw"
    (raw / "expenditures").mkdir(parents=True)
    (raw / "expenditures" / "e.csv").write_text(
        f"{E_HEADER}\nAB.0001,31/12/2009,5,2010-01-01\nAB.0002,x,5,2010-01-01\n"
    )
    (raw / "expenditures" / "d.csv").write_text(f"{E_HEADER}\nAB.0001,2009,5,2010-01-01\n")
    files = {f.file_name: f for f in ingest_kind("expenditures", raw, tmp_path / "lake", PS).files}
    assert files["e.csv"].message == (
        "all 2 rows rejected: nothing from this file counts (most frequent: integer_format 2; see audit.rejected_rows)"
    )
    assert files["d.csv"].message is None


def test_day_first_dates_name_the_expected_format(tmp_path):
    p = write(
        tmp_path,
        f"{P_HEADER}\nAB.0001,T,FRA,emergency,9,9,31/12/2007,,1,2010-01-01\n"
        "AB.0002,T,FRA,emergency,9,9,2007-01-01,,1,2010-01-01\n",
    )
    _, _, stats = validate_file(p, PROJECTS, PS, "k")
    assert stats["notes"] == ["1 date(s) written like 31/12/2009: the contract expects YYYY-MM-DD (2009-12-31)"]


HOSTILE_SCRIPT = r"""
import json, resource, sys
from pathlib import Path
import polars as pl
from pipelines.ingest import Pseudonymiser, ingest_kind
raw, lake = Path(sys.argv[1]), Path(sys.argv[2])
summary = ingest_kind("expenditures", raw, lake, Pseudonymiser("k"))
out = {}
for f in summary.files:
    valid = pl.read_parquet(lake / "expenditures" / "valid" / f"{f.cache_key}.parquet")
    rejects = pl.read_parquet(lake / "expenditures" / "rejects" / f"{f.cache_key}.parquet")
    out[f.file_name] = {"status": f.status, "message": f.message, "valid": valid["row_number"].to_list(),
                        "rejects": rejects.select("row_number", "check_name").rows(),
                        "max_value": max((len(v) for v in rejects["value"].drop_nulls().to_list()), default=0)}
out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps(out))
"""


def test_hostile_shapes_complete_with_bounded_memory(tmp_path):
    """All hostile files at once, in one ingest (validated two at a time, as a refresh does): 10 million
    blank lines, a 200 MB field, a 900 kB bad value and a quote left open before a million lines. Peak
    RSS of the process is printed, and bounded by 2 GiB (the documented budget of a refresh)."""
    raw = tmp_path / "raw"
    d = raw / "expenditures"
    d.mkdir(parents=True)
    ok = "AB.0001,2009,5,2010-01-01\n"
    with open(d / "blank.csv", "w") as f:
        f.write(E_HEADER + "\n" + "\n" * 10_000_000 + ok)
    with open(d / "field.csv", "w") as f:
        f.write(E_HEADER + "\n" + ok + "AB.0002,2009,5," + "9" * 200_000_000 + "\n" + ok)
    with open(d / "value.csv", "w") as f:  # a bad value of 900 kB: under the record cap, recorded cut
        f.write(E_HEADER + "\n" + "AB.0002,2009," + "y" * 900_000 + ",2010-01-01\n" + ok)
    with open(d / "quote.csv", "w") as f:
        f.write(E_HEADER + '\nAB.0003,"2009,5,2010-01-01\n' + ok * 1_000_000)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.run(
        [sys.executable, "-c", HOSTILE_SCRIPT, str(raw), str(tmp_path / "lake")],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"peak RSS of the hostile-file ingest: {out['peak_rss_mib']} MiB")
    assert out["blank.csv"] == {
        "status": "loaded",
        "message": None,
        "valid": [10_000_002],
        "rejects": [],
        "max_value": 0,
    }
    assert out["field.csv"]["valid"] == [2, 4] and out["field.csv"]["rejects"] == [[3, "record_too_long"]]
    assert out["field.csv"]["message"] == (
        "1 record(s) longer than 1 MiB rejected (first: record 3); a field this long is not an extract value"
    )
    assert out["value.csv"]["valid"] == [3] and out["value.csv"]["rejects"] == [[2, "decimal_format"]]
    assert out["value.csv"]["max_value"] == len("y" * 200 + " … [cut: 900000 characters]")
    assert out["quote.csv"]["rejects"] == [[2, "unclosed_quote"]]
    assert out["quote.csv"]["valid"] == list(range(3, 1_000_003))
    assert out["quote.csv"]["message"].startswith("unclosed quote starting at record 2")
    assert out["peak_rss_mib"] < 2048


# --- through Dagster: a missing drop zone fails the refresh before the build; key warnings -------------


@pytest.fixture
def review_env(tmp_path):
    """REVIEW_* settings pointed at tmp_path for the duration of a test (restored afterwards)."""
    saved = dict(os.environ)
    env = {
        "REVIEW_RAW_DIR": str(tmp_path / "raw"),
        "REVIEW_WAREHOUSE": str(tmp_path / "wh" / "review.duckdb"),
        "REVIEW_LAKE_DIR": str(tmp_path / "lake"),
        "REVIEW_PSEUDONYM_KEY": "key-one",
    }
    os.environ.update(env)
    try:
        yield {k: Path(v) if k != "REVIEW_PSEUDONYM_KEY" else v for k, v in env.items()}
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _step_failures(result) -> dict[str, str]:
    return {e.step_key: e.event_specific_data.error.message for e in result.all_events if e.is_step_failure}


def test_a_refresh_with_a_missing_drop_zone_fails_before_the_build_and_publishes_nothing(review_env):
    import dagster as dg

    from pipelines.definitions import defs

    wh = review_env["REVIEW_WAREHOUSE"]
    wh.parent.mkdir(parents=True)
    wh.write_bytes(b"the published warehouse")
    result = defs.resolve_job_def("refresh").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    assert not result.success
    failures = _step_failures(result)
    assert set(failures) == {"ingest_projects", "ingest_expenditures", "ingest_beneficiaries"}
    raw = review_env["REVIEW_RAW_DIR"]
    for msg in failures.values():
        assert f"The drop zone {raw} does not exist (REVIEW_RAW_DIR)" in msg
    succeeded = {e.step_key for e in result.all_events if e.is_step_success}
    assert succeeded == set()  # dbt and publish never ran
    assert wh.read_bytes() == b"the published warehouse"


def _warnings(instance, run_id) -> list[str]:
    import logging

    return [e.user_message for e in instance.all_logs(run_id) if e.level == logging.WARNING]


def test_a_changed_pseudonym_key_is_detected_warned_and_the_old_results_removed(review_env, tmp_path):
    import dagster as dg

    from pipelines.definitions import run_resources
    from pipelines.defs.ingest import ingest_assets
    from pipelines.operations import read_events
    from pipelines.settings import Settings

    raw, lake = review_env["REVIEW_RAW_DIR"], review_env["REVIEW_LAKE_DIR"]
    for k in ("projects", "expenditures", "beneficiaries"):
        (raw / k).mkdir(parents=True)
    (raw / "beneficiaries" / "b.csv").write_text(f"{B_HEADER}\n{b_line()}\n")
    instance = dg.DagsterInstance.ephemeral()

    def run():
        res = dg.materialize(ingest_assets, resources=run_resources(), instance=instance)
        assert res.success
        run.result = res
        return _warnings(instance, res.run_id), res.run_id

    (raw / "beneficiary").mkdir()  # a typo folder: a warning on the console and a WARN asset check
    first, _ = run()
    assert not [w for w in first if "pseudonym key" in w]
    assert [w for w in first if "beneficiary/" in w and "did you mean beneficiaries?" in w]
    checks = {
        (c.asset_key.path[-1], c.check_name): (c.passed, c.severity) for c in run.result.get_asset_check_evaluations()
    }
    assert checks[("beneficiaries", "drop_zone_all_read")] == (False, dg.AssetCheckSeverity.WARN)
    assert checks[("projects", "drop_zone_all_read")][0] is True
    os.environ["REVIEW_PSEUDONYM_KEY"] = "key-two"
    second, run_id = run()
    changed = [w for w in second if "changed since the last refresh" in w]
    assert len(changed) == 3  # one per kind
    valid = sorted(p.name for p in (lake / "beneficiaries" / "valid").iterdir())
    placeholder = f"empty-v{INGEST_VERSION}.parquet"  # the lake's typed placeholder of this ingest version
    assert len(valid) == 2 and placeholder in valid  # the new key's file only
    assert Pseudonymiser("key-two").fingerprint in [v for v in valid if v != placeholder][0]
    context = sorted(p.name for p in (lake / "beneficiaries" / "reject_context").iterdir())
    assert context == sorted(
        ["empty.parquet", *[v for v in valid if v != placeholder]]
    )  # old key's context removed too
    stored = (lake / "beneficiaries" / "key_fingerprint.json").read_text()
    assert "key-two" not in stored and Pseudonymiser("key-two").fingerprint in stored
    events = [e for e in read_events(Settings.from_env()) if e["run_id"] == run_id and e["event"] == "warning"]
    assert {e["stage"] for e in events} == {"ingest"}
    assert len([e for e in events if "changed since the last refresh" in e["message"]]) == 3
    third, _ = run()
    assert not [w for w in third if "pseudonym key" in w]
    # The unset key: warned in Dagster's event log and the refresh log, by the beneficiaries ingest.
    del os.environ["REVIEW_PSEUDONYM_KEY"]
    fourth, run_id = run()
    unset = [w for w in fourth if "REVIEW_PSEUDONYM_KEY is not set" in w]
    assert len(unset) == 1
    events = [e for e in read_events(Settings.from_env()) if e["run_id"] == run_id and e["event"] == "warning"]
    assert any("REVIEW_PSEUDONYM_KEY is not set" in e["message"] for e in events)


def test_the_repositorys_gitkeep_placeholder_is_not_reported(tmp_path):
    raw = tmp_path / "raw"
    for k in ("projects", "expenditures", "beneficiaries"):
        (raw / k).mkdir(parents=True)
        (raw / k / ".gitkeep").write_bytes(b"")
    (raw / "projects" / ".notes").write_text("x")
    names = {
        k: [f.file_name for f in ingest_kind(k, raw, tmp_path / "lake", PS).not_read]
        for k in ("projects", "expenditures", "beneficiaries")
    }
    assert names == {"projects": [".notes"], "expenditures": [], "beneficiaries": []}


def test_results_of_another_key_or_an_older_ingest_version_are_removed_from_the_lake(tmp_path):
    raw, lake = tmp_path / "raw", tmp_path / "lake"
    for k in ("projects", "expenditures", "beneficiaries"):
        (raw / k).mkdir(parents=True)
    (raw / "expenditures" / "e.csv").write_text(f"{E_HEADER}\nAB.0001,2009,5,2010-01-01\n")
    (lake / "expenditures" / "valid").mkdir(parents=True)
    stale_version = lake / "expenditures" / "valid" / f"{'a' * 40}-{PS.fingerprint}-v1.parquet"
    other_key = lake / "expenditures" / "valid" / f"{'b' * 40}-000000000000-v1.parquet"
    stale_version.write_bytes(b"x")
    other_key.write_bytes(b"x")
    summary = ingest_kind("expenditures", raw, lake, PS)
    assert not stale_version.exists() and not other_key.exists()
    assert summary.warnings == [
        "the pseudonym key (REVIEW_PSEUDONYM_KEY) changed since the last refresh (key fingerprint unknown -> "
        f"{PS.fingerprint}): 1 expenditures file(s) validated under the old key were removed from the lake and "
        "every expenditures delivery is validated again under the new key"
    ]
    assert ingest_kind("expenditures", raw, lake, PS).warnings == []


def test_a_delivery_swapped_for_a_fifo_after_listing_is_not_read_and_never_blocks(tmp_path):
    from pipelines.ingest import NotRegular, sha256_of

    fifo = tmp_path / "late.csv"
    os.mkfifo(fifo)
    done = threading.Event()
    err: list = []

    def run():
        try:
            sha256_of(fifo)
        except NotRegular as e:
            err.append(str(e))
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(30), "opening the FIFO blocked"
    assert err == ["not a regular file any more (it changed after the folder was listed): not read"]
