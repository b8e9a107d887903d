"""The hand-built fixture of the end-to-end tests (tests/test_warehouse_e2e.py, tests/test_rerun.py,
tests/test_spark_parity.py), with the values worked out by hand from it.

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

from pathlib import Path

from support.extracts import BENEFICIARY_COLUMNS, EXPENDITURE_COLUMNS, PROJECT_COLUMNS, write_extract, write_raw_bytes

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


# --- the review window, by hand ----------------------------------------------------------------------

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
