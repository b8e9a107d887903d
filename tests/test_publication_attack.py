"""The attacker of the disclosure tests works: it recovers a lone suppressed cell, uses the flags, and
fails on a protected group. The attacker itself is tests/support/attack.py."""

from __future__ import annotations

import polars as pl

from support.attack import enumerate_solutions, recover

# --- the attacker itself works ------------------------------------------------------------------------


def _one_group(cells: dict[str, tuple[float | None, str]], total: float, dim: str = "sex"):
    b = pl.DataFrame(
        [("T.p", "2005", dim, v, x, conf) for v, (x, conf) in cells.items()],
        schema=["indicator_code", "period", "dimension", "dimension_value", "value", "conf_status"],
        orient="row",
    )
    values = pl.DataFrame({"indicator_code": ["T.p"], "year": [2005], "value": [total], "numerator": [None]})
    window = pl.DataFrame(
        schema={"indicator_code": pl.String, "window_start": pl.Int64, "window_end": pl.Int64, "value": pl.Float64}
    )
    ind = pl.DataFrame({"indicator_code": ["T.p"], "measure": ["persons"]})
    return b, values, window, ind


def test_attacker_recovers_a_lone_suppressed_cell():
    # total 103 - F 100 = 3: the lone 'C' cell is recovered
    found = recover(*_one_group({"F": (100, "F"), "U": (None, "C")}, 103), k=5)
    assert found == {("T.p", "2005", "sex", "U"): 3}


def test_attacker_uses_the_flags():
    # F + M = 7 with F in 1..5 (C) and M >= 6 (D): F = 1, M = 6
    found = recover(*_one_group({"F": (None, "C"), "M": (None, "D")}, 7), k=5)
    assert found == {("T.p", "2005", "sex", "F"): 1, ("T.p", "2005", "sex", "M"): 6}
    assert len(enumerate_solutions({"F": "C", "M": "D"}, 7, 5)) == 1


def test_attacker_fails_on_a_protected_group():
    assert recover(*_one_group({"F": (100, "F"), "M": (None, "D"), "U": (None, "C")}, 198), k=5) == {}
