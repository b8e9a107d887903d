"""The attacker of the disclosure tests: recovers suppressed cells from what is published (interval
bounds over the additive structure), and enumerates a group's exact solutions. Used by
tests/test_publication_attack.py (the attacker's own tests), test_publication.py and
test_publication_disclosure.py."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

import polars as pl

INF = math.inf
MEASURES = ("persons", "records")


def _windows(window: pl.DataFrame) -> dict[str, list[str]]:
    return {
        f"{s}-{e}": [str(y) for y in range(s, e + 1)]
        for s, e in window.select("window_start", "window_end").unique().iter_rows()
    }


def recover(
    breakdown: pl.DataFrame, values: pl.DataFrame, window: pl.DataFrame, dim_indicator: pl.DataFrame, k: int
) -> dict[tuple, float]:
    """Suppressed cells the attacker pins down: {(indicator, period, dimension, value): value}."""
    measure = dict(dim_indicator.select("indicator_code", "measure").iter_rows())
    windows = _windows(window)
    totals: dict[tuple[str, str], float] = {}
    for c, y, v in values.select("indicator_code", "year", "value").iter_rows():
        totals[(c, str(y))] = v
    for c, s, e, v in window.select("indicator_code", "window_start", "window_end", "value").iter_rows():
        totals[(c, f"{s}-{e}")] = v
    lo: dict[tuple, float] = {}
    hi: dict[tuple, float] = {}
    known: dict[tuple, float] = {}
    withheld = set()
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)  # (code, dim, period) -> values
    rows: dict[tuple[str, str, str], set[str]] = defaultdict(set)  # (code, dim, value) -> periods
    for c, p, d, v, x, conf in breakdown.select(
        "indicator_code", "period", "dimension", "dimension_value", "value", "conf_status"
    ).iter_rows():
        if measure.get(c) not in MEASURES:
            continue
        if v is None:
            withheld.add((c, d, p))
            continue
        key = (c, p, d, v)
        groups[(c, d, p)].append(v)
        rows[(c, d, v)].add(p)
        t = totals.get((c, p)) or INF
        if conf == "F":
            known[key] = x
            lo[key] = hi[key] = x
        elif conf == "C":
            lo[key], hi[key] = 1, min(k, t)
        else:
            lo[key], hi[key] = k + 1, t

    def get(key):  # a cell: known, bounded, or an absent row (0) of a published group
        if key in lo:
            return lo[key], hi[key]
        c, p, d, _ = key
        if (c, d, p) in withheld:
            return 0, INF
        return 0, 0

    constraints = []  # (kind, terms, const): kind '=', '>=', '<='; terms [(coef, key)]
    for (c, d, p), vals in groups.items():
        t = totals.get((c, p))
        if t is None or (c, d, p) in withheld:
            continue
        terms = [(1, (c, p, d, v)) for v in vals]
        rel = None
        if measure[c] == "records":
            rel = "<=" if d == "destination_country" else "="
        elif d in ("sex", "age_band"):
            rel = "="
        elif d == "country_of_service":
            rel = ">="
        if rel:
            constraints.append((rel, terms, t))
    for c, d, v in rows:
        for label, years in windows.items():
            if (c, d, label) in withheld:
                continue
            wk = (c, label, d, v)
            ys = [(c, y, d, v) for y in years if (c, d, y) in groups or (c, d, y) in withheld]
            if measure[c] == "records":
                constraints.append(("=", [(1, wk)] + [(-1, y) for y in ys], 0))
            else:
                constraints.append((">=", [(-1, wk)] + [(1, y) for y in ys], 0))  # sum(years) - W >= 0
                if d in ("country_of_service", "destination_country"):
                    constraints += [(">=", [(1, wk), (-1, y)], 0) for y in ys]
    # ORG.beneficiaries_served >= every person indicator, by country
    for key in list(lo):
        c, p, d, v = key
        if (
            d in ("country_of_service", "destination_country")
            and measure[c] == "persons"
            and c != "ORG.beneficiaries_served"
        ):
            constraints.append((">=", [(1, ("ORG.beneficiaries_served", p, d, v)), (-1, key)], 0))
    # a published share numerator is a cell
    for _c, y, num in (
        values.filter(pl.col("indicator_code") == "P01.migrant_training_women_pct")
        .select("indicator_code", "year", "numerator")
        .iter_rows()
    ):
        if num is not None:
            constraints.append(("=", [(1, ("P01.migrant_training_participants", str(y), "sex", "F"))], num))

    for _ in range(50):
        changed = False
        for rel, terms, const in constraints:
            bounds = [get(key) for _, key in terms]
            # sum(coef * x) rel const
            smin = sum(cf * (b[0] if cf > 0 else b[1]) for (cf, _), b in zip(terms, bounds))
            smax = sum(cf * (b[1] if cf > 0 else b[0]) for (cf, _), b in zip(terms, bounds))
            for (cf, key), b in zip(terms, bounds):
                if key not in lo:
                    continue
                rest_min = smin - cf * (b[0] if cf > 0 else b[1])
                rest_max = smax - cf * (b[1] if cf > 0 else b[0])
                new_lo, new_hi = lo[key], hi[key]
                if rel in ("=", "<="):  # cf*x <= const - rest_min
                    bound = (const - rest_min) / cf
                    if cf > 0:
                        new_hi = min(new_hi, math.floor(bound + 1e-9))
                    else:
                        new_lo = max(new_lo, math.ceil(bound - 1e-9))
                if rel in ("=", ">="):  # cf*x >= const - rest_max
                    bound = (const - rest_max) / cf
                    if cf > 0:
                        new_lo = max(new_lo, math.ceil(bound - 1e-9))
                    else:
                        new_hi = min(new_hi, math.floor(bound + 1e-9))
                if (new_lo, new_hi) != (lo[key], hi[key]):
                    lo[key], hi[key] = new_lo, new_hi
                    changed = True
        if not changed:
            break
    return {key: lo[key] for key in lo if key not in known and lo[key] == hi[key]}


def enumerate_solutions(cells: dict[str, str], total: float, k: int, rel: str = "=", limit: float = 60):
    """Exact: every integer assignment of the suppressed cells of ONE group consistent with the
    published cells, the total and the flags. cells: value name -> 'F:<n>', 'C' or 'D'."""
    free = [v for v, s in cells.items() if not s.startswith("F")]
    fixed = sum(float(s[2:]) for s in cells.values() if s.startswith("F"))
    ranges = [range(1, k + 1) if cells[v] == "C" else range(k + 1, int(limit) + 1) for v in free]
    out = []
    for combo in itertools.product(*ranges):
        s = fixed + sum(combo)
        if (rel == "=" and s == total) or (rel == ">=" and s >= total) or (rel == "<=" and s <= total):
            out.append(dict(zip(free, combo)))
    return out
