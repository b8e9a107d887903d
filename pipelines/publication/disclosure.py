"""Disclosure control for everything published (editions, the review pack, exports).

This module makes every disclosure decision: the rule for one breakdown table (`control_table`, below),
the decisions for the marts of a build (`decide`: cells, withheld groups, share values, across
indicators) and applying them (`apply_control`, `redact_plausibility`, `long_flags`). published.py only
reads the marts and hands them here.

The internal marts keep exact values. What leaves the warehouse goes through `control_table`, which
decides, for every person- or record-count cell of a breakdown, whether it is published (conf_status
'F'), suppressed because it is small (primary, 'C'), or suppressed to protect a small cell (secondary,
'D'). A suppressed cell is published with value NULL and obs_status 'Q' (SDMX "missing value;
suppressed"); a published one has obs_status 'A' (normal). When a group cannot be protected by
suppressing cells (too few cells), the whole block is *withheld*: no cell of it is published, only a
marker row. docs/publication.md states the rule and its proof; in short:

Threat model. The attacker knows every published number, the rules of the tables, the meaning of the
flags (a 'C' cell holds 1..k, a 'D' cell more than k) and that a missing row of a published breakdown
means 0. The relations between published numbers that they can use are:

* column (one period, one dimension) vs the period's total, which is always published:
  sex, age_band, and record country_of_service: sum = total; person country_of_service: sum >= total;
  record destination_country: sum <= total; person destination_country: none. Person cells by
  country are also <= the total.
* row (one dimension value across the years of a review window and the window): records (window rule
  `sum`): window = sum of years; persons: window <= sum of years, and for countries year <= window.
* across indicators: a person's country cells of any person indicator are <= ORG.beneficiaries_served's.
* a share indicator is a breakdown in disguise: P01.migrant_training_women_pct's numerator is the
  participants' sex 'F' cell (so it is suppressed with it); the resettlement share is controlled as a
  two-cell breakdown (resettlement / other) of the participants.

Rule. (1) primary: every cell with 1 <= value <= k. (2) cells are suppressed by whole rows within a
*block*: the years of a review window plus the window (overlapping windows merge), or a single year
outside every window. If a dimension value is suppressed in any period of a block it is suppressed in
every period of the block in which it is non-zero. (3) every suppressed cell must carry a
*certificate*: two rows a, b of the block and a set of periods such that moving delta persons from b to
a in those periods keeps every relation above and every flag's bounds true. Such a move is another
complete data set that publishes exactly the same numbers, so the cell has at least two values an
attacker cannot tell apart. (4) secondary: while a cell has no certificate, the smallest row of its
column with room to give (value >= k + 2) is suppressed too (else the largest); when no row is left,
the block of that dimension is withheld (no cell published: each is unknown, >= 0) and the
certificates are checked again.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import polars as pl

from pipelines.publication.measures import CELL, DERIVED, Measure, controlled_as_cell
from schemas.beneficiaries import AGE_BANDS, SEXES

PUBLISHED, PRIMARY, SECONDARY, WITHHELD = "F", "C", "D", "W"
OBS_NORMAL, OBS_SUPPRESSED = "A", "Q"
INF = math.inf
VIRTUAL = "\x00other"  # a dimension value absent from a withheld block (any other country, sex, ...)
ORG_PERSONS = "ORG.beneficiaries_served"


class DisclosureError(RuntimeError):
    pass


def disclosure_k() -> int:
    """k from REVIEW_DISCLOSURE_K (default 5), through the settings (pipelines/settings.py): cells with 1..k
    persons or records are suppressed. At least 2: a 'C' flag with k = 1 would say "exactly 1"."""
    from pipelines.settings import Settings

    return Settings.from_env().disclosure_k


@dataclass(frozen=True)
class Relations:
    column: str | None  # '=', '>=', '<=' (sum of a period's cells vs the period total) or None
    row: str  # 'sum' (window = sum of years), 'le' (window <= sum), 'cover' (year <= window <= sum)
    cap_total: bool  # every cell <= the period total


def relations_for(measure: str, dimension: str) -> Relations:
    if measure == "records":
        return Relations({"destination_country": "<="}.get(dimension, "="), "sum", True)
    if dimension in ("country_of_service", "destination_country"):
        return Relations(">=" if dimension == "country_of_service" else None, "cover", True)
    return Relations("=", "le", True)  # sex, age_band, and the two-cell share breakdowns


def window_label(start: int, end: int) -> str:
    return f"{start}-{end}"


@dataclass
class Block:
    periods: list[str]
    windows: list[tuple[str, list[str]]]  # (window label, its years as text)


def make_blocks(periods: set[str], windows: list[tuple[int, int]]) -> list[Block]:
    """Overlapping windows merge into one block; each other year is a block of its own."""
    groups: list[list[tuple[int, int]]] = []
    for w in sorted(set(windows)):
        if groups and w[0] <= max(e for _, e in groups[-1]):
            groups[-1].append(w)
        else:
            groups.append([w])
    blocks, covered = [], set()
    for g in groups:
        years = sorted({str(y) for s, e in g for y in range(s, e + 1)})
        labels = [(window_label(s, e), [str(y) for y in range(s, e + 1)]) for s, e in g]
        covered |= set(years) | {lbl for lbl, _ in labels}
        blocks.append(Block(periods=years + [lbl for lbl, _ in labels], windows=labels))
    for p in sorted(periods - covered):
        blocks.append(Block(periods=[p], windows=[]))
    return blocks


@dataclass
class Table:
    """One indicator's breakdown by one dimension: every non-zero cell, and the period totals."""

    indicator_code: str
    dimension: str
    measure: str  # 'persons' or 'records'
    cells: dict[tuple[str, str], float]  # (period, dimension_value) -> value (> 0)
    totals: dict[str, float]
    domain: tuple[str, ...] = ()  # known values of the dimension (for withheld blocks)
    hi_caps: dict[tuple[str, str], float] = field(default_factory=dict)  # cross-indicator upper bounds
    lo_caps: dict[tuple[str, str], float] = field(default_factory=dict)  # cross-indicator lower bounds


@dataclass
class TableResult:
    status: dict[tuple[str, str], str]  # cell -> 'F', 'C', 'D' or 'W' (in a withheld block)
    withheld_periods: set[str]
    uncertified: list[tuple[str, str]] = field(default_factory=list)  # withheld cells without a certificate


class _Controller:
    def __init__(self, table: Table, windows: list[tuple[int, int]], k: int):
        self.t = table
        self.k = k
        self.rel = relations_for(table.measure, table.dimension)
        self.need_c = 1  # at least two values consistent with everything published
        self.x = {key: float(v) for key, v in table.cells.items() if v and v > 0}
        for key, v in self.x.items():
            if v != round(v):
                raise DisclosureError(f"{table.indicator_code} {key}: a count must be whole, not {v}")
        self.rows_by_period: dict[str, set[str]] = defaultdict(set)
        for p, v in self.x:
            self.rows_by_period[p].add(v)
        self.blocks = make_blocks(set(self.rows_by_period) | set(table.totals), windows)
        self.status: dict[tuple[str, str], str] = {}
        self.withheld: set[str] = set()
        self.uncertified: list[tuple[str, str]] = []
        self._ranges: dict = {}
        self._partners: dict = {}

    # --- what the attacker knows about a cell ------------------------------------------------------
    def state(self, p: str, v: str) -> str:
        if p in self.withheld:
            return WITHHELD
        s = self.status.get((p, v))
        if s:
            return s
        return "Z" if (p, v) not in self.x else PUBLISHED

    def bounds(self, p: str, v: str) -> tuple[float, float] | None:
        st = self.state(p, v)
        if st == PRIMARY:
            lo, hi = 1.0, float(self.k)
        elif st == SECONDARY:
            lo, hi = float(self.k + 1), INF
        elif st == WITHHELD:
            lo, hi = 0.0, INF
        else:
            return None  # published (or a published zero): fixed
        if self.rel.cap_total:
            hi = min(hi, self.t.totals.get(p, INF))
        hi = min(hi, self.t.hi_caps.get((p, v), INF))
        lo = max(lo, self.t.lo_caps.get((p, v), 0.0))
        return lo, hi

    # --- certificates --------------------------------------------------------------------------------
    def row_range(self, block: Block, r: str, cols: frozenset[tuple[str, int]], s: int) -> tuple[float, float]:
        """The deltas d for which adding s*sign*d to row r in every (period, sign) of `cols` keeps r's
        bounds and r's row relations true: an interval containing 0, or (0, 0) when r cannot move.

        A move of d persons from row b to row a keeps every column total, so it is valid exactly when
        d is in row_range(a, +1) and in row_range(b, -1): the two rows are constrained independently."""
        key = (r, cols, s)
        hit = self._ranges.get(key)
        if hit is not None:
            return hit
        lo_d, hi_d = -INF, INF
        sign = dict(cols)
        for q, sg in cols:
            bd = self.bounds(q, r)
            if bd is None:
                self._ranges[key] = (0.0, 0.0)
                return 0.0, 0.0
            x = self.x.get((q, r), 0.0)
            lo, hi = bd
            if s * sg > 0:
                lo_d, hi_d = max(lo_d, lo - x), min(hi_d, hi - x)
            else:
                lo_d, hi_d = max(lo_d, x - hi), min(hi_d, x - lo)
        for label, years in block.windows:
            dw = s * sign.get(label, 0)
            dy = {y: s * sign.get(y, 0) for y in years}
            if dw == 0 and not any(dy.values()):
                continue
            xw = self.x.get((label, r), 0.0)
            xy = {y: self.x.get((y, r), 0.0) for y in years}
            constraints = []  # (c, rhs): c * d <= rhs
            if self.rel.row == "sum":
                if dw != sum(dy.values()):
                    self._ranges[key] = (0.0, 0.0)
                    return 0.0, 0.0
            else:
                constraints.append((dw - sum(dy.values()), sum(xy.values()) - xw))
                if self.rel.row == "cover":
                    constraints += [(dy[y] - dw, xw - xy[y]) for y in years]
            for c, rhs in constraints:
                if c > 0:
                    hi_d = min(hi_d, rhs / c)
                elif c < 0:
                    lo_d = max(lo_d, rhs / c)
        lo_i = float(math.ceil(lo_d - 1e-9)) if lo_d > -INF else -INF
        hi_i = float(math.floor(hi_d + 1e-9)) if hi_d < INF else INF
        out = (0.0, 0.0) if lo_i > 0 or hi_i < 0 else (lo_i, hi_i)
        self._ranges[key] = out
        return out

    def delta_range(self, block: Block, a: str, b: str, cols: frozenset[tuple[str, int]]) -> tuple[float, float]:
        """The deltas d for which (a += sign*d, b -= sign*d in every (period, sign) of `cols`) keeps
        every bound and relation true (every column total is unchanged by construction)."""
        la, ha = self.row_range(block, a, cols, 1)
        lb, hb = self.row_range(block, b, cols, -1)
        return max(la, lb), min(ha, hb)

    def patterns(self, block: Block, p: str) -> list[frozenset[tuple[str, int]]]:
        """The moves tried for a cell of period p, as {(period, sign)}: the cell alone; with the
        windows containing it (a window cell: with one of its years); or against another year of the
        same window (that window unchanged)."""
        labels = {lbl: years for lbl, years in block.windows}
        out: list[frozenset[tuple[str, int]]] = []
        if p in labels:  # a window cell
            if self.rel.row != "sum":
                out.append(frozenset([(p, 1)]))
            for y in labels[p]:
                out.append(frozenset([(y, 1), *((lbl, 1) for lbl, ys in block.windows if y in ys)]))
            return out
        containing = [lbl for lbl, ys in block.windows if p in ys]
        if self.rel.row != "sum" or not containing:
            out.append(frozenset([(p, 1)]))
        if containing:
            out.append(frozenset([(p, 1), *((lbl, 1) for lbl in containing)]))
            others = sorted({y for lbl in containing for y in labels[lbl]} - {p})
            for y in others:
                if all(y in labels[lbl] for lbl in containing) and not any(
                    y in ys and p not in ys for ys in labels.values()
                ):  # every window holds both years or neither: all window cells unchanged
                    out.append(frozenset([(p, 1), (y, -1)]))
        return out

    def partners(self, block: Block, p: str, a: str) -> list[str]:
        rows = self._partners.get(p)
        if rows is None:
            if p in self.withheld:
                found = {v for (q, v) in self.x if q in block.periods} | set(self.t.domain)
                if not self.t.domain:  # an open list (countries): some other value is always possible
                    found.add(VIRTUAL)
            else:
                found = {v for v in self.rows_by_period.get(p, ()) if self.status.get((p, v)) in (PRIMARY, SECONDARY)}
            rows = self._partners[p] = sorted(found)
        return [v for v in rows if v != a]

    def required(self, p: str, a: str) -> int:
        return self.need_c if self.state(p, a) == PRIMARY else 1

    def certified(self, block: Block, p: str, a: str) -> bool:
        """True when moves of persons between a and another row show at least `required` other values
        of the cell (p, a) that are consistent with everything published."""
        need = self.required(p, a)
        up = down = 0.0
        for cols in self.patterns(block, p):
            la, ha = self.row_range(block, a, cols, 1)
            if la == ha == 0:
                continue
            best_hi = best_down = 0.0
            for b in self.partners(block, p, a):
                lb, hb = self.row_range(block, b, cols, -1)
                best_hi, best_down = max(best_hi, hb), max(best_down, -lb)
                if max(up, min(ha, best_hi)) + max(down, min(-la, best_down)) >= need:
                    return True
            up, down = max(up, min(ha, best_hi)), max(down, min(-la, best_down))
        return up + down >= need

    def changed(self) -> None:
        self._ranges.clear()
        self._partners.clear()

    # --- the greedy loop -------------------------------------------------------------------------------
    def suppressed_cells(self, block: Block) -> list[tuple[str, str]]:
        return [
            (p, v) for (p, v) in self.x if p in block.periods and self.state(p, v) in (PRIMARY, SECONDARY, WITHHELD)
        ]

    def apply_rows(self, block: Block, rows: set[str]) -> None:
        self.changed()
        for (p, v), x in self.x.items():
            if p in block.periods and v in rows:
                self.status[(p, v)] = PRIMARY if x <= self.k else SECONDARY

    def run(self) -> TableResult:
        for block in self.blocks:
            rows = {v for (p, v), x in self.x.items() if p in block.periods and x <= self.k}
            self.apply_rows(block, rows)
            certified: set[tuple[str, str]] = set()
            while True:
                failing = []
                for cell in self.suppressed_cells(block):
                    if cell in certified:
                        continue
                    if self.certified(block, *cell):
                        certified.add(cell)  # more suppression only widens what the attacker must allow
                    else:
                        failing.append(cell)
                if not failing:
                    break
                added = False
                for p in sorted({p for p, _ in failing}):
                    cand = [v for v in self.rows_by_period.get(p, ()) if v not in rows]
                    if not cand or p in self.withheld:
                        continue
                    roomy = [v for v in cand if self.x[(p, v)] >= self.k + 1 + self.need_c]
                    pick = (
                        min(roomy, key=lambda v: (self.x[(p, v)], v))
                        if roomy
                        else max(cand, key=lambda v: (self.x[(p, v)], v))
                    )
                    rows.add(pick)
                    added = True
                if added:
                    self.apply_rows(block, rows)
                    continue
                if set(block.periods) <= self.withheld:
                    # Nothing of the block is published; only the (published) totals and other tables
                    # bound its cells. Recorded, not fatal.
                    self.uncertified += [(p, v) for p, v in failing]
                    break
                self.withheld |= set(block.periods)
                self.changed()
        status = {}
        for cell in self.x:
            st = self.state(*cell)
            status[cell] = st
        return TableResult(status=status, withheld_periods=set(self.withheld), uncertified=self.uncertified)


def control_table(table: Table, windows: list[tuple[int, int]], k: int) -> TableResult:
    return _Controller(table, windows, k).run()


DOMAINS = {  # the code lists from the seeds (schemas); a case_category share is controlled as two cells
    "sex": SEXES,
    "age_band": AGE_BANDS,
    "case_category": ("resettlement", "other"),
}


COUNT_MEASURES = ("persons", "records")


# --- the decisions for the marts, and applying them ---------------------------------------------------------------------


@dataclass
class Control:
    """The decisions: status per breakdown cell, per share value, per withheld group."""

    cell: dict[tuple[str, str, str, str], str]  # (indicator, period, dimension, value) -> F/C/D/W
    withheld: set[tuple[str, str, str]]  # (indicator, period, dimension)
    share: dict[tuple[str, str], str]  # (share indicator, period) -> F/C/D/W
    uncertified: list[tuple] = field(default_factory=list)


def _windows(window: pl.DataFrame) -> list[tuple[int, int]]:
    return sorted({(int(s), int(e)) for s, e in window.select("window_start", "window_end").iter_rows()})


def _totals(values: pl.DataFrame, window: pl.DataFrame) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for code, year, v in values.select("indicator_code", "year", "value").iter_rows():
        out[code][str(year)] = float(v or 0)
    for code, s, e, v in window.select("indicator_code", "window_start", "window_end", "value").iter_rows():
        out[code][window_label(s, e)] = float(v or 0)
    return out


def decide(frames: dict[str, pl.DataFrame], k: int) -> Control:
    ind = frames["dim_indicator"]
    measure = dict(ind.select("indicator_code", "measure").iter_rows())
    windows = _windows(frames["fct_indicator_window"])
    totals = _totals(frames["fct_indicator_values"], frames["fct_indicator_window"])
    cells: dict[tuple[str, str], dict[tuple[str, str], float]] = defaultdict(dict)
    for code, period, dim, val, v in (
        frames["fct_indicator_breakdown"]
        .select("indicator_code", "period", "dimension", "dimension_value", "value")
        .iter_rows()
    ):
        if measure.get(code) in COUNT_MEASURES and v:
            cells[(code, dim)][(period, val)] = float(v)

    # Cross-indicator bounds: every person indicator's country cell is <= ORG.beneficiaries_served's.
    # Each certificate moves persons within one indicator's table; the other table is represented by
    # what an attacker knows of its cell: the published value, or the bounds of its flag. ORG is
    # controlled first (without these bounds), then every other indicator (bounded above by ORG), then
    # ORG again (bounded below by the others): more suppression only loosens the bounds used before.
    country_dims = ("country_of_service", "destination_country")
    control = Control(cell={}, withheld=set(), share={})
    known = {PRIMARY: (1.0, float(k)), SECONDARY: (float(k + 1), INF), WITHHELD: (0.0, INF)}

    def bound(code: str, p: str, d: str, v: str, x: float | None) -> tuple[float, float]:
        st = control.cell.get((code, p, d, v), PUBLISHED)
        if (code, p, d) in control.withheld:
            st = WITHHELD
        return known.get(st, (x or 0.0, x or 0.0))

    def run(code: str, dim: str, tab: dict, hi: dict | None = None, lo: dict | None = None) -> None:
        table = Table(code, dim, measure[code], tab, totals.get(code, {}), DOMAINS.get(dim, ()), hi or {}, lo or {})
        res = control_table(table, windows, k)
        for (p, v), st in res.status.items():
            control.cell[(code, p, dim, v)] = st
        for p in res.withheld_periods:
            if totals.get(code, {}).get(p):
                control.withheld.add((code, p, dim))
        control.uncertified.extend((code, dim, *c) for c in res.uncertified)

    def nested(dim: str) -> list[str]:
        return sorted(c for (c, d) in cells if d == dim and c != ORG_PERSONS and measure.get(c) == "persons")

    for (code, dim), tab in sorted(cells.items()):
        if code == ORG_PERSONS:
            run(code, dim, tab)
    for (code, dim), tab in sorted(cells.items()):
        if code == ORG_PERSONS:
            continue
        hi: dict[tuple[str, str], float] = {}
        if dim in country_dims and code in nested(dim):
            org = cells.get((ORG_PERSONS, dim), {})
            for p, v in tab:
                hi[(p, v)] = bound(ORG_PERSONS, p, dim, v, org.get((p, v)))[1]
            for p in {p for p, _ in org}:  # "some other country", in a withheld block
                hi[(p, VIRTUAL)] = max(
                    (bound(ORG_PERSONS, p, dim, v, x)[1] for (q, v), x in org.items() if q == p and (p, v) not in tab),
                    default=0.0,
                )
        run(code, dim, tab, hi=hi)
    for dim in country_dims:
        tab = cells.get((ORG_PERSONS, dim))
        if not tab:
            continue
        lo: dict[tuple[str, str], float] = {}
        for other in nested(dim):
            for (p, v), x in cells[(other, dim)].items():
                lo[(p, v)] = max(lo.get((p, v), 0.0), bound(other, p, dim, v, x)[0])
        for key in [key for key in control.cell if key[0] == ORG_PERSONS and key[2] == dim]:
            del control.cell[key]
        control.withheld -= {w for w in control.withheld if w[0] == ORG_PERSONS and w[2] == dim}
        run(ORG_PERSONS, dim, tab, lo=lo)

    # Share indicators: a breakdown in disguise.
    values, window = frames["fct_indicator_values"], frames["fct_indicator_window"]
    for row in ind.filter(pl.col("measure") == "person_share").iter_rows(named=True):
        code, attr, share_value = row["indicator_code"], row["share_attribute"], row["share_value"]
        base = ind.filter(
            (pl.col("measure") == "persons")
            & (pl.col("service_type") == row["service_type"])
            & pl.col("reached_point").is_null()
        )["indicator_code"].to_list()
        nums = {
            str(y): (n, d)
            for y, n, d in values.filter(pl.col("indicator_code") == code)
            .select("year", "numerator", "denominator")
            .iter_rows()
        }
        nums |= {
            window_label(s, e): (n, d)
            for s, e, n, d in window.filter(pl.col("indicator_code") == code)
            .select("window_start", "window_end", "numerator", "denominator")
            .iter_rows()
        }
        if base and attr in DOMAINS and (base[0], attr) in cells:
            # the numerator IS the base indicator's breakdown cell: same decision
            for p in nums:
                if (base[0], p, attr) in control.withheld:
                    control.share[(code, p)] = WITHHELD
                else:
                    control.share[(code, p)] = control.cell.get((base[0], p, attr, share_value), PUBLISHED)
            continue
        # otherwise: a two-cell breakdown (share value / other) of the denominator
        tab = {}
        for p, (n, d) in nums.items():
            n, d = float(n or 0), float(d or 0)
            if n:
                tab[(p, share_value)] = n
            if d - n:
                tab[(p, "other")] = d - n
        res = control_table(
            Table(code, attr, "persons", tab, {p: float(d or 0) for p, (_, d) in nums.items()}, (share_value, "other")),
            windows,
            k,
        )
        for p in nums:
            if p in res.withheld_periods:
                control.share[(code, p)] = WITHHELD
            else:
                sts = {res.status.get((p, share_value), PUBLISHED), res.status.get((p, "other"), PUBLISHED)}
                control.share[(code, p)] = PRIMARY if PRIMARY in sts else SECONDARY if SECONDARY in sts else PUBLISHED
    return control


def apply_control(frames: dict[str, pl.DataFrame], control: Control) -> dict[str, pl.DataFrame]:
    """The published (controlled) versions of the marts. Audit summaries carry no person counts."""
    out = dict(frames)
    # breakdown: suppressed cells NULL with flags; withheld groups as one marker row each
    b = frames["fct_indicator_breakdown"]
    status = [
        control.cell.get((c, p, d, v), PUBLISHED)
        for c, p, d, v in b.select("indicator_code", "period", "dimension", "dimension_value").iter_rows()
    ]
    b = b.with_columns(pl.Series("_st", status, dtype=pl.String))
    markers = (
        b.filter(pl.col("_st") == WITHHELD)
        .group_by("indicator_code", "strategy_point", "period", "dimension", "unit")
        .agg()
        .with_columns(dimension_value=pl.lit(None, pl.String), _st=pl.lit(WITHHELD))
    )
    b = pl.concat([b.filter(pl.col("_st") != WITHHELD), markers], how="diagonal_relaxed")
    # a suppressed cell shows no number at all (the mart's numerator and denominator are always NULL)
    out["fct_indicator_breakdown"] = _with_flags(b, ["value", "numerator", "denominator"]).sort(
        "indicator_code", "period", "dimension", "dimension_value", nulls_last=True
    )
    # values: share indicators follow their cell
    v = frames["fct_indicator_values"]
    st = [control.share.get((c, str(y)), PUBLISHED) for c, y in v.select("indicator_code", "year").iter_rows()]
    out["fct_indicator_values"] = _with_flags(
        v.with_columns(pl.Series("_st", st, dtype=pl.String)), controlled_as_cell("fct_indicator_values")
    )
    # window: the window's own value, and the yearly figures derived from suppressed years
    w = frames["fct_indicator_window"]
    rows = []
    for r in w.iter_rows(named=True):
        c, s, e = r["indicator_code"], r["window_start"], r["window_end"]
        own = control.share.get((c, window_label(s, e)), PUBLISHED)
        first = control.share.get((c, str(s)), PUBLISHED)
        last = control.share.get((c, str(e)), PUBLISHED)
        any_year = any(control.share.get((c, str(y)), PUBLISHED) != PUBLISHED for y in range(s, e + 1))
        rows.append((own, first != PUBLISHED, last != PUBLISHED, any_year))
    masks = pl.DataFrame(rows, schema=["_st", "_first", "_last", "_any"], orient="row")
    w = pl.concat([w, masks], how="horizontal")
    w = w.with_columns(
        first_year_value=pl.when(pl.col("_first")).then(None).otherwise(pl.col("first_year_value")),
        last_year_value=pl.when(pl.col("_last")).then(None).otherwise(pl.col("last_year_value")),
        yearly_mean=pl.when(pl.col("_any")).then(None).otherwise(pl.col("yearly_mean")),
        change_pct=pl.when(pl.col("_first") | pl.col("_last")).then(None).otherwise(pl.col("change_pct")),
        derived_conf_status=pl.when(pl.col("_first") | pl.col("_last") | pl.col("_any"))
        .then(pl.lit(SECONDARY))
        .otherwise(pl.lit(PUBLISHED)),
    ).drop("_first", "_last", "_any")
    out["fct_indicator_window"] = _with_flags(w, controlled_as_cell("fct_indicator_window"))
    # reconciliation: no computed value (nor verdict) from a suppressed number
    rec = frames["rpt_reconciliation"]
    hidden = []
    for c, period, d, dv in rec.select("indicator_code", "period", "dimension", "dimension_value").iter_rows():
        if d is not None:
            st = PUBLISHED if (c, period, d) not in control.withheld else WITHHELD
            st = control.cell.get((c, period, d, dv), st)
        else:
            st = control.share.get((c, period), PUBLISHED)
        hidden.append(st != PUBLISHED)
    out["rpt_reconciliation"] = (
        rec.with_columns(_h=pl.Series(hidden, dtype=pl.Boolean))
        .with_columns(
            computed_value=pl.when(pl.col("_h")).then(None).otherwise(pl.col("computed_value")),
            holds=pl.when(pl.col("_h")).then(None).otherwise(pl.col("holds")),
            conf_status=pl.when(pl.col("_h")).then(pl.lit(PRIMARY)).otherwise(pl.lit(PUBLISHED)),
        )
        .drop("_h")
    )
    if "rpt_plausibility" in frames:
        out["rpt_plausibility"] = redact_plausibility(frames["rpt_plausibility"], control)
    return out


REDACTED_SENTENCE = "A check flagged a confidential figure; its details are not published."


def redact_plausibility(flags: pl.DataFrame, control: Control) -> pl.DataFrame:
    """Plausibility flags as published: a flag on a suppressed breakdown cell, a withheld group or a
    suppressed share value shows neither its observed value nor its sentence (which quotes the value)."""
    hidden = []
    cols = [c for c in ("indicator_code", "period", "dimension", "dimension_value") if c in flags.columns]
    for r in flags.select(cols).iter_rows(named=True):
        code, period = r.get("indicator_code"), None if r.get("period") is None else str(r["period"])
        dim, val = r.get("dimension"), r.get("dimension_value")
        if code is None or period is None:
            hidden.append(False)
        elif dim is not None:
            st = (
                WITHHELD
                if (code, period, dim) in control.withheld
                else control.cell.get((code, period, dim, val), PUBLISHED)
            )
            hidden.append(st != PUBLISHED)
        else:
            hidden.append(control.share.get((code, period), PUBLISHED) != PUBLISHED)
    mask = pl.Series("_h", hidden, dtype=pl.Boolean)
    out = flags.with_columns(mask)
    changes = []
    if "observed" in flags.columns:
        changes.append(pl.when(pl.col("_h")).then(None).otherwise(pl.col("observed")).alias("observed"))
    if "sentence" in flags.columns:
        changes.append(
            pl.when(pl.col("_h")).then(pl.lit(REDACTED_SENTENCE)).otherwise(pl.col("sentence")).alias("sentence")
        )
    return out.with_columns(*changes).drop("_h") if changes else out.drop("_h")


def _with_flags(df: pl.DataFrame, masked: list[str]) -> pl.DataFrame:
    hide = pl.col("_st") != PUBLISHED
    return df.with_columns(
        *[pl.when(hide).then(None).otherwise(pl.col(c)).alias(c) for c in masked if c in df.columns],
        obs_status=pl.when(hide).then(pl.lit(OBS_SUPPRESSED)).otherwise(pl.lit(OBS_NORMAL)),
        conf_status=pl.when(pl.col("_st") == PUBLISHED)
        .then(pl.lit(PUBLISHED))
        .when(pl.col("_st") == SECONDARY)
        .then(pl.lit(SECONDARY))
        .otherwise(pl.lit(PRIMARY)),
    ).drop("_st")


def control_frames(frames: dict[str, pl.DataFrame], k: int) -> tuple[dict[str, pl.DataFrame], Control]:
    control = decide(frames, k)
    return apply_control(frames, control), control


def suppression_summary(frames: dict[str, pl.DataFrame]) -> dict:
    b = frames["fct_indicator_breakdown"]
    markers = b.filter(pl.col("dimension_value").is_null())
    cells = b.filter(pl.col("dimension_value").is_not_null())
    return {
        "cells": cells.height,
        "primary": cells.filter(pl.col("conf_status") == PRIMARY).height,
        "secondary": cells.filter(pl.col("conf_status") == SECONDARY).height,
        "withheld_groups": markers.height,
    }


def long_flags(measure: Measure) -> list[pl.Expr]:
    """obs_status and conf_status of a measure's numbers in the long form (published.long_values), over a
    controlled frame: a `cell` measure has its row's flags; a `derived` one (window figures derived from
    the years) is suppressed, secondary, where apply_control removed it; a `none` one is always published."""
    if measure.disclosure == CELL:
        return [pl.col("obs_status"), pl.col("conf_status")]
    if measure.disclosure == DERIVED:
        hidden = pl.col(measure.measure).is_null() & (pl.col("derived_conf_status") != PUBLISHED)
        return [
            pl.when(hidden).then(pl.lit(OBS_SUPPRESSED)).otherwise(pl.lit(OBS_NORMAL)).alias("obs_status"),
            pl.when(hidden).then(pl.lit(SECONDARY)).otherwise(pl.lit(PUBLISHED)).alias("conf_status"),
        ]
    return [pl.lit(OBS_NORMAL).alias("obs_status"), pl.lit(PUBLISHED).alias("conf_status")]
