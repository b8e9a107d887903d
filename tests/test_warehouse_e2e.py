"""End to end: one hand-built set of extracts -> a real Dagster refresh -> the published DuckDB warehouse.

Every expected value below is worked out by hand from the fixture (comments show the reasoning) and
written as a literal; nothing is computed by the code under test. Source of truth: extracts.md and
indicators.md in /work/shared/spec.

The fixture in words (the winning version of each record; "->" marks corrections and ties)
------------------------------------------------------------------------------------------
Projects (code, points, activity, start .. end, budget):
  AA.0001  1      migrant_training  2006-03-01 .. 2008-06-30  1000   (active 2006, 2007, 2008; not 2009)
  AA.0002  3;9    emergency         2007-05-01 .. open        2000   (delivered as "9;3"; multi-point)
  AA.0003  10     avrr              2008-01-01 .. 2009-12-31   500
  AA.0004  11     ct_prevention     2009-02-01 .. open         300
  AA.0005  9      post_crisis       2007-11-01 -> 2008-02-01 .. 2010-12-31   400  (correction moves the start year)
  AA.0006  11;12  ct_capacity       2007-01-01 .. 2007-12-31   100 -> 250  (same extracted_at: file p_tie_b sorts last)
  AA.0007  1;7    dialogue          2010-03-01 .. open         600 -> 700  (same file, same extracted_at: later row)
  AA.0008  2      other             2009-06-01 .. open          20  (v 10 at 01:00+03:00 = 22:00Z is EARLIER than
                                                                     v 20 at 23:00Z, although its text sorts later and
                                                                     its file p_tz.csv sorts after P_UPPER.CSV)
  AA.0009  2;5    research_data     2009-01-01 .. 2009-12-31   900  (title spans two lines, quoted)
  AA.0099  only in a rejected row; AA.0010 rejected; AA.0011 only in a rejected file.
Expenditures counted (project, year: usd):
  AA.0001 2006: 100, 2007: 200, 2008: 300 -> 350;  AA.0002 2007: 1000, 2008: 1500.50, 2011: 50;
  AA.0003 2008: 400, 2009: -50 (adjustment);  AA.0005 2008: 80.
  Held (unknown_project, not counted): AA.0099 2007: 999, ZZ.0001 2004: 111 and 115, ZZ.0001 2012: 222,
  AA.0011 2009: 77.
Services (id person sex type date country [dest] [case] [project]); persons A..N (dob in brackets):
  A (1980-02-10): S01 F migrant_training 2007-03-10 KEN resettlement AA.0001 | S02 F migrant_training 2008-04-01
     KEN resettlement AA.0001 | S03 F migrant_training 2008-09-15 UGA other | S14 F health_assessment 2005-11-11 KEN |
     S32 F labour_deployment 2010-01-10 KEN->QAT labour | S33 F migrant_training 2010-01-05 KEN (no case_category)
     | S34 F migrant_training 2010-01-20 KEN resettlement (an earlier empty record, a later one with a value)
  B (1990-01-15): S04 U migrant_training 2007-06-01 KEN labour AA.0001 | S06 M migrant_training 2008-02-01 KEN
     resettlement | S06B M migrant_training 2008-11-01 KEN (no case_category: B's latest 2008 record, so in 2008
     B is a participant and NOT a resettlement case) | S07 M migrant_training 2009-01-20 MEX labour
  C (no dob): S05 F migrant_training 2007-08-01 UGA humanitarian | S60 F resettlement_movement 2009-05-05 KEN->USA
  D (1948-05-05): S10 M health_assessment 2008-05-04 TZA (age 59) | S11 M health_assessment 2008-05-05 TZA (age 60)
  E (2000-07-07): S12 F health_assessment 2008-07-01 KEN | S13 F health_assessment 2009-03-03 KEN
  F (1970-03-03): S20 M avrr_return 2008-10-10 DEU->AFG AA.0003 | S21 M avrr_return 2009-02-02 DEU->IRQ AA.0003
  G (1945-01-01): S22 F avrr_return 2009-06-06 NLD->AFG AA.0003
  H (1985-08-08): S30 M labour_deployment 2009-04-04 PHL->CAN | S31 M labour_deployment 2009-08-08 PHL->QAT
  J (1975-12-31): S40, S41 F official_training 2007-02-02, 2007-09-09 KEN AA.0002
  K (1982-06-30): S50 M dialogue_participation 2008-12-20 -> 2009-01-05 CHE (correction moves the year)
  L (1999-11-11): S51 F pre_consular 2007-07-07 -> 2008-08-08 PHL (same extracted_at: b_tie_b.csv sorts last)
  N (1992-04-04): S70 F trafficking_assistance 2006-06-06 THA | S71 same 2007-01-01 THA project ZZ.0005 (unknown)
  P (1988-10-10): S08 F migrant_training 2009-07-07 KEN resettlement | S09 M migrant_training 2009-07-07 KEN other
     (same day: the latest record is the greatest service_id, S09 -> M, other)
Spine: 2005 (S14, the earliest valid service) .. 2011 (AA.0002's counted 2011 expenditure). Not 2003 (a rejected
service), 2004 / 2012 (held expenditure only).
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest
from conftest import (
    BENEFICIARY_COLUMNS,
    EXPENDITURE_COLUMNS,
    PROJECT_COLUMNS,
    query,
    write_extract,
    write_raw_bytes,
)

pytestmark = pytest.mark.slow

YEARS = list(range(2005, 2012))  # the spine, 2005..2011
WINDOW = "2007-2009"

TS_P1 = "2010-01-15T00:00:00Z"
TS_P2 = "2010-03-15T00:00:00Z"
TS_TIE = "2010-02-01T00:00:00Z"
TS_ML = "2010-01-20T00:00:00Z"
TS_E1 = "2010-01-15T00:00:00Z"
TS_E2 = "2010-03-01T00:00:00Z"
TS_B1 = "2010-01-31T12:00:00Z"
TS_B2 = "2010-03-01T00:00:00+01:00"
TS_BTIE = "2010-02-10T00:00:00Z"
TS_BAD = "2010-06-01T00:00:00Z"


# --- the fixture --------------------------------------------------------------------------------------

# Personal data of the fixture: none of these may appear anywhere in the warehouse or the lake.
PERSONS = {
    # key: (beneficiary_id, full_name, document_no, date_of_birth)
    "A": ("CASE-A-7301", "Amina Qarshi", "DOC-A-55501", "1980-02-10"),
    "B": ("CASE-B-7302", "Bilal Haddad", "DOC-B-55502", "1990-01-15"),
    "C": ("CASE-C-7303", "Chiara Lombardi", "", ""),
    "D": ("CASE-D-7304", "Dmitri Volkov", "DOC-D-55504", "1948-05-05"),
    "E": ("CASE-E-7305", "Esi Mensah", "DOC-E-55505", "2000-07-07"),
    "F": ("CASE-F-7306", "Farid Karimi", "DOC-F-55506", "1970-03-03"),
    "G": ("CASE-G-7307", "Greta Jansen", "DOC-G-55507", "1945-01-01"),
    "H": ("CASE-H-7308", "Hector Ramos", "DOC-H-55508", "1985-08-08"),
    "J": ("CASE-J-7309", "Joy Adeyemi", "DOC-J-55509", "1975-12-31"),
    "K": ("CASE-K-7310", "Kofi Boateng", "DOC-K-55510", "1982-06-30"),
    "L": ("CASE-L-7311", "Lena Fischer", "DOC-L-55511", "1999-11-11"),
    "N": ("CASE-N-7312", "Nok Suwan", "DOC-N-55512", "1992-04-04"),
    "P": ("CASE-P-7313", "Pia Olsen", "DOC-P-55513", "1988-10-10"),
}
# Personal data only in rejected rows / the rejected file / the unknown column.
BAD_ROW_PERSONAL = [
    "CASE-X-9901",
    "CASE-X-9995",
    "Xavier Badrow",
    "DOC-X-99901",
    "1977-07-17",
    "31/12/1980",
    "2009-01-02",
    "Jos\u00e9 M\u00fcller",
    "CASE-Z-4401",
    "DOC-Z-4401",
    "1966-06-16",
]
PHONES = {p: f"+99-PHONE-{p}-0042" for p in PERSONS}

# (service_id, person, sex, service_type, service_date, country, destination, case_category, project_code)
SERVICES_B1 = [
    ("S01", "A", "F", "migrant_training", "2007-03-10", "KEN", "", "resettlement", "AA.0001"),
    ("S02", "A", "F", "migrant_training", "2008-04-01", "KEN", "", "resettlement", "AA.0001"),
    ("S03", "A", "F", "migrant_training", "2008-09-15", "UGA", "", "other", ""),
    ("S04", "B", "U", "migrant_training", "2007-06-01", "KEN", "", "labour", "AA.0001"),
    ("S05", "C", "F", "migrant_training", "2007-08-01", "UGA", "", "humanitarian", ""),
    ("S06", "B", "M", "migrant_training", "2008-02-01", "KEN", "", "resettlement", ""),
    ("S07", "B", "M", "migrant_training", "2009-01-20", "MEX", "", "labour", ""),
    # The share rule (issue 12): the latest record decides, empty or not. B's latest 2008 record has no
    # case_category (an earlier one, S06, said resettlement); A's 2010 records: empty, then resettlement.
    ("S06B", "B", "M", "migrant_training", "2008-11-01", "KEN", "", "", ""),
    ("S33", "A", "F", "migrant_training", "2010-01-05", "KEN", "", "", ""),
    ("S34", "A", "F", "migrant_training", "2010-01-20", "KEN", "", "resettlement", ""),
    ("S09", "P", "M", "migrant_training", "2009-07-07", "KEN", "", "other", ""),  # before S08 in the file
    ("S08", "P", "F", "migrant_training", "2009-07-07", "KEN", "", "resettlement", ""),
    ("S10", "D", "M", "health_assessment", "2008-05-04", "TZA", "", "", ""),
    ("S11", "D", "M", "health_assessment", "2008-05-05", "TZA", "", "", ""),
    ("S12", "E", "F", "health_assessment", "2008-07-01", "KEN", "", "", ""),
    ("S13", "E", "F", "health_assessment", "2009-03-03", "KEN", "", "", ""),
    ("S14", "A", "F", "health_assessment", "2005-11-11", "KEN", "", "", ""),
    ("S20", "F", "M", "avrr_return", "2008-10-10", "DEU", "AFG", "", "AA.0003"),
    ("S21", "F", "M", "avrr_return", "2009-02-02", "DEU", "IRQ", "", "AA.0003"),
    ("S22", "G", "F", "avrr_return", "2009-06-06", "NLD", "AFG", "", "AA.0003"),
    ("S30", "H", "M", "labour_deployment", "2009-04-04", "PHL", "CAN", "labour", ""),
    ("S31", "H", "M", "labour_deployment", "2009-08-08", "PHL", "QAT", "labour", ""),
    ("S32", "A", "F", "labour_deployment", "2010-01-10", "KEN", "QAT", "labour", ""),
    ("S40", "J", "F", "official_training", "2007-02-02", "KEN", "", "", "AA.0002"),
    ("S41", "J", "F", "official_training", "2007-09-09", "KEN", "", "", "AA.0002"),
    ("S50", "K", "M", "dialogue_participation", "2008-12-20", "CHE", "", "", ""),  # corrected in b_2010_02
    ("S60", "C", "F", "resettlement_movement", "2009-05-05", "KEN", "USA", "resettlement", ""),
    ("S70", "N", "F", "trafficking_assistance", "2006-06-06", "THA", "", "", ""),
    ("S71", "N", "F", "trafficking_assistance", "2007-01-01", "THA", "", "", "ZZ.0005"),
]


def _service_row(s, ts, columns=BENEFICIARY_COLUMNS, extra=None):
    sid, person, sex, stype, sdate, country, dest, case, project = s
    bid, name, doc, dob = PERSONS[person]
    values = {
        "service_id": sid,
        "beneficiary_id": bid,
        "full_name": name,
        "document_no": doc,
        "date_of_birth": dob,
        "sex": sex,
        "service_type": stype,
        "service_date": sdate,
        "country_of_service": country,
        "destination_country": dest,
        "case_category": case,
        "project_code": project,
        "extracted_at": ts,
        **(extra or {}),
    }
    return [values[c] for c in columns]


def _bad_service(sid="S8x", **over):
    """A beneficiaries row of b_bad.csv: valid defaults, then the one value under test."""
    values = {
        "service_id": sid,
        "beneficiary_id": "CASE-X-9901",
        "full_name": "Xavier Badrow",
        "document_no": "DOC-X-99901",
        "date_of_birth": "1977-07-17",
        "sex": "F",
        "service_type": "pre_consular",
        "service_date": "2008-03-03",
        "country_of_service": "KEN",
        "destination_country": "",
        "case_category": "",
        "project_code": "",
        "extracted_at": TS_BAD,
        **over,
    }
    return [values[c] for c in BENEFICIARY_COLUMNS]


def _bad_project(**over):
    values = {
        "project_code": "AA.0004",
        "title": "T",
        "country_iso3": "THA",
        "activity_type": "ct_prevention",
        "strategy_points": "11",
        "primary_point": "11",
        "start_date": "2009-02-01",
        "end_date": "",
        "budget_usd": "5",
        "extracted_at": TS_BAD,
        **over,
    }
    return [values[c] for c in PROJECT_COLUMNS]


def build_fixture(raw: Path) -> None:
    P = PROJECT_COLUMNS
    # --- projects ---
    # Header names with surrounding whitespace (trimmed); values with surrounding whitespace (trimmed).
    write_extract(
        raw,
        "projects",
        "p_2010_01.csv",
        [" project_code ", *P[1:]],
        [
            [
                "AA.0001",
                "Migrant training, East Africa",
                " KEN ",
                "migrant_training",
                "1",
                "1",
                "2006-03-01",
                "2008-06-30",
                "1000",
                TS_P1,
            ],
            [" AA.0002", "Emergency response", "GLB", "emergency", "9;3", "9", "2007-05-01", "", "2000", TS_P1],
            ["AA.0003", "AVRR programme", "DEU", "avrr", "10", "10", "2008-01-01", "2009-12-31", "500", TS_P1],
            ["AA.0004", "CT prevention", "THA", "ct_prevention", "11", "11", "2009-02-01", "  ", "300", TS_P1],
            [
                "AA.0005",
                "Post-crisis recovery",
                "HTI",
                "post_crisis",
                "9",
                "9",
                "2007-11-01",
                "2010-12-31",
                "400",
                TS_P1,
            ],
        ],
    )
    # Correction of AA.0005's start (2007 -> 2008); AA.0007 twice in one file with the same extracted_at.
    # Column order is free: extracted_at first.
    order = ["extracted_at", *P[:-1]]
    write_extract(
        raw,
        "projects",
        "p_2010_02.csv",
        order,
        [
            [
                TS_P2,
                "AA.0005",
                "Post-crisis recovery",
                "HTI",
                "post_crisis",
                "9",
                "9",
                "2008-02-01",
                "2010-12-31",
                "400",
            ],
            [TS_P2, "AA.0007", "Dialogue forum", "GLB", "dialogue", "1;7", "7", "2010-03-01", "", "600"],
            [TS_P2, "AA.0007", "Dialogue forum", "GLB", "dialogue", "1;7", "7", "2010-03-01", "", "700"],
        ],
    )
    for name, budget in (("p_tie_a.csv", "100"), ("p_tie_b.csv", "250")):
        write_extract(
            raw,
            "projects",
            name,
            P,
            [
                [
                    "AA.0006",
                    "CT capacity",
                    "NPL",
                    "ct_capacity",
                    "11;12",
                    "12",
                    "2007-01-01",
                    "2007-12-31",
                    budget,
                    TS_TIE,
                ],
            ],
        )
    # `.CSV` in upper case is read. AA.0008: 23:00Z here beats 01:00+03:00 (= 22:00Z) in p_tz.csv.
    write_extract(
        raw,
        "projects",
        "P_UPPER.CSV",
        P,
        [
            ["AA.0008", "Research note", "GLB", "other", "2", "2", "2009-06-01", "", "20", "2010-01-31T23:00:00Z"],
        ],
    )
    write_extract(
        raw,
        "projects",
        "p_tz.csv",
        P,
        [
            ["AA.0008", "Research note", "GLB", "other", "2", "2", "2009-06-01", "", "10", "2010-02-01T01:00:00+03:00"],
        ],
    )
    # A quoted title spanning two lines: record 2 takes lines 2-3, so the bad record 3 is on line 4.
    write_extract(
        raw,
        "projects",
        "p_multiline.csv",
        P,
        [
            [
                "AA.0009",
                "Research\nprogramme, phase 1",
                "GLB",
                "research_data",
                "2;5",
                "5",
                "2009-01-01",
                "2009-12-31",
                "900",
                TS_ML,
            ],
            ["AA.0010", "Bad budget", "KEN", "other", "1", "1", "2009-01-01", "", "-1", TS_ML],
        ],
    )
    # One bad row per project check (row numbers: header = 1; line 4 is blank and keeps its number).
    write_extract(
        raw,
        "projects",
        "p_bad.csv",
        P,
        [
            ["AA.0001", "T", "KEN"],  # 2 too few fields
            ["AA.0001", "T", "KEN", "other", "1", "1", "2006-03-01", "", "5", TS_BAD, "EXTRA"],  # 3 too many fields
            None,  # 4 blank line: not a record
            _bad_project(project_code="aa-1"),  # 5
            _bad_project(project_code="AA.0099", country_iso3="XXX"),  # 6 AA.0099 has no valid row anywhere
            _bad_project(project_code="AA.0001", activity_type="cooking"),  # 7 a later but rejected AA.0001
            _bad_project(project_code="AA.0001", strategy_points="1;1", primary_point="1"),  # 8
            _bad_project(project_code="AA.0002", strategy_points="3;9", primary_point="5"),  # 9
            _bad_project(project_code="AA.0002", strategy_points="3;9", primary_point="x"),  # 10
            _bad_project(project_code="AA.0003", start_date="2006-13-01"),  # 11
            _bad_project(project_code="AA.0003", start_date="2010-06-02"),  # 12 after the date of extracted_at
            _bad_project(project_code="AA.0003", start_date="2007-05-01", end_date="2007-04-30"),  # 13
            _bad_project(project_code="AA.0003", budget_usd="12k"),  # 14
            _bad_project(project_code="AA.0003", budget_usd="-5"),  # 15
            _bad_project(extracted_at="yesterday"),  # 16
            _bad_project(title=""),  # 17
            _bad_project(country_iso3="XX", budget_usd="-1"),  # 18 two failures, one rejected row
            _bad_project(strategy_points="  "),  # 19 whitespace only = missing
        ],
    )
    # A required column (budget_usd) missing: the file is rejected, AA.0011 does not exist.
    write_extract(
        raw,
        "projects",
        "p_missing_col.csv",
        [c for c in P if c != "budget_usd"],
        [
            ["AA.0011", "No budget column", "KEN", "other", "1", "1", "2009-01-01", "", TS_P1],
        ],
    )
    # Not a .csv file: ignored, even though it looks like one.
    write_raw_bytes(
        raw,
        "projects",
        "readme.txt",
        (",".join(P) + "\nAA.0013,T,KEN,other,1,1,2009-01-01,,5," + TS_P1 + "\n").encode(),
    )

    # --- expenditures ---
    E = EXPENDITURE_COLUMNS
    write_extract(
        raw,
        "expenditures",
        "e_2010_01.csv",
        E,
        [
            ["AA.0001", "2006", "100", TS_E1],  # 2
            ["AA.0001", "2007", "200", TS_E1],  # 3
            ["AA.0001", "2008", "300", TS_E1],  # 4 corrected to 350 in e_2010_02
            ["AA.0002", "2007", "1000", TS_E1],  # 5
            ["AA.0002", "2008", " 1500.50 ", TS_E1],  # 6
            ["AA.0002", "2011", "50", TS_E1],  # 7
            None,  # 8 blank
            ["AA.0003", "2008", "400", TS_E1],  # 9
            ["AA.0003", "2009", "-50", TS_E1],  # 10 negative adjustment, kept
            ["AA.0005", "2008", "80", TS_E1],  # 11
            ["AA.0099", "2007", "999", TS_E1],  # 12 held: AA.0099 only in a rejected projects row
            ["ZZ.0001", "2004", "111", TS_E1],  # 13 held
            ["ZZ.0001", "2012", "222", TS_E1],  # 14 held
            ["AA.0011", "2009", "77", TS_E1],  # 15 held: AA.0011 only in a rejected file
        ],
    )
    write_extract(
        raw,
        "expenditures",
        "e_2010_02.csv",
        ["year", "extracted_at", "expenditure_usd", "project_code"],
        [
            ["2008", TS_E2, "350", "AA.0001"],  # 2 correction
            ["2004", TS_E2, "115", "ZZ.0001"],  # 3 held (a second version: every version is listed)
        ],
    )
    write_extract(
        raw,
        "expenditures",
        "e_bad.csv",
        E,
        [
            ["AA.0001", "20x7", "5", TS_BAD],  # 2
            ["AA.0001", "1989", "5", TS_BAD],  # 3
            ["AA.0001", "2007", "abc", TS_BAD],  # 4
            ["AA.0001", "2007", "5", "not-a-time"],  # 5
            ["A.1", "2007", "5", TS_BAD],  # 6
            ["AA.0001", "", "5", TS_BAD],  # 7
            ["AA.0001", "2007"],  # 8 too few fields
            ["AA.0001", "2007", "", TS_BAD],  # 9
            ["AA.0001", "2007", "0.0000001", TS_BAD],  # 10 7 decimal places: no DECIMAL(28, 6) holds it exactly
        ],
    )
    write_extract(raw, "expenditures", "e_header_only.csv", E, [])
    # 1e999 is well-formed but no DECIMAL(28, 6) holds it (once: overflowed a float to infinity). Its own file and an unknown project, so that whatever the
    # product does with it touches no other assertion (see test_non_finite_expenditure_is_rejected).
    write_extract(raw, "expenditures", "e_nonfinite.csv", E, [["ZZ.0009", "2009", "1e999", TS_BAD]])
    # Too many fields in the FIRST data record (a bad row, not a bad file), then a valid row of an unknown
    # project (held). Own file, for the same reason (see test_too_many_fields_in_first_record_is_a_bad_row).
    write_extract(
        raw,
        "expenditures",
        "e_wide_first.csv",
        E,
        [
            ["ZZ.0002", "2009", "5", TS_BAD, "EXTRA"],  # 2
            ["ZZ.0002", "2010", "7", TS_BAD],  # 3 held
        ],
    )

    # --- beneficiaries ---
    # Main delivery with an unknown extra column `phone` (personal data: must never be loaded).
    write_extract(
        raw,
        "beneficiaries",
        "b_2010_01.csv",
        [*BENEFICIARY_COLUMNS, "phone"],
        [_service_row(s, TS_B1, [*BENEFICIARY_COLUMNS, "phone"], {"phone": PHONES[s[1]]}) for s in SERVICES_B1],
    )
    # Correction moving S50 from 2008 to 2009: UTF-8 with BOM, CRLF line ends, columns reordered.
    cols2 = ["extracted_at", *BENEFICIARY_COLUMNS[:-1]]
    write_extract(
        raw,
        "beneficiaries",
        "b_2010_02.csv",
        cols2,
        [
            _service_row(("S50", "K", "M", "dialogue_participation", "2009-01-05", "CHE", "", "", ""), TS_B2, cols2),
        ],
        bom=True,
        line_end="\r\n",
    )
    for name, date in (("b_tie_a.csv", "2007-07-07"), ("b_tie_b.csv", "2008-08-08")):
        write_extract(
            raw,
            "beneficiaries",
            name,
            BENEFICIARY_COLUMNS,
            [
                _service_row(("S51", "L", "F", "pre_consular", date, "PHL", "", "", ""), TS_BTIE),
            ],
        )
    s01 = dict(zip(BENEFICIARY_COLUMNS, _service_row(SERVICES_B1[0], TS_BAD)))
    write_extract(
        raw,
        "beneficiaries",
        "b_bad.csv",
        BENEFICIARY_COLUMNS,
        [
            [{**s01, "sex": "X"}[c] for c in BENEFICIARY_COLUMNS],  # 2 a later but rejected S01
            _bad_service("S80", beneficiary_id="", service_date="2003-03-03"),  # 3
            _bad_service("S81", service_date="1989-12-31"),  # 4
            _bad_service("S82", service_date="2010-06-02"),  # 5 after the date of extracted_at
            _bad_service("S83", service_type="avrr_return", destination_country=""),  # 6
            _bad_service("S84", date_of_birth="2009-01-02", service_date="2009-01-01"),  # 7
            _bad_service("S85", date_of_birth="31/12/1980"),  # 8
            _bad_service("S86", service_date="2008/01/01"),  # 9
            _bad_service("S87", country_of_service="ZZZ"),  # 10
            _bad_service("S88", project_code="ab.12"),  # 11
            _bad_service("S89", case_category="refugee"),  # 12
            _bad_service("S90", service_type="cooking_class"),  # 13
            _bad_service("S91", extracted_at="2010-13-01T00:00:00Z"),  # 14
            _bad_service("S92") + ["surplus"],  # 15 too many fields
            _bad_service("S93", service_type="labour_deployment", destination_country="XYZ"),  # 16
            _bad_service("", beneficiary_id="CASE-X-9901"),  # 17 service_id missing
            _bad_service("S94", sex="Q", country_of_service="A1"),  # 18 two failures
            ["S95", "CASE-X-9995"],  # 19 too few fields
        ],
    )
    # Not UTF-8 (Latin-1 name): rejected file, S99 and person Z do not count.
    latin1 = (
        ",".join(BENEFICIARY_COLUMNS)
        + "\n"
        + "S99,CASE-Z-4401,Jos\u00e9 M\u00fcller,DOC-Z-4401,1966-06-16,M,pre_consular,2009-09-09,KEN,,,,"
        + TS_B1
        + "\n"
    )
    write_raw_bytes(raw, "beneficiaries", "b_latin1.csv", latin1.encode("latin-1"))


@pytest.fixture(scope="module")
def build(e2e_refresh):
    """build_fixture() refreshed once (conftest.e2e_refresh, session-scoped: test_rerun.py re-runs a copy)."""
    return e2e_refresh


@pytest.fixture(scope="module")
def wh(build) -> Path:
    return build["warehouse"]


def values(wh, code):
    """{year: value} of fct_indicator_values for one indicator."""
    return {
        y: v
        for y, v in query(wh, "select year, value from marts.fct_indicator_values where indicator_code = ?", [code])
    }


def approx_eq(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def assert_series(wh, code, expected_by_year):
    got = values(wh, code)
    assert sorted(got) == YEARS, f"{code}: years {sorted(got)}"
    exp = dict(zip(YEARS, expected_by_year))
    bad = {y: (got[y], exp[y]) for y in YEARS if not approx_eq(got[y], exp[y])}
    assert not bad, f"{code}: year -> (got, expected) {bad}"


def breakdown(wh, code, period, dimension):
    rows = query(
        wh,
        "select dimension_value, value from marts.fct_indicator_breakdown "
        "where indicator_code = ? and period = ? and dimension = ?",
        [code, period, dimension],
    )
    return dict(rows)


# --- the refresh itself -------------------------------------------------------------------------------


def test_refresh_published_and_raw_untouched(build):
    assert build["result"].success
    now = {p.relative_to(build["raw"]): p.read_bytes() for p in build["raw"].rglob("*") if p.is_file()}
    assert now == build["raw_before"], "a refresh must never delete or change files under the raw dir"


# --- catalogue and dimensions -------------------------------------------------------------------------

ORG_CODES = ["ORG.projects_active", "ORG.projects_started", "ORG.expenditure_usd", "ORG.beneficiaries_served"]
POINT_MEASURES = [
    "projects_active",
    "projects_started",
    "budget_started_usd",
    "expenditure_usd",
    "beneficiaries_reached",
]
PROGRAMME_CODES = [
    "P01.pre_consular_applicants",
    "P01.migrant_training_participants",
    "P01.migrant_training_women_pct",
    "P01.migrant_training_resettlement_pct",
    "P01.health_assessments",
    "P01.health_assessment_countries",
    "P01.resettlement_persons",
    "P03.officials_trained",
    "P07.dialogue_participants",
    "P09.emergency_projects_started",
    "P09.post_crisis_projects_started",
    "P10.avrr_returns",
    "P10.avrr_destination_countries",
    "P10.avrr_programmes_active",
    "P11.trafficked_persons_assisted",
    "P11.ct_prevention_projects_started",
    "P11.ct_capacity_projects_started",
    "P12.labour_migrants_deployed",
]
ALL_CODES = ORG_CODES + [f"P{n:02d}.{m}" for n in range(1, 13) for m in POINT_MEASURES] + PROGRAMME_CODES


def test_dim_indicator_has_every_code_of_the_catalogue(wh):
    assert len(ALL_CODES) == 82  # 4 ORG + 12 x 5 per point + 18 programme
    rows = query(wh, "select indicator_code, strategy_point, unit from marts.dim_indicator")
    assert sorted(r[0] for r in rows) == sorted(ALL_CODES)
    by_code = {r[0]: r for r in rows}
    assert all(by_code[c][1] is None for c in ORG_CODES)
    assert by_code["P07.projects_active"][1] == 7
    assert by_code["P12.labour_migrants_deployed"][1] == 12
    assert by_code["P01.migrant_training_women_pct"][2] == "percent"
    assert by_code["ORG.expenditure_usd"][2] == "usd"
    assert by_code["P01.health_assessments"][2] == "records"
    assert by_code["P10.avrr_destination_countries"][2] == "countries"


def test_dim_strategy_point_has_the_12_points(wh):
    rows = query(wh, "select strategy_point, short_name, text from marts.dim_strategy_point order by 1")
    assert [r[0] for r in rows] == list(range(1, 13))
    assert all(r[1] and r[2] for r in rows)


# --- yearly values ------------------------------------------------------------------------------------


def test_spine_bounds_and_one_row_per_indicator_and_year(wh):
    # Earliest: S14 (2005). Latest: AA.0002's 2011 expenditure. Not 2003 (rejected S80), 2004/2012 (held).
    rows = query(wh, "select indicator_code, year from marts.fct_indicator_values")
    assert sorted({r[1] for r in rows}) == YEARS
    assert len(rows) == 82 * 7 and len(set(rows)) == 82 * 7


def test_value_columns_are_double(wh):
    types = dict(
        query(
            wh,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'fct_indicator_values'",
        )
    )
    assert types["value"] == "DOUBLE"


@pytest.mark.parametrize(
    "code, expected",
    [
        # active: start year <= Y and (no end or end year >= Y).
        # 2006 AA1 | 2007 AA1 AA2 AA6 | 2008 AA1 AA2 AA3 AA5 | 2009 AA2 AA3 AA4 AA5 AA8 AA9 | 2010 AA2 AA4 AA5 AA7 AA8
        # | 2011 AA2 AA4 AA7 AA8 (AA5 ends 2010)
        ("ORG.projects_active", [0, 1, 3, 4, 6, 5, 4]),
        # started: 2006 AA1 | 2007 AA2 AA6 | 2008 AA3 AA5 (corrected) | 2009 AA4 AA8 AA9 | 2010 AA7
        ("ORG.projects_started", [0, 1, 2, 2, 3, 1, 0]),
        # 2006 100 | 2007 200+1000 (AA.0099's 999 held) | 2008 350(corrected)+1500.5+400+80 | 2009 -50 | 2011 50
        ("ORG.expenditure_usd", [0, 100, 1200, 2330.5, -50, 0, 50]),
        # 2005 A | 2006 N | 2007 A B C J N (L moved to 2008) | 2008 A B D E F L (K moved to 2009)
        # | 2009 B C E F G H K P | 2010 A
        ("ORG.beneficiaries_served", [1, 1, 5, 6, 8, 1, 0]),
        # P01 = AA.0001 (2006..2008) and AA.0007 (2010..): the 2006-2008 project is active in 2007 and 2008, not 2009
        ("P01.projects_active", [0, 1, 1, 1, 0, 1, 1]),
        ("P01.projects_started", [0, 1, 0, 0, 0, 1, 0]),
        ("P01.budget_started_usd", [0, 1000, 0, 0, 0, 700, 0]),  # AA.0007: later row of the same file (700)
        ("P01.expenditure_usd", [0, 100, 200, 350, 0, 0, 0]),
        # services with project AA.0001/AA.0007: 2007 S01 (A), S04 (B); 2008 S02 (A)
        ("P01.beneficiaries_reached", [0, 0, 2, 1, 0, 0, 0]),
        ("P02.projects_active", [0, 0, 0, 0, 2, 1, 1]),  # AA.0008 (2009..), AA.0009 (2009)
        ("P02.budget_started_usd", [0, 0, 0, 0, 920, 0, 0]),  # AA.0008 20 (UTC-later version) + AA.0009 900
        ("P03.projects_active", [0, 0, 1, 1, 1, 1, 1]),  # AA.0002 "9;3", open-ended
        ("P03.expenditure_usd", [0, 0, 1000, 1500.5, 0, 0, 50]),
        ("P03.beneficiaries_reached", [0, 0, 1, 0, 0, 0, 0]),  # J (S40, S41) via AA.0002
        ("P04.projects_active", [0, 0, 0, 0, 0, 0, 0]),  # nothing tagged 4: zero, not missing
        ("P04.expenditure_usd", [0, 0, 0, 0, 0, 0, 0]),
        ("P05.projects_active", [0, 0, 0, 0, 1, 0, 0]),  # AA.0009
        ("P07.budget_started_usd", [0, 0, 0, 0, 0, 700, 0]),
        ("P07.beneficiaries_reached", [0, 0, 0, 0, 0, 0, 0]),
        # P09 = AA.0002 (2007..) and AA.0005 (2008..2010 after the correction; 2007 would count the old version)
        ("P09.projects_active", [0, 0, 1, 2, 2, 2, 1]),
        ("P09.projects_started", [0, 0, 1, 1, 0, 0, 0]),
        ("P09.budget_started_usd", [0, 0, 2000, 400, 0, 0, 0]),
        ("P09.expenditure_usd", [0, 0, 1000, 1580.5, 0, 0, 50]),  # 2008: 1500.5 + 80
        ("P09.beneficiaries_reached", [0, 0, 1, 0, 0, 0, 0]),
        ("P09.emergency_projects_started", [0, 0, 1, 0, 0, 0, 0]),  # AA.0002
        ("P09.post_crisis_projects_started", [0, 0, 0, 1, 0, 0, 0]),  # AA.0005, moved to 2008
        ("P10.projects_active", [0, 0, 0, 1, 1, 0, 0]),
        ("P10.expenditure_usd", [0, 0, 0, 400, -50, 0, 0]),
        ("P10.beneficiaries_reached", [0, 0, 0, 1, 2, 0, 0]),  # 2008 F | 2009 F, G
        ("P10.avrr_returns", [0, 0, 0, 1, 2, 0, 0]),
        ("P10.avrr_destination_countries", [0, 0, 0, 1, 2, 0, 0]),  # 2008 AFG | 2009 IRQ, AFG
        ("P10.avrr_programmes_active", [0, 0, 0, 1, 1, 0, 0]),  # AA.0003 2008-01-01..2009-12-31
        ("P11.projects_active", [0, 0, 1, 0, 1, 1, 1]),  # AA.0006 (2007), AA.0004 (2009..)
        ("P11.budget_started_usd", [0, 0, 250, 0, 300, 0, 0]),  # AA.0006: tie won by p_tie_b.csv (250)
        ("P11.ct_prevention_projects_started", [0, 0, 0, 0, 1, 0, 0]),
        ("P11.ct_capacity_projects_started", [0, 0, 1, 0, 0, 0, 0]),
        ("P11.trafficked_persons_assisted", [0, 1, 1, 0, 0, 0, 0]),  # N in 2006 and 2007
        ("P11.beneficiaries_reached", [0, 0, 0, 0, 0, 0, 0]),  # S71's ZZ.0005 is no project
        ("P12.projects_active", [0, 0, 1, 0, 0, 0, 0]),
        ("P12.budget_started_usd", [0, 0, 250, 0, 0, 0, 0]),
        ("P12.labour_migrants_deployed", [0, 0, 0, 0, 1, 1, 0]),  # H (twice in 2009) | A 2010
        ("P07.dialogue_participants", [0, 0, 0, 0, 1, 0, 0]),  # S50 moved from 2008 to 2009
        ("P01.pre_consular_applicants", [0, 0, 0, 1, 0, 0, 0]),  # S51: tie won by b_tie_b.csv (2008)
        # 2007 A B C | 2008 A B | 2009 B P | 2010 A (S33, S34)
        ("P01.migrant_training_participants", [0, 0, 3, 2, 2, 1, 0]),
        ("P01.health_assessments", [1, 0, 0, 3, 1, 0, 0]),  # records: 2005 S14 | 2008 S10 S11 S12 | 2009 S13
        ("P01.health_assessment_countries", [1, 0, 0, 2, 1, 0, 0]),  # 2008 TZA, KEN
        ("P01.resettlement_persons", [0, 0, 0, 0, 1, 0, 0]),
        ("P03.officials_trained", [0, 0, 1, 0, 0, 0, 0]),  # J twice in 2007: one person
    ],
)
def test_yearly_values(wh, code, expected):
    assert_series(wh, code, expected)


def test_every_p04_indicator_is_zero_filled(wh):
    rows = query(
        wh, "select indicator_code, year, value from marts.fct_indicator_values where indicator_code like 'P04.%'"
    )
    assert len(rows) == 5 * 7
    assert {r[2] for r in rows} == {0.0}


def test_percentages_with_numerator_and_denominator(wh):
    rows = query(
        wh,
        "select indicator_code, year, value, numerator, denominator from marts.fct_indicator_values "
        "where indicator_code in ('P01.migrant_training_women_pct', 'P01.migrant_training_resettlement_pct')",
    )
    got = {(r[0], r[1]): r[2:] for r in rows}
    # women: 2007 A(F) B(U, S04) C(F) -> 2/3 | 2008 A(F) B(M, S06B) -> 1/2 | 2009 B(M) P(M: S09 > S08, same day)
    # -> 0/2 | 2010 A(F, S34) -> 1/1; no participants -> NULL
    # resettlement, latest record in the year, empty or not: 2007 A(S01 resettlement) B(labour) C(humanitarian)
    #   -> 1/3 | 2008 A(S03 other, not S02) B(S06B: no category; S06's resettlement is earlier) -> 0/2 (the old
    #   rule skipped the empty record and said 1/2) | 2009 B(labour) P(S09 other) -> 0/2
    #   | 2010 A(S34 resettlement; the earlier S33 is empty) -> 1/1
    expected = {}
    for y in YEARS:
        expected[("P01.migrant_training_women_pct", y)] = (None, 0, 0)
        expected[("P01.migrant_training_resettlement_pct", y)] = (None, 0, 0)
    expected[("P01.migrant_training_women_pct", 2007)] = (200 / 3, 2, 3)
    expected[("P01.migrant_training_women_pct", 2008)] = (50.0, 1, 2)
    expected[("P01.migrant_training_women_pct", 2009)] = (0.0, 0, 2)
    expected[("P01.migrant_training_resettlement_pct", 2007)] = (100 / 3, 1, 3)
    expected[("P01.migrant_training_resettlement_pct", 2008)] = (0.0, 0, 2)
    expected[("P01.migrant_training_resettlement_pct", 2009)] = (0.0, 0, 2)
    expected[("P01.migrant_training_women_pct", 2010)] = (100.0, 1, 1)
    expected[("P01.migrant_training_resettlement_pct", 2010)] = (100.0, 1, 1)
    assert set(got) == set(expected)
    for k, (v, n, d) in expected.items():
        gv, gn, gd = got[k]
        assert approx_eq(gv, v), (k, gv, v)
        assert gd == d and gn == n, (k, gn, gd, n, d)


def test_numerator_denominator_null_unless_percent(wh):
    rows = query(
        wh,
        "select count(*) from marts.fct_indicator_values "
        "where unit <> 'percent' and (numerator is not null or denominator is not null)",
    )
    assert rows == [(0,)]


# --- the review window --------------------------------------------------------------------------------

# code: (value, numerator, denominator, yearly_mean, first_year_value, last_year_value, change_pct)
WINDOW_EXPECTED = {
    # distinct projects active in 2007..2009: AA1..AA6, AA8, AA9 = 8 (the yearly values 3+4+6 = 13)
    "ORG.projects_active": (8, None, None, 13 / 3, 3, 6, 100.0),
    "ORG.projects_started": (7, None, None, 7 / 3, 2, 3, 50.0),  # sum 2+2+3
    # 1200 + 2330.5 - 50; change 100 * (-50 - 1200) / 1200
    "ORG.expenditure_usd": (3480.5, None, None, 3480.5 / 3, 1200, -50, -1250 / 12),
    # persons A B C J N D E F L G H K P = 13 (not 5+6+8 = 19); change 100 * (8 - 5) / 5
    "ORG.beneficiaries_served": (13, None, None, 19 / 3, 5, 8, 60.0),
    "P01.projects_active": (1, None, None, 2 / 3, 1, 0, -100.0),  # AA.0001 only
    "P09.projects_active": (2, None, None, 5 / 3, 1, 2, 100.0),
    "P09.budget_started_usd": (2400, None, None, 800.0, 2000, 0, -100.0),
    "P11.budget_started_usd": (550, None, None, 550 / 3, 250, 300, 20.0),
    "P04.projects_active": (0, None, None, 0.0, 0, 0, None),  # first year 0: change NULL
    "P01.migrant_training_participants": (4, None, None, 7 / 3, 3, 2, -100 / 3),  # A B C P (not 3+2+2)
    # latest record in the window: A S03 (F, other), B S07 (M, labour), C S05 (F, humanitarian), P S09 (M, other)
    "P01.migrant_training_women_pct": (50.0, 2, 4, (200 / 3 + 50 + 0) / 3, 200 / 3, 0.0, -100.0),
    # resettlement: yearly 100/3 (2007), 0 (2008: B's latest, S06B, has no category), 0 (2009)
    "P01.migrant_training_resettlement_pct": (0.0, 0, 4, (100 / 3 + 0 + 0) / 3, 100 / 3, 0.0, -100.0),
    "P01.health_assessments": (4, None, None, 4 / 3, 0, 1, None),  # records: sum 0+3+1
    "P01.health_assessment_countries": (2, None, None, 1.0, 0, 1, None),  # TZA, KEN (not 0+2+1)
    "P10.avrr_returns": (2, None, None, 1.0, 0, 2, None),  # F, G (not 1+2)
    "P10.avrr_destination_countries": (2, None, None, 1.0, 0, 2, None),  # AFG, IRQ (not 1+2)
    "P10.beneficiaries_reached": (2, None, None, 1.0, 0, 2, None),
    "P12.labour_migrants_deployed": (1, None, None, 1 / 3, 0, 1, None),
    "P11.trafficked_persons_assisted": (1, None, None, 1 / 3, 1, 0, -100.0),
    "P03.officials_trained": (1, None, None, 1 / 3, 1, 0, -100.0),
    "P07.dialogue_participants": (1, None, None, 1 / 3, 0, 1, None),
}


def test_window_one_row_per_indicator(wh):
    rows = query(wh, "select indicator_code, window_start, window_end from marts.fct_indicator_window")
    assert len(rows) == 82
    assert {(r[1], r[2]) for r in rows} == {(2007, 2009)}
    assert sorted(r[0] for r in rows) == sorted(ALL_CODES)


@pytest.mark.parametrize("code", sorted(WINDOW_EXPECTED))
def test_window_values(wh, code):
    rows = query(
        wh,
        "select value, numerator, denominator, yearly_mean, first_year_value, last_year_value, change_pct "
        "from marts.fct_indicator_window where indicator_code = ? and window_start = 2007 and window_end = 2009",
        [code],
    )
    assert len(rows) == 1
    names = ["value", "numerator", "denominator", "yearly_mean", "first_year_value", "last_year_value", "change_pct"]
    got, exp = rows[0], WINDOW_EXPECTED[code]
    bad = {n: (g, e) for n, g, e in zip(names, got, exp) if not approx_eq(None if g is None else float(g), e)}
    assert not bad, f"{code}: column -> (got, expected) {bad}"


# --- breakdowns ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, period, dimension, expected",
    [
        # persons by sex: latest record in the period (A S03 F, B S07 M, C S60 F, J F, N F, D M, E F, F M, L F,
        # G F, H M, K M, P S09 M)
        ("ORG.beneficiaries_served", WINDOW, "sex", {"F": 7, "M": 6}),
        # age at the latest record: A 28, B 19, J 31, F 38, H 24 (on his birthday), K 26, P 20 -> 18-59;
        # N 14, E 8, L 8 -> 0-17; D 60 (on his birthday), G 64 -> 60+; C no date of birth -> unknown
        ("ORG.beneficiaries_served", WINDOW, "age_band", {"18-59": 7, "0-17": 3, "60+": 2, "unknown": 1}),
        # once under every value: KEN A B C J E P; UGA A C; PHL L H; ...
        (
            "ORG.beneficiaries_served",
            WINDOW,
            "country_of_service",
            {"KEN": 6, "UGA": 2, "MEX": 1, "THA": 1, "TZA": 1, "DEU": 1, "PHL": 2, "NLD": 1, "CHE": 1},
        ),
        # AFG F G; IRQ F; CAN H; QAT H (A's QAT is 2010); USA C
        ("ORG.beneficiaries_served", WINDOW, "destination_country", {"AFG": 2, "IRQ": 1, "CAN": 1, "QAT": 1, "USA": 1}),
        ("ORG.beneficiaries_served", "2007", "sex", {"F": 4, "U": 1}),  # B is U in 2007 (S04)
        # 2008: A S03 28, B S06B 18 (birthday passed), F 38 -> 18-59; D S11 60 -> 60+; E 7, L 8 -> 0-17
        ("ORG.beneficiaries_served", "2008", "age_band", {"18-59": 3, "60+": 1, "0-17": 2}),
        ("P01.migrant_training_participants", "2007", "sex", {"F": 2, "U": 1}),
        ("P01.migrant_training_participants", "2008", "sex", {"F": 1, "M": 1}),
        ("P01.migrant_training_participants", WINDOW, "sex", {"F": 2, "M": 2}),  # B's latest (S07) is M; P S09
        ("P01.migrant_training_participants", "2009", "sex", {"M": 2}),  # B; P's S09 (not S08, F) on the same day
        ("P01.migrant_training_participants", "2007", "age_band", {"18-59": 1, "0-17": 1, "unknown": 1}),  # B 17
        ("P01.migrant_training_participants", "2008", "country_of_service", {"KEN": 2, "UGA": 1}),  # A under both
        ("P01.migrant_training_participants", WINDOW, "country_of_service", {"KEN": 3, "UGA": 2, "MEX": 1}),
        ("P01.migrant_training_participants", WINDOW, "destination_country", {}),  # missing is not a value
        # records: each under its own values (D twice: 59 then 60)
        ("P01.health_assessments", "2008", "sex", {"M": 2, "F": 1}),
        ("P01.health_assessments", "2008", "age_band", {"18-59": 1, "60+": 1, "0-17": 1}),
        ("P01.health_assessments", "2008", "country_of_service", {"TZA": 2, "KEN": 1}),
        ("P01.health_assessments", WINDOW, "sex", {"M": 2, "F": 2}),
        ("P01.health_assessments", "2006", "sex", {}),  # nothing: no zero rows
        ("P10.avrr_returns", WINDOW, "destination_country", {"AFG": 2, "IRQ": 1}),  # F under both
        ("P10.avrr_returns", WINDOW, "sex", {"M": 1, "F": 1}),
        ("P10.avrr_returns", "2009", "destination_country", {"IRQ": 1, "AFG": 1}),
        ("P10.avrr_returns", "2008", "destination_country", {"AFG": 1}),
        ("P12.labour_migrants_deployed", "2009", "destination_country", {"CAN": 1, "QAT": 1}),
        ("P12.labour_migrants_deployed", "2009", "sex", {"M": 1}),
        ("P12.labour_migrants_deployed", "2010", "destination_country", {"QAT": 1}),
        # reached through AA.0003 (tagged 10): F (AFG, IRQ), G (AFG)
        ("P10.beneficiaries_reached", WINDOW, "destination_country", {"AFG": 2, "IRQ": 1}),
        ("P01.beneficiaries_reached", "2007", "sex", {"F": 1, "U": 1}),  # A (S01 F), B (S04 U)
    ],
)
def test_breakdown(wh, code, period, dimension, expected):
    assert breakdown(wh, code, period, dimension) == expected


def test_breakdown_shape(wh):
    rows = query(wh, "select distinct period from marts.fct_indicator_breakdown")
    assert {r[0] for r in rows} <= {str(y) for y in YEARS} | {WINDOW}
    assert WINDOW in {r[0] for r in rows}
    assert query(wh, "select count(*) from marts.fct_indicator_breakdown where not (value > 0)") == [(0,)]
    assert query(wh, "select count(*) from marts.fct_indicator_breakdown where dimension_value is null") == [(0,)]
    dims = {r[0] for r in query(wh, "select distinct dimension from marts.fct_indicator_breakdown")}
    assert dims == {"sex", "age_band", "country_of_service", "destination_country"}
    # shares, country counts and project counts are not broken down
    codes = {r[0] for r in query(wh, "select distinct indicator_code from marts.fct_indicator_breakdown")}
    assert not codes & {
        "P01.migrant_training_women_pct",
        "P01.health_assessment_countries",
        "ORG.projects_active",
        "P10.avrr_destination_countries",
    }


# --- audit --------------------------------------------------------------------------------------------

EXPECTED_REJECTED_ROWS = {
    # (kind, file_name, row_number, column_name, check_name, value)
    ("projects", "p_bad.csv", 2, None, "field_count", "3 fields, header has 10"),
    ("projects", "p_bad.csv", 3, None, "field_count", "11 fields, header has 10"),
    ("projects", "p_bad.csv", 5, "project_code", "project_code_format", "aa-1"),
    ("projects", "p_bad.csv", 6, "country_iso3", "iso3166_alpha3", "XXX"),
    ("projects", "p_bad.csv", 7, "activity_type", "accepted_values", "cooking"),
    ("projects", "p_bad.csv", 8, "strategy_points", "strategy_points_format", "1;1"),
    ("projects", "p_bad.csv", 9, "primary_point", "primary_point_in_strategy_points", "5"),
    ("projects", "p_bad.csv", 10, "primary_point", "integer_format", "x"),
    ("projects", "p_bad.csv", 11, "start_date", "date_format", "2006-13-01"),
    ("projects", "p_bad.csv", 12, "start_date", "not_after_extracted_at", "2010-06-02"),
    ("projects", "p_bad.csv", 13, "end_date", "end_not_before_start", "2007-04-30"),
    ("projects", "p_bad.csv", 14, "budget_usd", "decimal_format", "12k"),
    ("projects", "p_bad.csv", 15, "budget_usd", "non_negative", "-5"),
    ("projects", "p_bad.csv", 16, "extracted_at", "timestamp_format", "yesterday"),
    ("projects", "p_bad.csv", 17, "title", "required", None),
    ("projects", "p_bad.csv", 18, "country_iso3", "iso3166_alpha3", "XX"),
    ("projects", "p_bad.csv", 18, "budget_usd", "non_negative", "-1"),
    ("projects", "p_bad.csv", 19, "strategy_points", "required", None),
    ("projects", "p_multiline.csv", 3, "budget_usd", "non_negative", "-1"),  # record 3 = lines 4
    ("expenditures", "e_bad.csv", 2, "year", "integer_format", "20x7"),
    ("expenditures", "e_bad.csv", 3, "year", "year_range", "1989"),
    ("expenditures", "e_bad.csv", 4, "expenditure_usd", "decimal_format", "abc"),
    ("expenditures", "e_bad.csv", 5, "extracted_at", "timestamp_format", "not-a-time"),
    ("expenditures", "e_bad.csv", 6, "project_code", "project_code_format", "A.1"),
    ("expenditures", "e_bad.csv", 7, "year", "required", None),
    ("expenditures", "e_bad.csv", 8, None, "field_count", "2 fields, header has 4"),
    ("expenditures", "e_bad.csv", 9, "expenditure_usd", "required", None),
    ("expenditures", "e_bad.csv", 10, "expenditure_usd", "decimal_precision", "0.0000001"),
    ("beneficiaries", "b_bad.csv", 2, "sex", "accepted_values", "X"),
    ("beneficiaries", "b_bad.csv", 3, "beneficiary_id", "required", None),
    ("beneficiaries", "b_bad.csv", 4, "service_date", "service_date_range", "1989-12-31"),
    ("beneficiaries", "b_bad.csv", 5, "service_date", "service_date_range", "2010-06-02"),
    ("beneficiaries", "b_bad.csv", 6, "destination_country", "required_for_service_type", None),
    ("beneficiaries", "b_bad.csv", 7, "date_of_birth", "not_after_service_date", None),  # personal: NULL
    ("beneficiaries", "b_bad.csv", 8, "date_of_birth", "date_format", None),  # personal: NULL
    ("beneficiaries", "b_bad.csv", 9, "service_date", "date_format", "2008/01/01"),
    ("beneficiaries", "b_bad.csv", 10, "country_of_service", "iso3166_alpha3", "ZZZ"),
    ("beneficiaries", "b_bad.csv", 11, "project_code", "project_code_format", "ab.12"),
    ("beneficiaries", "b_bad.csv", 12, "case_category", "accepted_values", "refugee"),
    ("beneficiaries", "b_bad.csv", 13, "service_type", "accepted_values", "cooking_class"),
    ("beneficiaries", "b_bad.csv", 14, "extracted_at", "timestamp_format", "2010-13-01T00:00:00Z"),
    ("beneficiaries", "b_bad.csv", 15, None, "field_count", "14 fields, header has 13"),
    ("beneficiaries", "b_bad.csv", 16, "destination_country", "iso3166_alpha3", "XYZ"),
    ("beneficiaries", "b_bad.csv", 17, "service_id", "required", None),
    ("beneficiaries", "b_bad.csv", 18, "country_of_service", "iso3166_alpha3", "A1"),
    ("beneficiaries", "b_bad.csv", 18, "sex", "accepted_values", "Q"),
    ("beneficiaries", "b_bad.csv", 19, None, "field_count", "2 fields, header has 13"),
}

CHECK_VOCABULARY = {
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
    "decimal_precision",
    "non_negative",
    "integer_format",
    "year_range",
    "service_date_range",
    "required_for_service_type",
    "not_after_service_date",
}


def test_fixture_covers_every_check_name():
    assert {r[4] for r in EXPECTED_REJECTED_ROWS} == CHECK_VOCABULARY


def test_rejected_rows_exact(wh):
    rows = query(
        wh,
        'select kind, file_name, row_number, column_name, check_name, "value" from audit.rejected_rows '
        "where file_name not in ('e_nonfinite.csv', 'e_wide_first.csv')",
    )
    assert len(rows) == len(set(rows)), "one entry per failed check"
    got = set(rows)
    assert got - EXPECTED_REJECTED_ROWS == set(), "unexpected rejected rows"
    assert EXPECTED_REJECTED_ROWS - got == set(), "missing rejected rows"


def test_rejected_files(wh):
    rows = query(wh, "select kind, file_name, message from audit.rejected_files")
    assert {(r[0], r[1]) for r in rows if r[1] != "e_wide_first.csv"} == {
        ("projects", "p_missing_col.csv"),
        ("beneficiaries", "b_latin1.csv"),
    }
    msg = {r[1]: r[2] for r in rows}
    assert "budget_usd" in msg["p_missing_col.csv"] and "missing" in msg["p_missing_col.csv"].lower()
    assert "utf-8" in msg["b_latin1.csv"].lower()


def test_held_rows_exact(wh):
    rows = query(
        wh,
        "select kind, file_name, row_number, reason from audit.held_rows "
        "where file_name not in ('e_nonfinite.csv', 'e_wide_first.csv')",
    )
    assert sorted(rows) == sorted(
        [
            ("expenditures", "e_2010_01.csv", 12, "unknown_project"),  # AA.0099 (only a rejected projects row)
            ("expenditures", "e_2010_01.csv", 13, "unknown_project"),  # ZZ.0001 2004
            ("expenditures", "e_2010_01.csv", 14, "unknown_project"),  # ZZ.0001 2012
            ("expenditures", "e_2010_01.csv", 15, "unknown_project"),  # AA.0011 (only in a rejected file)
            ("expenditures", "e_2010_02.csv", 3, "unknown_project"),  # ZZ.0001 2004, second version
        ]
    )


def test_files_seen_by_the_refresh(wh):
    rows = query(wh, "select kind, file_name, status, message, rows_read from audit.source_files")
    by_name = {(r[0], r[1]): r for r in rows}
    assert by_name[("projects", "readme.txt")][2] == "ignored"  # listed, not rejected, not read
    assert by_name[("projects", "P_UPPER.CSV")][2] == "loaded"
    assert by_name[("expenditures", "e_header_only.csv")][2] == "loaded"
    assert by_name[("expenditures", "e_header_only.csv")][4] == 0
    assert "phone" in (by_name[("beneficiaries", "b_2010_01.csv")][3] or "")  # unknown column reported
    assert by_name[("beneficiaries", "b_latin1.csv")][2] == "rejected"


def test_unknown_and_ignored_inputs_do_not_count(wh):
    # AA.0011 (rejected file), AA.0013 (readme.txt), AA.0099 / AA.0010 (rejected rows) are no projects.
    codes = {r[0] for r in query(wh, "select project_code from staging.stg_lake__projects")}
    assert codes == {f"AA.000{i}" for i in range(1, 10)}


# --- two rules that were once broken (found by this fixture) ------------------------------------------


def test_non_finite_expenditure_is_rejected(wh):
    rejected = query(
        wh,
        'select row_number, column_name, check_name, "value" from audit.rejected_rows '
        "where file_name = 'e_nonfinite.csv'",
    )
    held = query(wh, "select row_number from audit.held_rows where file_name = 'e_nonfinite.csv'")
    assert held == []
    assert rejected == [(2, "expenditure_usd", "decimal_precision", "1e999")]


def test_too_many_fields_in_first_record_is_a_bad_row(wh):
    files = query(wh, "select file_name from audit.rejected_files where file_name = 'e_wide_first.csv'")
    rejected = query(
        wh,
        'select row_number, column_name, check_name, "value" from audit.rejected_rows '
        "where file_name = 'e_wide_first.csv'",
    )
    held = query(wh, "select row_number, reason from audit.held_rows where file_name = 'e_wide_first.csv'")
    assert files == []
    assert rejected == [(2, None, "field_count", "5 fields, header has 4")]
    assert held == [(3, "unknown_project")]


# --- personal data ------------------------------------------------------------------------------------


def _forbidden_strings() -> list[str]:
    out = list(BAD_ROW_PERSONAL) + list(PHONES.values())
    for bid, name, doc, dob in PERSONS.values():
        out += [s for s in (bid, name, doc, dob) if s]
    return out


def _as_text(cols: list[str]) -> str:
    return ", ".join('cast("' + c.replace('"', '""') + '" as varchar)' for c in cols)


def _table_hits(con, database_filter: str, forbidden: list[str]) -> list[tuple]:
    hits = []
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables where " + database_filter
    ).fetchall()
    for schema, table in tables:
        cols = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchall()
        ]
        if not cols:
            continue
        cells = con.execute(f'select {_as_text(cols)} from "{schema}"."{table}"').fetchall()
        for row in cells:
            for col, cell in zip(cols, row):
                if cell is None:
                    continue
                for f in forbidden:
                    if f in cell:
                        hits.append((schema, table, col, f))
    return hits


def test_no_personal_data_in_any_warehouse_table(wh):
    forbidden = _forbidden_strings()
    con = duckdb.connect(str(wh), read_only=True)
    try:
        n_tables = con.execute("select count(*) from information_schema.tables").fetchall()[0][0]
        assert n_tables > 10
        hits = _table_hits(con, "true", forbidden)
        # Control: the same scan does find ordinary values of the fixture (the search is not blind).
        controls = {h[3] for h in _table_hits(con, "true", ["Migrant training, East Africa", "AA.0099", "UGA"])}
    finally:
        con.close()
    assert controls == {"Migrant training, East Africa", "AA.0099", "UGA"}
    assert hits == []


def test_no_personal_data_in_the_lake(build):
    forbidden = _forbidden_strings()
    lake = build["lake"]
    parquet = sorted(lake.rglob("*.parquet"))
    assert len(parquet) >= 9
    hits = []
    forbidden = forbidden + ["Research\nprogramme, phase 1"]  # control: a title that IS in the lake
    con = duckdb.connect()
    try:
        for p in parquet:
            cols = [r[0] for r in con.execute(f"describe select * from read_parquet('{p}')").fetchall()]
            if not cols:
                continue
            rows = con.execute(f"select {_as_text(cols)} from read_parquet('{p}')").fetchall()
            for row in rows:
                for col, cell in zip(cols, row):
                    for f in forbidden:
                        if cell is not None and f in cell:
                            hits.append((str(p.relative_to(lake)), col, f))
    finally:
        con.close()
    # Every other file of the lake (stats, locks) and the warehouse folder (refresh log) as text.
    for p in [*lake.rglob("*"), *build["warehouse"].parent.rglob("*")]:
        if p.is_file() and p.suffix not in (".parquet", ".duckdb"):
            text = p.read_bytes().decode("utf-8", errors="replace")
            hits += [(str(p), None, f) for f in forbidden if f in text]
    assert [h for h in hits if h[2] == "Research\nprogramme, phase 1"], "control value not found: scan is blind"
    assert [h for h in hits if h[2] != "Research\nprogramme, phase 1"] == []


def test_no_personal_data_in_run_metadata(build):
    forbidden = _forbidden_strings()
    text = "\n".join(repr(e) for e in build["result"].all_events)
    assert "b_2010_01.csv" in text and "p_bad.csv" in text  # control: file names are in the run metadata
    assert [f for f in forbidden if f in text] == []


def test_persons_are_counted_by_a_keyed_hash(wh):
    keys = query(wh, "select distinct person_key from staging.stg_lake__beneficiaries")
    assert len(keys) == 13  # persons A..P of the fixture (not Z of the rejected file, not X of rejected rows)
    assert all(len(k[0]) == 64 and all(ch in "0123456789abcdef" for ch in k[0]) for k in keys)


def test_dim_year_marks_partly_covered_and_later_years_provisional(wh):
    # The latest valid row of any kind is the held expenditure ZZ.0002 2010 (TS_BAD, 2010-06-01: held rows
    # are valid deliveries; every other TS_BAD row is rejected): 2010 is partly covered, 2011 (AA.0002's
    # expenditure) lies after the latest extraction.
    rows = query(
        wh,
        "select year, is_provisional, provisional_reason, cast(latest_extracted_at as date) "
        "from marts.dim_year order by year",
    )
    assert [r[0] for r in rows] == YEARS
    assert {r[0] for r in rows if r[1]} == {2010, 2011}
    reasons = {r[0]: r[2] for r in rows}
    assert reasons[2010] == "partly covered: the latest extraction is of 2010-06-01"
    assert reasons[2011] == "after the latest extraction (2010-06-01)"
    assert all(reasons[y] is None for y in YEARS if y < 2010)
    assert {str(r[3]) for r in rows} == {"2010-06-01"}
