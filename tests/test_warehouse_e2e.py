"""End to end: one hand-built set of extracts -> a real Dagster refresh -> the published DuckDB warehouse.

The fixture, in words and as code, is tests/support/e2e_fixture.py.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from support.e2e_fixture import BAD_ROW_PERSONAL, PERSONS, PHONES, WINDOW, WINDOW_EXPECTED, YEARS
from support.runs import query

pytestmark = pytest.mark.slow


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


# indicators.md, "the tables analysts query": the columns in the contract's order (ours may follow them)
SPEC_COLUMNS = {
    "fct_indicator_values": ["indicator_code", "strategy_point", "year", "value", "numerator", "denominator", "unit"],
    "fct_indicator_window": [
        "indicator_code",
        "strategy_point",
        "window_start",
        "window_end",
        "value",
        "numerator",
        "denominator",
        "yearly_mean",
        "first_year_value",
        "last_year_value",
        "change_pct",
    ],
    "fct_indicator_breakdown": [
        "indicator_code",
        "strategy_point",
        "period",
        "dimension",
        "dimension_value",
        "value",
        "numerator",
        "denominator",
    ],
}


@pytest.mark.parametrize("table", sorted(SPEC_COLUMNS))
def test_fact_columns_are_in_the_contracts_order(wh, table):
    """An enforced dbt contract orders a table's columns as its yml lists them: the yml must keep the
    contract's order (SELECT * and positional clients rely on it)."""
    cols = [
        r[0]
        for r in query(
            wh,
            "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = ? "
            "order by column_index",
            [table],
        )
    ]
    assert cols[: len(SPEC_COLUMNS[table])] == SPEC_COLUMNS[table]


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
