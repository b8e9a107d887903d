"""Disclosure control on hand-made breakdowns (fast, no warehouse): the expected suppression patterns are
worked out by hand, and an attacker (tests/publication_attack.py, written without the engine) tries to
recover every suppressed cell by subtraction, or, for single groups, by enumerating every possibility."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.publication.disclosure import DOMAINS, Table, apply_control, control_table, decide, disclosure_k
from support.attack import enumerate_solutions, recover

K = 5
WINDOW = [(2007, 2009)]


def statuses(cells, totals, measure="persons", dim="sex", windows=WINDOW, k=K, domain=None):
    t = Table("T.x", dim, measure, cells, totals, DOMAINS.get(dim, ()) if domain is None else domain)
    res = control_table(t, windows, k)
    return res.status, res.withheld_periods


def test_k_from_environment(monkeypatch):
    monkeypatch.delenv("REVIEW_DISCLOSURE_K", raising=False)
    assert disclosure_k() == 5
    monkeypatch.setenv("REVIEW_DISCLOSURE_K", "10")
    assert disclosure_k() == 10
    monkeypatch.setenv("REVIEW_DISCLOSURE_K", "1")  # a 'C' flag would then say "exactly 1"
    with pytest.raises(ValueError):
        disclosure_k()


def test_nothing_small_nothing_suppressed():
    st, w = statuses({("2005", "F"): 100, ("2005", "M"): 95, ("2005", "U"): 6}, {"2005": 201})
    assert set(st.values()) == {"F"} and not w


def test_one_small_cell_takes_the_next_smallest_roomy_cell():
    # U = 3 is primary. Alone it would be total - F - M. Partner: the smallest cell with room
    # (>= k + 1 + 1 = 7): M = 95. Then U in 1..5, M = 98 - U: U can be 1..5 -> not recovered.
    st, _ = statuses({("2005", "F"): 100, ("2005", "M"): 95, ("2005", "U"): 3}, {"2005": 198})
    assert st == {("2005", "F"): "F", ("2005", "M"): "D", ("2005", "U"): "C"}
    sols = enumerate_solutions({"F": "F:100", "M": "D", "U": "C"}, 198, K, limit=200)
    assert {s["U"] for s in sols} == {1, 2, 3, 4, 5}


def test_a_partner_without_room_is_not_enough():
    # F = 1 (C). With M = 6 (D, > k) as its only partner the flags give F + M = 7, F >= 1, M >= 6:
    # F = 1 exactly. The engine picks U = 7 (room: 7 - 6 = 1) instead: F in 1..2 with U in 6..7.
    cells = {("2005", "F"): 1, ("2005", "M"): 6, ("2005", "U"): 7, ("2005", "X"): 8}
    st, _ = statuses(cells, {"2005": 22}, domain=())
    assert st == {("2005", "F"): "C", ("2005", "M"): "F", ("2005", "U"): "D", ("2005", "X"): "F"}
    assert len(enumerate_solutions({"F": "C", "M": "D"}, 7, K)) == 1  # the trap avoided
    assert {s["F"] for s in enumerate_solutions({"F": "C", "M": "F:6", "U": "D", "X": "F:8"}, 22, K)} == {1, 2}


def test_an_unprotectable_group_is_withheld():
    # total 7 = F 1 + M 6: any suppression pattern with flags pins F; the year is withheld whole.
    st, w = statuses({("2005", "F"): 1, ("2005", "M"): 6}, {"2005": 7})
    assert w == {"2005"} and set(st.values()) == {"W"}


def test_records_suppress_whole_rows_across_the_window():
    # Records: window = 2007 + 2008 + 2009 for every row. A = 2 in 2007 (and in the window) is primary.
    # Its partner row must be suppressed in every window period too, or B_2007 = B_W - B_2008 - B_2009.
    # B's 2008 cell then needs a partner of its own in 2008: C. Everything ends suppressed.
    cells = {
        ("2007", "A"): 2,
        ("2007-2009", "A"): 2,
        ("2007", "B"): 50,
        ("2008", "B"): 40,
        ("2009", "B"): 30,
        ("2007-2009", "B"): 120,
        ("2007", "C"): 60,
        ("2008", "C"): 60,
        ("2009", "C"): 60,
        ("2007-2009", "C"): 180,
    }
    totals = {"2007": 112, "2008": 100, "2009": 90, "2007-2009": 302}
    st, w = statuses(cells, totals, measure="records", dim="country_of_service", domain=())
    assert not w
    assert st[("2007", "A")] == st[("2007-2009", "A")] == "C"
    assert all(st[c] == "D" for c in cells if c[1] in "BC")


def test_years_outside_the_window_are_independent():
    cells = {("2005", "F"): 3, ("2005", "M"): 40, ("2005", "U"): 50, ("2010", "F"): 30, ("2010", "M"): 40}
    st, _ = statuses(cells, {"2005": 93, "2010": 70})
    assert st[("2005", "F")] == "C" and st[("2005", "M")] == "D" and st[("2005", "U")] == "F"
    assert st[("2010", "F")] == st[("2010", "M")] == "F"


# --- the whole pipeline of decisions on hand-made marts, attacked -------------------------------------


def _marts():
    """Two indicators: a person indicator (sex, age_band, countries) and ORG; years 2005 and 2007-2009."""
    ind = pl.DataFrame(
        {
            "indicator_code": ["ORG.beneficiaries_served", "P11.trafficked_persons_assisted", "P01.health_assessments"],
            "strategy_point": [None, 11, 1],
            "measure": ["persons", "persons", "records"],
            "unit": ["persons", "persons", "records"],
            "service_type": [None, "trafficking_assistance", "health_assessment"],
            "reached_point": [None, None, None],
            "share_attribute": [None, None, None],
            "share_value": [None, None, None],
        }
    )
    years = ["2005", "2007", "2008", "2009"]
    cells = []
    # P11: a sensitive indicator with small cells: one girl in THA in 2007, etc.
    p11 = {
        "2005": {"sex": {"F": 3}, "age_band": {"0-17": 1, "18-59": 2}, "country_of_service": {"THA": 3}},
        "2007": {
            "sex": {"F": 12, "M": 9},
            "age_band": {"0-17": 2, "18-59": 19},
            "country_of_service": {"THA": 14, "KHM": 7},
        },
        "2008": {
            "sex": {"F": 20, "M": 10},
            "age_band": {"0-17": 8, "18-59": 20, "60+": 2},
            "country_of_service": {"THA": 25, "KHM": 4, "LAO": 1},
        },
        "2009": {"sex": {"F": 15, "M": 15}, "age_band": {"18-59": 30}, "country_of_service": {"THA": 30}},
        "2007-2009": {
            "sex": {"F": 47, "M": 34},
            "age_band": {"0-17": 10, "18-59": 69, "60+": 2},
            "country_of_service": {"THA": 69, "KHM": 11, "LAO": 1},
        },
    }
    org = {
        p: {
            "sex": {"F": 100 + 5 * i, "M": 90, "U": 4},
            "country_of_service": {"THA": 40 + i, "KHM": 30, "LAO": 3 + i, "KEN": 21},
        }
        for i, p in enumerate(years + ["2007-2009"])
    }
    rec = {  # records: 2007-2009 = sum of years
        "2005": {"country_of_service": {"KEN": 40, "UGA": 2}},
        "2007": {"country_of_service": {"KEN": 50, "UGA": 3, "TZA": 20}},
        "2008": {"country_of_service": {"KEN": 60, "UGA": 10, "TZA": 20}},
        "2009": {"country_of_service": {"KEN": 70, "TZA": 4}},
    }
    rec["2007-2009"] = {
        "country_of_service": {
            v: sum(rec[y]["country_of_service"].get(v, 0) for y in years[1:]) for v in ("KEN", "UGA", "TZA")
        }
    }
    for code, data in (
        ("P11.trafficked_persons_assisted", p11),
        ("ORG.beneficiaries_served", org),
        ("P01.health_assessments", rec),
    ):
        for p, dims in data.items():
            for d, vals in dims.items():
                cells += [(code, p, d, v, float(x)) for v, x in vals.items() if x]
    b = pl.DataFrame(cells, schema=["indicator_code", "period", "dimension", "dimension_value", "value"], orient="row")
    b = b.with_columns(
        strategy_point=pl.lit(None, pl.Int32),
        numerator=pl.lit(None, pl.Float64),
        denominator=pl.lit(None, pl.Float64),
        unit=pl.lit("persons"),
    )
    tot = {("P11.trafficked_persons_assisted", p): sum(p11[p]["sex"].values()) for p in p11}
    tot |= {("ORG.beneficiaries_served", p): sum(org[p]["sex"].values()) for p in org}
    tot |= {("P01.health_assessments", p): sum(rec[p]["country_of_service"].values()) for p in rec}
    values = pl.DataFrame(
        [(c, None, int(p), t, None, None, "persons") for (c, p), t in tot.items() if "-" not in p],
        schema=["indicator_code", "strategy_point", "year", "value", "numerator", "denominator", "unit"],
        orient="row",
    )
    window = pl.DataFrame(
        [
            (c, None, 2007, 2009, t, None, None, None, None, None, None, "persons", "distinct")
            for (c, p), t in tot.items()
            if "-" in p
        ],
        schema=[
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
            "unit",
            "window_rule",
        ],
        orient="row",
    )
    rec_tab = pl.DataFrame(
        {
            "indicator_code": [],
            "period": [],
            "dimension": [],
            "dimension_value": [],
            "published_value": [],
            "computed_value": [],
            "holds": [],
        },
        schema={
            "indicator_code": pl.String,
            "period": pl.String,
            "dimension": pl.String,
            "dimension_value": pl.String,
            "published_value": pl.Float64,
            "computed_value": pl.Float64,
            "holds": pl.Boolean,
        },
    )
    return {
        "dim_indicator": ind,
        "fct_indicator_breakdown": b,
        "fct_indicator_values": values,
        "fct_indicator_window": window,
        "rpt_reconciliation": rec_tab,
    }


def test_hand_made_marts_resist_subtraction():
    frames = _marts()
    control = decide(frames, K)
    pub = apply_control(frames, control)
    b = pub["fct_indicator_breakdown"]
    # no published cell is in 1..k
    assert b.filter((pl.col("value") >= 1) & (pl.col("value") <= K)).is_empty()
    # the girl (0-17 in 2005, 1 person) is not published, and 2005 by sex (F = 3 = the total) is withheld
    assert ("P11.trafficked_persons_assisted", "2005", "sex") in control.withheld
    # the attacker recovers nothing
    assert recover(b, pub["fct_indicator_values"], pub["fct_indicator_window"], frames["dim_indicator"], K) == {}
    # ... while primary suppression alone gives cells away
    naive = frames["fct_indicator_breakdown"].with_columns(
        conf_status=pl.when(pl.col("value") <= K).then(pl.lit("C")).otherwise(pl.lit("F")),
        value=pl.when(pl.col("value") <= K).then(None).otherwise(pl.col("value")),
    )
    assert recover(naive, frames["fct_indicator_values"], frames["fct_indicator_window"], frames["dim_indicator"], K)


def test_flags_follow_sdmx():
    frames = _marts()
    pub = apply_control(frames, decide(frames, K))
    b = pub["fct_indicator_breakdown"]
    assert set(b["obs_status"].unique()) <= {"A", "Q"}
    assert set(b["conf_status"].unique()) <= {"F", "C", "D"}
    assert b.filter(pl.col("obs_status") == "Q")["value"].null_count() == b.filter(pl.col("obs_status") == "Q").height
    assert b.filter(pl.col("conf_status") == "F")["value"].null_count() == 0
    # a withheld group is one marker row without a dimension value
    markers = b.filter(pl.col("dimension_value").is_null())
    assert markers.height >= 1 and set(markers["conf_status"]) == {"C"}
