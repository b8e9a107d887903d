"""Ingest and validation of single delivery files (extracts.md), without dbt.

Every expected value below is read off the fixture text by hand: row numbers count the header as row 1.
"""

import hashlib
import hmac
from pathlib import Path

import polars as pl
import pytest

from pipelines.ingest import FileRejected, Pseudonymiser, ingest_kind, read_records, validate_file
from schemas import BENEFICIARIES, EXPENDITURES, PROJECTS

KEY = "test-key"
PS = Pseudonymiser(KEY)

P_HEADER = "project_code,title,country_iso3,activity_type,strategy_points,primary_point,start_date,end_date,budget_usd,extracted_at"
B_HEADER = (
    "service_id,beneficiary_id,full_name,document_no,date_of_birth,sex,service_type,service_date,"
    "country_of_service,destination_country,case_category,project_code,extracted_at"
)
E_HEADER = "project_code,year,expenditure_usd,extracted_at"


def write(tmp_path: Path, text: str | bytes, name: str = "f.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return p


def rejects_of(path: Path, contract) -> set[tuple]:
    _, rejects, _ = validate_file(path, contract, PS, "k")
    return {(r["row_number"], r["column_name"], r["check_name"], r["value"]) for r in rejects.to_dicts()}


# --- projects -------------------------------------------------------------------------------------------

GOOD_P = "AB.0001,Title,FRA,emergency,3;9,9,2007-03-01,,1000,2010-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("ab.0001,T,FRA,emergency,9,9,2007-03-01,,1,2010-01-01", ("project_code", "project_code_format", "ab.0001")),
        ("AB.0001,,FRA,emergency,9,9,2007-03-01,,1,2010-01-01", ("title", "required", None)),
        ("AB.0001,  ,FRA,emergency,9,9,2007-03-01,,1,2010-01-01", ("title", "required", None)),
        ("AB.0001,T,XXX,emergency,9,9,2007-03-01,,1,2010-01-01", ("country_iso3", "iso3166_alpha3", "XXX")),
        ("AB.0001,T,FRA,party,9,9,2007-03-01,,1,2010-01-01", ("activity_type", "accepted_values", "party")),
        (
            "AB.0001,T,FRA,emergency,9;9,9,2007-03-01,,1,2010-01-01",
            ("strategy_points", "strategy_points_format", "9;9"),
        ),
        (
            "AB.0001,T,FRA,emergency,0;9,9,2007-03-01,,1,2010-01-01",
            ("strategy_points", "strategy_points_format", "0;9"),
        ),
        ("AB.0001,T,FRA,emergency,13,9,2007-03-01,,1,2010-01-01", ("strategy_points", "strategy_points_format", "13")),
        (
            "AB.0001,T,FRA,emergency,3;9,4,2007-03-01,,1,2010-01-01",
            ("primary_point", "primary_point_in_strategy_points", "4"),
        ),
        ("AB.0001,T,FRA,emergency,3;9,x,2007-03-01,,1,2010-01-01", ("primary_point", "integer_format", "x")),
        ("AB.0001,T,FRA,emergency,9,9,2007-02-30,,1,2010-01-01", ("start_date", "date_format", "2007-02-30")),
        ("AB.0001,T,FRA,emergency,9,9,07/03/2007,,1,2010-01-01", ("start_date", "date_format", "07/03/2007")),
        (
            "AB.0001,T,FRA,emergency,9,9,2010-01-02,,1,2010-01-01T23:00:00Z",
            ("start_date", "not_after_extracted_at", "2010-01-02"),
        ),
        (
            "AB.0001,T,FRA,emergency,9,9,2007-03-01,2007-02-28,1,2010-01-01",
            ("end_date", "end_not_before_start", "2007-02-28"),
        ),
        ("AB.0001,T,FRA,emergency,9,9,2007-03-01,,-0.01,2010-01-01", ("budget_usd", "non_negative", "-0.01")),
        ("AB.0001,T,FRA,emergency,9,9,2007-03-01,,1e,2010-01-01", ("budget_usd", "decimal_format", "1e")),
        ("AB.0001,T,FRA,emergency,9,9,2007-03-01,,1,yesterday", ("extracted_at", "timestamp_format", "yesterday")),
    ],
)
def test_each_project_rule_rejects_its_row_with_one_reason(tmp_path, row, expected):
    p = write(tmp_path, f"{P_HEADER}\n{GOOD_P}\n{row}\n")
    assert rejects_of(p, PROJECTS) == {(3, *expected)}


def test_valid_project_edge_values_pass(tmp_path):
    rows = [
        "AB.0001,T,GLB,other,12; 1,1,2010-01-01,2010-01-01,0,2010-01-01T08:00:00+05:30",  # same-day end, GLB, budget 0
        "AB.0002,T,FRA,avrr,10,10,2009-12-31,,12.50,2010-01-01 00:00",
    ]
    p = write(tmp_path, P_HEADER + "\n" + "\n".join(rows) + "\n")
    valid, rejects, stats = validate_file(p, PROJECTS, PS, "k")
    assert rejects.height == 0
    assert stats["rows_valid"] == 2
    # strategy points are normalised (sorted, no blanks); timestamps become UTC.
    assert valid["strategy_points"].to_list() == ["1;12", "10"]
    assert str(valid["extracted_at"][0]) == "2010-01-01 02:30:00"


def test_a_row_failing_several_checks_has_one_entry_per_failure_and_counts_once(tmp_path):
    p = write(tmp_path, f"{P_HEADER}\nab.1,T,XXX,party,9,9,2007-03-01,,-5,2010-01-01\n")
    _, rejects, stats = validate_file(p, PROJECTS, PS, "k")
    assert sorted(rejects["check_name"].to_list()) == [
        "accepted_values",
        "iso3166_alpha3",
        "non_negative",
        "project_code_format",
    ]
    assert stats["rows_rejected"] == 1 and stats["rows_read"] == 1 and stats["rows_valid"] == 0


# --- reading: encoding, quoting, field counts, headers ---------------------------------------------------


def test_field_count_is_quote_aware_and_counts_both_directions(tmp_path):
    text = (
        f"{E_HEADER}\n"
        'AB.0001,2008,"1,000.5",2009-01-01\n'  # quoted comma: 4 fields, but "1,000.5" is not a decimal
        "AB.0001,2009,5\n"  # 3 fields
        "AB.0001,2010,5,2011-01-01,extra\n"  # 5 fields
        'AB.0002,2009,"7",2010-01-01\n'  # fine
    )
    p = write(tmp_path, text)
    assert rejects_of(p, EXPENDITURES) == {
        (2, "expenditure_usd", "decimal_format", "1,000.5"),
        (3, None, "field_count", "3 fields, header has 4"),
        (4, None, "field_count", "5 fields, header has 4"),
    }


def test_bom_crlf_padded_header_extra_columns_and_blank_lines(tmp_path):
    text = "\ufeff project_code , year,notes,expenditure_usd,extracted_at\r\nAB.0001,2009,secret,5,2010-01-01\r\n\r\nAB.0002,2009,,6,2010-01-01\r\n"
    p = write(tmp_path, text)
    valid, rejects, stats = validate_file(p, EXPENDITURES, PS, "k")
    assert rejects.height == 0
    assert stats["ignored_columns"] == ["notes"]
    assert "notes" not in valid.columns
    # The blank line (row 3) is not a record, but numbering keeps counting physical rows.
    assert valid["row_number"].to_list() == [2, 4]
    assert stats["rows_read"] == 2


def test_quoted_newline_falls_back_to_exact_reader_with_record_numbers(tmp_path):
    text = f'{P_HEADER}\nAB.0001,"two\nlines",FRA,emergency,9,9,2007-03-01,,1,2010-01-01\nab.2,T,FRA,emergency,9,9,2007-03-01,,1,2010-01-01\n'
    p = write(tmp_path, text)
    valid, rejects, _ = validate_file(p, PROJECTS, PS, "k")
    assert valid["title"].to_list() == ["two\nlines"]
    assert rejects.select("row_number", "check_name").rows() == [(3, "project_code_format")]


def test_header_only_file_is_valid_and_contributes_nothing(tmp_path):
    p = write(tmp_path, P_HEADER + "\n")
    valid, rejects, stats = validate_file(p, PROJECTS, PS, "k")
    assert (valid.height, rejects.height, stats["rows_read"]) == (0, 0, 0)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty file"),
        (b"project_code,year\nAB.0001,2009\n", "required column(s) missing: expenditure_usd, extracted_at"),
        (f"{E_HEADER}\nAB.0001,2009,5,2010-01-01\nAB.0002,2009,\xe9,2010-01-01\n".encode("latin-1"), "not UTF-8"),
        (b"project_code,year,year,expenditure_usd,extracted_at\n", "duplicate column names"),
        (b"\n\nproject_code\n", "no header row"),
    ],
)
def test_unreadable_files_are_rejected_with_an_actionable_message(tmp_path, content, fragment):
    p = write(tmp_path, content)
    with pytest.raises(FileRejected, match=None) as exc:
        validate_file(p, EXPENDITURES, PS, "k")
    assert fragment in str(exc.value)


def test_not_utf8_message_names_the_line(tmp_path):
    p = write(tmp_path, f"{E_HEADER}\nAB.0001,2009,5,2010-01-01\nAB.0002,2009,5,2010-01-01 caf\xe9\n".encode("latin-1"))
    with pytest.raises(FileRejected) as exc:
        read_records(p)
    assert "line 3" in str(exc.value) and "0xE9" in str(exc.value)


# --- beneficiaries: personal data, pseudonyms, age bands -------------------------------------------------


def b_row(
    sid="S1",
    bid="CASE-1",
    name="Ann Example",
    doc="X123",
    dob="1990-06-15",
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


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (b_row(sid=""), ("service_id", "required", None)),
        (b_row(bid=""), ("beneficiary_id", "required", None)),
        (b_row(dob="1990-13-01"), ("date_of_birth", "date_format", None)),  # personal: value never recorded
        (b_row(dob="2009-06-16"), ("date_of_birth", "not_after_service_date", None)),
        (b_row(sex="f"), ("sex", "accepted_values", "f")),
        (b_row(st="lunch"), ("service_type", "accepted_values", "lunch")),
        (b_row(dob="", sd="1989-12-31"), ("service_date", "service_date_range", "1989-12-31")),
        (b_row(sd="2010-01-02"), ("service_date", "service_date_range", "2010-01-02")),
        (b_row(sd="2009-6-15"), ("service_date", "date_format", "2009-6-15")),
        (b_row(cos="EUR"), ("country_of_service", "iso3166_alpha3", "EUR")),
        (b_row(st="avrr_return"), ("destination_country", "required_for_service_type", None)),
        (b_row(st="labour_deployment"), ("destination_country", "required_for_service_type", None)),
        (b_row(st="resettlement_movement"), ("destination_country", "required_for_service_type", None)),
        (b_row(dest="GLB"), ("destination_country", "iso3166_alpha3", "GLB")),  # GLB is for projects only
        (b_row(cat="refugee"), ("case_category", "accepted_values", "refugee")),
        (b_row(proj="AB-0001"), ("project_code", "project_code_format", "AB-0001")),
    ],
)
def test_each_beneficiary_rule_rejects_its_row(tmp_path, row, expected):
    p = write(tmp_path, f"{B_HEADER}\n{b_row()}\n{row}\n")
    assert rejects_of(p, BENEFICIARIES) == {(3, *expected)}


def test_personal_data_is_dropped_and_case_numbers_are_keyed_hashes(tmp_path):
    p = write(tmp_path, f"{B_HEADER}\n{b_row()}\n{b_row(sid='S2', sd='2009-07-01')}\n")
    valid, _, _ = validate_file(p, BENEFICIARIES, PS, "k")
    assert not {"full_name", "document_no", "date_of_birth", "beneficiary_id"} & set(valid.columns)
    expected = hmac.new(KEY.encode(), b"CASE-1", hashlib.sha256).hexdigest()
    assert valid["person_key"].to_list() == [expected, expected]
    text = valid.cast(pl.String).write_csv()
    for personal in ("CASE-1", "Ann Example", "X123", "1990-06-15"):
        assert personal not in text


def test_age_band_at_service_turns_on_the_birthday(tmp_path):
    rows = [
        b_row(sid="a", dob="1991-06-16", sd="2009-06-15"),  # 17 the day before the 18th birthday
        b_row(sid="b", dob="1991-06-15", sd="2009-06-15"),  # 18 on the birthday
        b_row(sid="c", dob="1949-06-16", sd="2009-06-15"),  # 59
        b_row(sid="d", dob="1949-06-15", sd="2009-06-15"),  # 60
        b_row(sid="e", dob=""),  # unknown
        b_row(sid="f", dob="2009-06-15", sd="2009-06-15"),  # born that day: 0
    ]
    p = write(tmp_path, B_HEADER + "\n" + "\n".join(rows) + "\n")
    valid, rejects, _ = validate_file(p, BENEFICIARIES, PS, "k")
    assert rejects.height == 0
    assert valid["age_band"].to_list() == ["0-17", "18-59", "18-59", "60+", "unknown", "0-17"]


def test_optional_columns_may_be_absent_from_the_file(tmp_path):
    header = "service_id,beneficiary_id,sex,service_type,service_date,country_of_service,extracted_at"
    p = write(tmp_path, f"{header}\nS1,C1,M,pre_consular,2009-01-01,FRA,2010-01-01\n")
    valid, rejects, _ = validate_file(p, BENEFICIARIES, PS, "k")
    assert rejects.height == 0 and valid["age_band"].to_list() == ["unknown"]


# --- the lake: caching by content, manifest ---------------------------------------------------------------


def test_unchanged_files_are_not_validated_again_and_a_new_key_rehashes(tmp_path):
    raw, lake = tmp_path / "raw", tmp_path / "lake"
    (raw / "expenditures").mkdir(parents=True)
    (raw / "expenditures" / "e1.csv").write_text(f"{E_HEADER}\nAB.0001,2009,5,2010-01-01\n")
    (raw / "expenditures" / "README.txt").write_text("notes")
    first = ingest_kind("expenditures", raw, lake, PS)
    second = ingest_kind("expenditures", raw, lake, PS)
    statuses = {f.file_name: (f.status, f.from_cache) for f in second.files}
    assert {f.file_name: f.status for f in first.files} == {"e1.csv": "loaded", "README.txt": "ignored"}
    assert statuses == {"e1.csv": ("loaded", True), "README.txt": ("ignored", False)}
    third = ingest_kind("expenditures", raw, lake, Pseudonymiser("another key"))
    assert [f.from_cache for f in third.files if f.status == "loaded"] == [False]
    manifest = pl.read_parquet(lake / "manifest" / "expenditures.parquet")
    assert sorted(manifest["status"].to_list()) == ["ignored", "loaded"]


def _lake_contents(lake: Path) -> dict[str, object]:
    """Every file of a lake by path: a Parquet file as its rows (the bytes may differ by compression
    details), anything else as its bytes."""
    return {
        str(f.relative_to(lake)): pl.read_parquet(f).rows() if f.suffix == ".parquet" else f.read_bytes()
        for f in sorted(lake.rglob("*"))
        if f.is_file()
    }


def test_worker_processes_write_the_same_lake_as_threads(tmp_path, monkeypatch):
    import pipelines.ingest as ingest

    raw = tmp_path / "raw" / "beneficiaries"
    raw.mkdir(parents=True)
    (raw / "b1.csv").write_text(f"{B_HEADER}\n{b_row()}\n{b_row(sid='S2', bid='CASE-2', sex='f')}\n")
    (raw / "b2.csv").write_text(f"{B_HEADER}\n{b_row(sid='S3', bid='CASE-3', dob='')}\n")
    (raw / "b2_copy.csv").write_text(f"{B_HEADER}\n{b_row(sid='S3', bid='CASE-3', dob='')}\n")  # same content
    (raw / "b3.csv").write_bytes(B_HEADER.encode() + b"\nS4,\xff\n")  # not UTF-8: a rejected file
    threads = ingest_kind("beneficiaries", tmp_path / "raw", tmp_path / "lake_threads", PS, workers=1)
    # Any delivery goes to worker processes; validate_file in this process fails if it is called, so the
    # run below passes only if the workers validated every file.
    monkeypatch.setattr(ingest, "PROCESS_POOL_MIN_BYTES", 0)

    def not_here(*args, **kwargs):
        raise AssertionError("validated in the refresh process, not in a worker")

    monkeypatch.setattr(ingest, "validate_file", not_here)
    processes = ingest_kind("beneficiaries", tmp_path / "raw", tmp_path / "lake_processes", PS, workers=2)
    assert [(f.file_name, f.status, f.rows_valid, f.rows_rejected) for f in processes.files] == [
        ("b1.csv", "loaded", 1, 1),
        ("b2.csv", "loaded", 1, 0),
        ("b2_copy.csv", "loaded", 1, 0),
        ("b3.csv", "rejected", 0, 0),
    ]
    assert [(f.file_name, f.status, f.rows_valid) for f in threads.files] == [
        (f.file_name, f.status, f.rows_valid) for f in processes.files
    ]
    assert _lake_contents(tmp_path / "lake_threads") == _lake_contents(tmp_path / "lake_processes")
    # the key reached the workers: the person keys are the HMAC of the case numbers with it
    keys = pl.read_parquet(tmp_path / "lake_processes" / "beneficiaries" / "valid" / "*.parquet")["person_key"]
    assert set(keys) == {hmac.new(KEY.encode(), c, hashlib.sha256).hexdigest() for c in (b"CASE-1", b"CASE-3")}


def test_the_pseudonymiser_crosses_to_a_worker_but_never_shows_its_key():
    import pickle

    again = pickle.loads(pickle.dumps(PS))
    assert again.digest("CASE-1") == hmac.new(KEY.encode(), b"CASE-1", hashlib.sha256).hexdigest()
    assert KEY not in repr(again) and KEY not in str(again)


def test_non_finite_decimal_is_rejected(tmp_path):
    p = write(tmp_path, f"{E_HEADER}\nAB.0001,2009,1e999,2010-01-01\nAB.0001,2008,-1e3,2010-01-01\n")
    # well-formed, but no DECIMAL(28, 6) holds it: decimal_precision (amounts are exact, never floats)
    assert rejects_of(p, EXPENDITURES) == {(2, "expenditure_usd", "decimal_precision", "1e999")}


def test_a_too_wide_first_record_is_a_bad_row_not_a_bad_file(tmp_path):
    p = write(tmp_path, f"{E_HEADER}\nAB.0001,2009,5,2010-01-01,extra\nAB.0002,2009,5,2010-01-01\n")
    valid, rejects, _ = validate_file(p, EXPENDITURES, PS, "k")
    assert rejects.select("row_number", "check_name", "value").rows() == [(2, "field_count", "5 fields, header has 4")]
    assert valid["project_code"].to_list() == ["AB.0002"]
