"""The demo-data generator: deterministic, contract-shaped files, planted bad input really bad, quick.

The 31 published figures at scale 1 are not tested here (too slow for CI): `tests/demo_fidelity_check.py`
does that, and the main pipeline checks them again end to end.
"""

from __future__ import annotations

import csv
import hashlib
import re
import time
from datetime import date
from pathlib import Path

import pytest

import pipelines.demo_data as dd  # the package; `pipelines` imports Dagster only on first use of `defs`

REPO = Path(__file__).resolve().parents[1]
ISO_SEED = REPO / "dbt_project" / "seeds" / "iso3166_alpha3.csv"


SCALE = 0.01


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_a")
    t0 = time.perf_counter()
    report = dd.generate(out, scale=SCALE)
    return out, report, time.perf_counter() - t0


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    return [h.strip() for h in rows[0]], rows[1:]


# --- (1) determinism ---------------------------------------------------------------------------------


def test_same_seed_and_scale_give_byte_identical_files(small, tmp_path):
    out_a, report_a, _ = small
    report_b = dd.generate(tmp_path / "b", scale=SCALE)
    a, b = _digests(out_a), _digests(tmp_path / "b")
    assert a and a == b
    assert report_a.bad_rows == report_b.bad_rows
    assert report_a.held_rows == report_b.held_rows
    assert report_a.row_counts == report_b.row_counts


def test_another_seed_gives_other_data(small, tmp_path):
    out_a, _, _ = small
    dd.generate(tmp_path / "c", scale=SCALE, seed=7)
    a, c = _digests(out_a), _digests(tmp_path / "c")
    assert a.keys() == c.keys()
    assert a["beneficiaries/beneficiaries_2009.csv"] != c["beneficiaries/beneficiaries_2009.csv"]


# --- (2) basic contract ------------------------------------------------------------------------------


def test_files_follow_the_contract(small):
    out, report, _ = small
    bad_files = set(report.bad_files)
    assert {k for k, _ in bad_files} == {"projects", "expenditures", "beneficiaries"}
    total = {k: 0 for k in dd.KINDS}
    for kind in dd.KINDS:
        files = sorted(p for p in (out / kind).iterdir())
        assert files, kind
        assert sorted(p.name for p in files) == report.files[kind]
        for p in files:
            assert p.suffix == ".csv", p
            if (kind, p.name) in bad_files:
                continue
            header, rows = _read(p)  # UTF-8 (a BOM allowed)
            assert set(dd.COLUMNS[kind]) <= set(header), (p.name, header)
            assert set(header) - set(dd.COLUMNS[kind]) <= {"notes"}, (p.name, header)
            total[kind] += len(rows)
            ts_i = header.index("extracted_at")
            for r in rows[:50]:
                if len(r) == len(header) and r[ts_i]:
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", r[ts_i]) or not r[ts_i][:4].isdigit()
        for k, name in bad_files:
            if k == kind:
                total[kind] += sum(1 for _ in open(out / kind / name, encoding="latin-1")) - 1
    assert total == report.row_counts
    # the header-only file and the file with an extra column are there
    assert _read(out / "expenditures" / "expenditures_2010_adjustments.csv")[1] == []
    assert "notes" in _read(out / "projects" / "projects_supplement_2010-06-02.csv")[0]


def test_bad_files_are_bad(small):
    out, report, _ = small
    for kind, name in report.bad_files:
        data = (out / kind / name).read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue  # not UTF-8: a bad file
        header = [h.strip() for h in next(csv.reader([text.splitlines()[0]]))]
        required = {
            c
            for c in dd.COLUMNS[kind]
            if c
            not in (
                "end_date",
                "full_name",
                "document_no",
                "date_of_birth",
                "destination_country",
                "case_category",
                "project_code",
            )
        }
        assert required - set(header), f"{name} has every required column"


def test_iso_codes_are_real():
    assert len(set(dd.ISO3)) == len(dd.ISO3) >= 200
    if ISO_SEED.exists():
        with open(ISO_SEED, newline="", encoding="utf-8") as f:
            seed = {r["iso3"] for r in csv.DictReader(f)}
        assert set(dd.ISO3) <= seed, sorted(set(dd.ISO3) - seed)


# --- (3) planted bad rows are bad, in exactly the stated way; every other row is good ----------------

CODE = re.compile(r"^[A-Z]{2}\.\d{4}$")
TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
INTEGER = re.compile(r"^[+-]?\d+$")
REQUIRED = {
    "projects": (
        "project_code",
        "title",
        "country_iso3",
        "activity_type",
        "strategy_points",
        "primary_point",
        "start_date",
        "budget_usd",
        "extracted_at",
    ),
    "expenditures": ("project_code", "year", "expenditure_usd", "extracted_at"),
    "beneficiaries": (
        "service_id",
        "beneficiary_id",
        "sex",
        "service_type",
        "service_date",
        "country_of_service",
        "extracted_at",
    ),
}


def _iso() -> set[str]:
    if ISO_SEED.exists():
        with open(ISO_SEED, newline="", encoding="utf-8") as f:
            return {r["iso3"] for r in csv.DictReader(f)}
    return set(dd.ISO3)


ISO = _iso()


def _date(s):
    if s is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        return None
    try:
        return date.fromisoformat(s)
    except ValueError:
        return None


def failures(kind: str, header: list[str], row: list[str]) -> list[str]:
    """Checks a row fails (the contract's vocabulary); a rule passes on a missing or unjudgeable value."""
    if len(row) != len(header):
        return ["field_count"]
    v = {h: (x if x.strip() != "" else None) for h, x in zip(header, row)}
    out = ["required" for c in REQUIRED[kind] if v.get(c) is None]
    ts = v["extracted_at"]
    if ts is not None and not TS.match(ts):
        out.append("timestamp_format")
    ext = _date(ts[:10]) if ts and TS.match(ts) else None
    code = v.get("project_code")
    if code is not None and not CODE.match(code):
        out.append("project_code_format")
    if kind == "projects":
        if v["country_iso3"] and v["country_iso3"] not in ISO | {"GLB"}:
            out.append("iso3166_alpha3")
        if v["activity_type"] and v["activity_type"] not in dd.ACTIVITY_TYPES:
            out.append("accepted_values")
        pts_s, prim = v["strategy_points"], v["primary_point"]
        pts_ok = None
        if pts_s is not None:
            items = pts_s.split(";")
            pts_ok = all(x.isdigit() and 1 <= int(x) <= 12 for x in items) and len(set(items)) == len(items)
            if not pts_ok:
                out.append("strategy_points_format")
        if prim is not None and not INTEGER.match(prim):
            out.append("integer_format")
        elif prim is not None and pts_ok and not (1 <= int(prim) <= 12 and str(int(prim)) in pts_s.split(";")):
            out.append("primary_point_in_strategy_points")
        start, end = _date(v["start_date"]), _date(v["end_date"])
        for c, d in (("start_date", start), ("end_date", end)):
            if v[c] is not None and d is None:
                out.append("date_format")
        if start and ext and start > ext:
            out.append("not_after_extracted_at")
        if start and end and end < start:
            out.append("end_not_before_start")
        b = v["budget_usd"]
        if b is not None and not DECIMAL.match(b):
            out.append("decimal_format")
        elif b is not None and float(b) < 0:
            out.append("non_negative")
    elif kind == "expenditures":
        y = v["year"]
        if y is not None and not INTEGER.match(y):
            out.append("integer_format")
        elif y is not None and not 1990 <= int(y) <= 2100:
            out.append("year_range")
        if v["expenditure_usd"] is not None and not DECIMAL.match(v["expenditure_usd"]):
            out.append("decimal_format")
    else:
        for c, ok in (("sex", dd.SEXES), ("service_type", dd.SERVICE_TYPES), ("case_category", dd.CASE_CATEGORIES)):
            if v[c] is not None and v[c] not in ok:
                out.append("accepted_values")
        sd, dob = _date(v["service_date"]), _date(v["date_of_birth"])
        for c, d in (("service_date", sd), ("date_of_birth", dob)):
            if v[c] is not None and d is None:
                out.append("date_format")
        if sd and ext and not date(1990, 1, 1) <= sd <= ext:
            out.append("service_date_range")
        if sd and dob and dob > sd:
            out.append("not_after_service_date")
        for c in ("country_of_service", "destination_country"):
            if v[c] is not None and v[c] not in ISO:
                out.append("iso3166_alpha3")
        needs = ("resettlement_movement", "avrr_return", "labour_deployment")
        if v["destination_country"] is None and v["service_type"] in needs:
            out.append("required_for_service_type")
    return out


def test_planted_bad_rows_fail_exactly_the_stated_check_and_others_pass(small):
    out, report, _ = small
    planted = {(k, f, n): c for k, f, n, c in report.bad_rows}
    assert len(planted) == len(report.bad_rows)
    bad_files = set(report.bad_files)
    found = {}
    for kind in dd.KINDS:
        for p in sorted((out / kind).glob("*.csv")):
            if (kind, p.name) in bad_files:
                continue
            header, rows = _read(p)
            for i, r in enumerate(rows):
                f = failures(kind, header, r)
                if f:
                    found[(kind, p.name, i + 2)] = f
    assert {k: [c] for k, c in planted.items()} == found
    # every check of the vocabulary is planted at least once
    assert {c for c in planted.values()} == {
        "field_count",
        "required",
        "project_code_format",
        "iso3166_alpha3",
        "accepted_values",
        "strategy_points_format",
        "primary_point_in_strategy_points",
        "date_format",
        "timestamp_format",
        "not_after_extracted_at",
        "end_not_before_start",
        "decimal_format",
        "non_negative",
        "integer_format",
        "year_range",
        "service_date_range",
        "required_for_service_type",
        "not_after_service_date",
    }
    share = len(report.bad_rows) / sum(report.row_counts.values())
    assert share < 0.01


def test_a_few_bad_rows_directly_from_the_csv_text(small):
    out, report, _ = small
    seen = set()
    for kind, name, n, check in report.bad_rows:
        if (kind, check) in seen:
            continue
        seen.add((kind, check))
        header, rows = _read(out / kind / name)
        row = rows[n - 2]
        v = dict(zip(header, row))
        if check == "field_count":
            assert len(row) != len(header)
        elif check == "required":
            assert any(v[c] == "" for c in REQUIRED[kind])
        elif check == "year_range":
            assert not 1990 <= int(v["year"]) <= 2100
        elif check == "non_negative":
            assert float(v["budget_usd"]) < 0
        elif check == "required_for_service_type":
            assert v["destination_country"] == "" and v["service_type"] in (
                "resettlement_movement",
                "avrr_return",
                "labour_deployment",
            )
        elif check == "not_after_service_date":
            assert v["date_of_birth"] > v["service_date"]
        elif check == "end_not_before_start":
            assert v["end_date"] < v["start_date"]
        elif check == "not_after_extracted_at":
            assert v["start_date"] > v["extracted_at"][:10]
    assert len(seen) >= 25


def test_held_rows_point_at_unknown_projects(small):
    out, report, _ = small
    assert report.held_rows
    codes = set()
    for p in (out / "projects").glob("*.csv"):
        if ("projects", p.name) not in set(report.bad_files):
            header, rows = _read(p)
            i = header.index("project_code")
            codes |= {r[i] for r in rows if len(r) > i}
    for kind, name, n in report.held_rows:
        header, rows = _read(out / kind / name)
        row = dict(zip(header, rows[n - 2]))
        assert CODE.match(row["project_code"]) and row["project_code"] not in codes
        assert failures(kind, header, rows[n - 2]) == []


def test_personal_data_is_obviously_synthetic(small):
    out, _, _ = small
    header, rows = _read(out / "beneficiaries" / "beneficiaries_2009.csv")
    doc, name = header.index("document_no"), header.index("full_name")
    docs = [r[doc] for r in rows if len(r) == len(header) and r[doc]]
    assert docs and all(re.fullmatch(r"ZZ\d{7}", d) for d in docs[:500])
    names = [r[name] for r in rows if len(r) == len(header) and r[name]]
    syl = "|".join(sorted(dd.SYLLABLES, key=len, reverse=True))
    assert all(re.fullmatch(rf"(?i)(({syl})+) (({syl})+)", n) for n in names[:500])


# --- (4) quick -------------------------------------------------------------------------------------


def test_small_scale_is_quick(small):
    _, report, elapsed = small
    assert elapsed < 10, elapsed
    assert 10_000 < report.row_counts["beneficiaries"] < 30_000
