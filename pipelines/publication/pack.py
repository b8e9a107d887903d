"""The review pack: a self-contained HTML report and an Excel workbook (plus CSV exports), generated from
an edition or from the current build, always from disclosure-controlled figures (a Publication).

HTML: inline CSS and inline SVG charts, no script, no external resource of any kind, so it opens from a
file or an e-mail attachment without a network; a print stylesheet lays it out on A4 landscape, one point
per page. One section per strategy point (its text, its indicators by year with the window value, yearly
mean and change, a trend chart per indicator, breakdowns by sex, age band and country, the reconciliation
verdicts against the published review), organisation-wide figures, a data-quality page and the
definitions.

XLSX / CSV: the same tables, numbers as numbers with number formats by unit. A text cell that begins with
'=', '+', '-', '@' (or a tab / carriage return) is prefixed with an apostrophe so that no spreadsheet
evaluates it.

Cells: a number; `c` confidential (suppressed by disclosure control, SDMX conf_status C or D); `–` no data
(a year before the indicator's first year with data, or a percentage without participants; empty in the
workbook); a provisional year (marts.dim_year) is marked `p`.
"""

from __future__ import annotations

import csv
import html
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.publication.published import Publication

SUPPRESSED_MARK = "c"  # as in many statistical tables: confidential, not published
NO_DATA_MARK = "–"
PROVISIONAL_MARK = "p"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
CONTEXT_YEARS = 3  # the main table of a section shows this many years before the window, then the rest
TOP_COUNTRIES = 10
COUNTRY_INDICATORS = ("P10.avrr_returns", "P01.resettlement_persons", "P12.labour_migrants_deployed")
UNIT_LABEL = {
    "usd": "USD",
    "percent": "%",
    "persons": "persons",
    "records": "records",
    "projects": "projects",
    "countries": "countries",
}
DIMENSION_LABEL = {
    "sex": "Sex",
    "age_band": "Age band",
    "country_of_service": "Country of service",
    "destination_country": "Destination country",
}
SEX_LABEL = {"F": "Women and girls", "M": "Men and boys", "U": "Sex not recorded"}
TITLE = "Strategy review: indicators by strategy point"


def neutralise(value):
    """A text cell that a spreadsheet would evaluate becomes plain text."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def unit_caption(name: str, unit: str) -> str:
    """The chart caption: the name, with its unit unless the name already says it ('Expenditure (USD)',
    'Migrant training participants who are women (%)', 'Active projects' stay as they are)."""
    label = UNIT_LABEL.get(unit, unit or "")
    low = name.lower()
    if not label or label.lower() in low or (unit == "percent" and ("%" in name or "per cent" in low)):
        return name
    return f"{name} ({label})"


# --- cells ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One published number, or why there is none. kind: 'num', 'c' (confidential), 'nodata'."""

    kind: str
    value: float | None = None
    flag: str = ""  # conf_status of a confidential cell (C primary, D secondary)
    provisional: bool = False

    @property
    def number(self):
        return self.value if self.kind == "num" else None


NODATA = Cell("nodata")


def _num(v) -> bool:
    return isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v))


# --- the figures, arranged ------------------------------------------------------------------------------


class Figures:
    def __init__(self, pub: Publication):
        self.pub = pub
        self.ind = pub["dim_indicator"]
        self.unit = dict(self.ind.select("indicator_code", "unit").iter_rows())
        self.points = pub["dim_strategy_point"].sort("strategy_point")
        values = pub["fct_indicator_values"]
        self.years = sorted(values["year"].unique().to_list())
        self.values: dict[str, dict[int, tuple]] = {}
        self.first_data: dict[str, int] = {}
        for r in values.iter_rows(named=True):
            st = r.get("conf_status") or "F"
            self.values.setdefault(r["indicator_code"], {})[r["year"]] = (r["value"], st)
            if st != "F" or (_num(r["value"]) and r["value"] != 0):
                code = r["indicator_code"]
                self.first_data[code] = min(self.first_data.get(code, r["year"]), r["year"])
        self.windows = sorted(
            {(s, e) for s, e in pub["fct_indicator_window"].select("window_start", "window_end").iter_rows()}
        )
        self.window: dict[tuple[str, int, int], dict] = {
            (r["indicator_code"], r["window_start"], r["window_end"]): r
            for r in pub["fct_indicator_window"].iter_rows(named=True)
        }
        self.rec = pub["rpt_reconciliation"]
        dy = pub.frames.get("dim_year")
        self.provisional: dict[int, str] = {}
        if dy is not None:
            self.provisional = {
                int(r["year"]): r["provisional_reason"] or "provisional"
                for r in dy.iter_rows(named=True)
                if r["is_provisional"]
            }

    def indicators(self, point: int | None) -> list[dict]:
        df = self.ind.filter(pl.col("strategy_point").is_null() if point is None else pl.col("strategy_point") == point)
        return df.sort("indicator_code").to_dicts()

    def section_years(self, point: int | None) -> list[int]:
        """From the section's first year with data (or the window's start, if earlier) to the last year."""
        firsts = [
            self.first_data[d["indicator_code"]]
            for d in self.indicators(point)
            if d["indicator_code"] in self.first_data
        ]
        first = min(firsts, default=self.years[-1] if self.years else 0)
        if self.windows:
            first = min(first, self.windows[0][0])
        return [y for y in self.years if y >= first]

    def split_years(self, point: int | None) -> tuple[list[int], list[int]]:
        """(earlier years, main years): the main table starts CONTEXT_YEARS before the first window."""
        years = self.section_years(point)
        if not self.windows:
            return [], years
        cut = self.windows[0][0] - CONTEXT_YEARS
        return [y for y in years if y < cut], [y for y in years if y >= cut]

    def cell(self, code: str, year: int) -> Cell:
        prov = year in self.provisional
        if year < self.first_data.get(code, 10**6):
            return Cell("nodata", provisional=prov)
        v, st = self.values.get(code, {}).get(year, (None, "F"))
        if st != "F":
            return Cell("c", flag=st, provisional=prov)
        if not _num(v):
            return Cell("nodata", provisional=prov)
        return Cell("num", float(v), provisional=prov)

    def window_cells(self, code: str, s: int, e: int) -> list[Cell]:
        """The window's value, yearly mean and change %."""
        w = self.window.get((code, s, e))
        if w is None:
            return [NODATA, NODATA, NODATA]
        prov = any(y in self.provisional for y in range(s, e + 1))
        out = []
        st = w.get("conf_status") or "F"
        out.append(
            Cell("c", flag=st, provisional=prov)
            if st != "F"
            else Cell("num", float(w["value"]), provisional=prov)
            if _num(w.get("value"))
            else NODATA
        )
        derived = w.get("derived_conf_status") or "F"
        for key in ("yearly_mean", "change_pct"):
            v = w.get(key)
            if v is None and derived != "F":
                out.append(Cell("c", flag=derived, provisional=prov))
            else:
                out.append(Cell("num", float(v), provisional=prov) if _num(v) else NODATA)
        return out

    def header(self, years: list[int], with_windows: bool = True) -> list[str]:
        h = [str(y) for y in years]
        if with_windows:
            for s, e in self.windows:
                h += [f"{s}-{e}", f"{s}-{e} yearly mean", f"{s}-{e} change %"]
        return h

    def rows(self, point: int | None, years: list[int], with_windows: bool = True) -> list[tuple[dict, list[Cell]]]:
        out = []
        for d in self.indicators(point):
            code = d["indicator_code"]
            cells = [self.cell(code, y) for y in years]
            if with_windows:
                for s, e in self.windows:
                    cells += self.window_cells(code, s, e)
            out.append((d, cells))
        return out

    def reconciliation(self, point: int | None) -> pl.DataFrame:
        codes = [d["indicator_code"] for d in self.indicators(point)]
        return self.rec.filter(pl.col("indicator_code").is_in(codes)).sort("paragraph", "indicator_code", "period")

    # --- breakdowns (already disclosure-controlled in the Publication) ---

    def breakdown_periods(self) -> tuple[str | None, str | None]:
        """(latest year, window): the latest year of the breakdowns that is not provisional, and the last
        window."""
        b = self.pub["fct_indicator_breakdown"]
        years = sorted({int(p) for p in b["period"].unique().to_list() if p and p.isdigit()})
        complete = [y for y in years if y not in self.provisional]
        latest = str((complete or years)[-1]) if years else None
        window = f"{self.windows[-1][0]}-{self.windows[-1][1]}" if self.windows else None
        return latest, window

    def breakdown_blocks(self, point: int | None) -> list[dict]:
        """Tables for the pack: sex and age band of every person indicator of the section; the top countries
        of service and of destination of AVRR, resettlement and labour migration. Each row: a label and one
        Cell per period (latest year, window)."""
        latest, window = self.breakdown_periods()
        periods = [p for p in (latest, window) if p]
        if not periods:
            return []
        b = self.pub["fct_indicator_breakdown"]
        blocks = []
        for d in self.indicators(point):
            code = d["indicator_code"]
            if d.get("measure") != "persons":
                continue
            mine = b.filter((pl.col("indicator_code") == code) & pl.col("period").is_in(periods))
            dims = ["sex", "age_band"] + (
                ["destination_country", "country_of_service"] if code in COUNTRY_INDICATORS else []
            )
            for dim in dims:
                part = mine.filter(pl.col("dimension") == dim)
                withheld = set(part.filter(pl.col("dimension_value").is_null())["period"].to_list())
                cells: dict[str, dict[str, Cell]] = {}
                for r in part.filter(pl.col("dimension_value").is_not_null()).iter_rows(named=True):
                    st = r.get("conf_status") or "F"
                    cell = Cell("c", flag=st) if st != "F" else Cell("num", float(r["value"] or 0))
                    cells.setdefault(r["dimension_value"], {})[r["period"]] = cell
                if not cells and not withheld:
                    continue
                labels = list(cells)
                country = dim in ("destination_country", "country_of_service")
                hidden = 0
                if country:
                    rank = window if window else periods[0]
                    ranked = sorted(
                        (lab for lab in labels if cells[lab].get(rank, NODATA).kind == "num"),
                        key=lambda lab: (-cells[lab][rank].value, lab),
                    )
                    hidden = len(labels) - len(ranked[:TOP_COUNTRIES])
                    labels = ranked[:TOP_COUNTRIES]
                else:
                    labels.sort(key=_dimension_order)
                rows = []
                for lab in labels:
                    row = []
                    for p in periods:
                        if p in withheld:
                            row.append(Cell("c", flag="C"))
                        else:
                            row.append(cells[lab].get(p, Cell("num", 0.0)))
                    rows.append((SEX_LABEL.get(lab, lab) if dim == "sex" else lab, row))
                blocks.append(
                    {
                        "indicator_code": code,
                        "name": d["name"],
                        "dimension": dim,
                        "periods": periods,
                        "rows": rows,
                        "withheld": sorted(withheld),
                        "more": hidden,
                        "top": country,
                    }
                )
        return blocks


def _dimension_order(label: str):
    m = re.match(r"(\d+)", label or "")
    return (1, 0, label or "") if not m else (0, int(m.group(1)), label)


def fmt(v, unit: str = "", pct: bool = False) -> str:
    if v is None:
        return SUPPRESSED_MARK
    if v == "":
        return NO_DATA_MARK
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, float)):
        if isinstance(v, float) and math.isnan(v):
            return NO_DATA_MARK
        if pct or unit == "percent":
            return f"{v:,.1f}"
        if unit == "usd" and abs(v) >= 1e6:
            return f"{v / 1e6:,.1f} m"
        if float(v).is_integer() or abs(v) >= 1000:
            return f"{v:,.0f}"
        return f"{v:,.1f}"
    return str(v)


def fmt_cell(c: Cell, unit: str = "", pct: bool = False) -> str:
    if c.kind == "c":
        return SUPPRESSED_MARK
    if c.kind == "nodata":
        return NO_DATA_MARK
    return fmt(c.value, unit, pct)


# --- HTML ---------------------------------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;color:#1d2733;background:#f6f7f9}
header{background:#0b3d66;color:#fff;padding:24px 32px}
header h1{margin:0 0 6px;font-size:26px}
header p{margin:2px 0;opacity:.9}
nav{background:#fff;border-bottom:1px solid #d8dde3;padding:10px 32px;font-size:14px;line-height:1.9}
nav a{color:#0b3d66;margin-right:12px;text-decoration:none;white-space:nowrap}
main{padding:8px 32px 40px}
section{background:#fff;border:1px solid #d8dde3;border-radius:6px;margin:20px 0;padding:16px 24px}
section h2{margin:4px 0 8px;color:#0b3d66;font-size:20px}
section h3{font-size:15px;margin:18px 0 6px;color:#33475b}
blockquote{margin:0 0 12px;padding:8px 14px;border-left:4px solid #7aa6c9;background:#f1f6fa;font-style:italic}
table{border-collapse:collapse;font-size:12.5px;width:100%}
th,td{border-bottom:1px solid #e3e7eb;padding:4px 6px;text-align:right;vertical-align:middle}
th{background:#eef2f6;color:#33475b;font-weight:600}
td.l,th.l{text-align:left}
td.c{color:#8a5a00;text-align:center;font-style:italic}
td.nd{color:#9aa6b2;text-align:center}
td.win,th.win{background:#fff7e0}
th.prov,td.prov{background:repeating-linear-gradient(135deg,#fff,#fff 4px,#f0f0f0 4px,#f0f0f0 6px);font-style:italic}
sup.p{color:#8a5a00;font-weight:600;font-style:normal}
.ok{color:#1b7a3a;font-weight:600}.no{color:#b3261e;font-weight:600}.na{color:#8a5a00}
.charts{display:flex;flex-wrap:wrap;gap:12px;margin-top:8px}
figure{margin:0;width:250px;border:1px solid #e3e7eb;border-radius:4px;padding:6px 8px;background:#fcfdfe}
figcaption{font-size:11.5px;color:#33475b;height:30px;overflow:hidden}
.legend{font-size:12px;color:#4a5a6a}
.small{font-size:12px;color:#4a5a6a}
td.name{min-width:200px;max-width:260px}
.code{font-size:10.5px;color:#6b7b8b;margin-top:2px}
table.ind td{white-space:nowrap}
table.ind td.name{white-space:normal}
.bd{display:flex;flex-wrap:wrap;gap:14px}
.bd table{width:auto;min-width:330px;font-size:12px}
.bd .blk{break-inside:avoid}
.bd caption{text-align:left;font-size:12px;font-weight:600;color:#33475b;padding:2px 0}
.flags li{margin:3px 0}
.imp-high{color:#b3261e;font-weight:600}.imp-medium{color:#8a5a00;font-weight:600}.imp-low{color:#4a5a6a}
@page{size:A4 landscape;margin:11mm 9mm 12mm 9mm}
@media print{
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  body{background:#fff;font-size:9pt}
  header{background:#fff;color:#0b3d66;padding:0 0 6px;border-bottom:2px solid #0b3d66}
  header h1{font-size:17pt}
  nav{display:none}
  main{padding:0}
  section{border:0;border-radius:0;margin:0;padding:0;break-before:page}
  section#org{break-before:auto}
  section h2{font-size:14pt}
  section h3{font-size:10.5pt;margin:10px 0 4px;break-after:avoid}
  table{font-size:7.6pt;width:100%}
  th,td{padding:2px 3px}
  td.name{min-width:0;max-width:none;width:52mm}
  .code{font-size:6.5pt}
  thead{display:table-header-group}
  tr,figure,.blk{break-inside:avoid}
  figure{width:61mm}
  .charts{gap:6px}
  .bd table{min-width:0;font-size:7.4pt}
  blockquote{padding:4px 8px}
}
"""


def _e(s) -> str:
    return html.escape("" if s is None else str(s))


def _td(c: Cell, unit: str, pct: bool = False, extra: tuple[str, ...] = ()) -> str:
    cls = list(extra)
    if c.provisional:
        cls.append("prov")
    if c.kind == "c":
        cls.append("c")
        flag = "primary" if c.flag == "C" else "secondary" if c.flag == "D" else c.flag
        text = f'<span title="confidential ({_e(flag)}): not published">{SUPPRESSED_MARK}</span>'
    elif c.kind == "nodata":
        cls.append("nd")
        text = f'<span title="no data">{NO_DATA_MARK}</span>'
    else:
        text = _e(fmt(c.value, unit, pct=pct))
    return f'<td class="{" ".join(cls)}">{text}</td>'


def _year_th(fig: Figures, y: int) -> str:
    if y in fig.provisional:
        return (
            f'<th class="prov" title="provisional: {_e(fig.provisional[y])}">{y}'
            f'<sup class="p">{PROVISIONAL_MARK}</sup></th>'
        )
    return f"<th>{y}</th>"


def _indicator_table(fig: Figures, point: int | None, years: list[int], with_windows: bool = True) -> str:
    """A point's table: the indicator (name, code, unit) then one column per year and per window figure."""
    out = ['<table class="ind"><thead><tr><th class="l name">Indicator</th>']
    out += [_year_th(fig, y) for y in years]
    if with_windows:
        for s, e in fig.windows:
            out.append(
                f'<th class="win">{s}&ndash;{e}</th><th class="win">mean per year</th><th class="win">change %</th>'
            )
    out.append("</tr></thead><tbody>")
    for d, cells in fig.rows(point, years, with_windows):
        code, unit = d["indicator_code"], d["unit"]
        if not with_windows and all(c.kind == "nodata" for c in cells):
            continue  # an earlier-years row without any data says nothing
        out.append(
            f'<tr data-indicator="{_e(code)}"><td class="l name">{_e(d["name"])}'
            f'<div class="code">{_e(code)} &middot; {_e(UNIT_LABEL.get(unit, unit))}</div></td>'
        )
        n = len(years)
        for i, c in enumerate(cells):
            win = i >= n
            out.append(_td(c, unit, pct=win and (i - n) % 3 == 2, extra=("win",) if win else ()))
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _legend(fig: Figures) -> str:
    prov = "; ".join(f"{y}: {r}" for y, r in sorted(fig.provisional.items()))
    parts = [
        f"<b>{SUPPRESSED_MARK}</b> confidential (not published: disclosure control)",
        f"<b>{NO_DATA_MARK}</b> no data (before the indicator&rsquo;s first year with data, or a share without participants)",
        "<b>0</b> nothing happened that year",
    ]
    if prov:
        parts.append(f"<b>{PROVISIONAL_MARK}</b> provisional year, hatched ({_e(prov)})")
    return '<p class="legend">' + " &middot; ".join(parts) + "</p>"


def _section_tables(fig: Figures, point: int | None) -> str:
    earlier, main = fig.split_years(point)
    out = [_indicator_table(fig, point, main), _legend(fig)]
    if earlier:
        out += [
            f"<h3>Earlier years ({earlier[0]}&ndash;{earlier[-1]})</h3>",
            _indicator_table(fig, point, earlier, False),
        ]
    return "".join(out)


def spark(
    years: list[int],
    values: list,
    windows: list[tuple[int, int]],
    unit: str,
    provisional: frozenset[int] | set[int] = frozenset(),
) -> str:
    """A small line chart as inline SVG: the yearly values, the review window shaded, gaps for
    suppressed or missing values, a hollow point for a provisional year."""
    w, h, pad = 234, 70, 6
    nums = [v for v in values if isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v))]
    if not years:
        return ""
    lo, hi = (min(nums + [0]), max(nums + [0])) if nums else (0, 1)
    hi = hi if hi > lo else lo + 1
    n = len(years)

    def x(i: int) -> float:
        return pad + (w - 2 * pad) * (i / (n - 1) if n > 1 else 0.5)

    def y(v: float) -> float:
        return h - pad - 12 - (h - 2 * pad - 12) * (v - lo) / (hi - lo)

    parts = [f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="trend">']
    for s, e in windows:
        idx = [i for i, yr in enumerate(years) if s <= yr <= e]
        if idx:
            x0, x1 = x(idx[0]) - 4, x(idx[-1]) + 4
            parts.append(f'<rect x="{x0:.1f}" y="2" width="{x1 - x0:.1f}" height="{h - 16}" fill="#fff1c9"/>')
    parts.append(
        f'<line x1="{pad}" y1="{y(0) if lo <= 0 <= hi else h - pad - 12:.1f}" x2="{w - pad}" '
        f'y2="{y(0) if lo <= 0 <= hi else h - pad - 12:.1f}" stroke="#c9d1d9" stroke-width="1"/>'
    )
    segment: list[str] = []
    segments = []
    for i, v in enumerate(values):
        if isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v)):
            segment.append(f"{x(i):.1f},{y(v):.1f}")
        elif segment:
            segments.append(segment)
            segment = []
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) > 1:
            parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="#0b5c99" stroke-width="2"/>')
    for i, v in enumerate(values):
        if isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v)):
            fill = '#fff" stroke="#0b5c99" stroke-width="1.2' if years[i] in provisional else "#0b5c99"
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.2" fill="{fill}"/>')
    parts.append(f'<text x="{pad}" y="{h - 2}" font-size="9" fill="#5b6b7b">{years[0]}</text>')
    parts.append(f'<text x="{w - pad}" y="{h - 2}" font-size="9" fill="#5b6b7b" text-anchor="end">{years[-1]}</text>')
    if nums:
        parts.append(f'<text x="{pad}" y="10" font-size="9" fill="#5b6b7b">max {_e(fmt(max(nums), unit))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _charts(fig: Figures, point: int | None) -> str:
    years = fig.section_years(point)
    out = ['<div class="charts">']
    for d in fig.indicators(point):
        series = [fig.cell(d["indicator_code"], yr).number for yr in years]
        out.append(
            f'<figure class="chart" data-indicator="{_e(d["indicator_code"])}">'
            f"{spark(years, series, fig.windows, d['unit'], set(fig.provisional))}"
            f"<figcaption>{_e(unit_caption(d['name'], d['unit']))}</figcaption></figure>"
        )
    out.append("</div>")
    return "".join(out)


def _bar(value: float | None, top: float, width: int = 90) -> str:
    if value is None or top <= 0:
        return ""
    w = max(1.0, width * value / top) if value > 0 else 0.0
    return (
        f'<svg width="{width}" height="10" viewBox="0 0 {width} 10" role="img" aria-label="bar">'
        f'<rect x="0" y="1" width="{w:.1f}" height="8" fill="#7aa6c9"/></svg>'
    )


def _breakdowns_html(fig: Figures, point: int | None) -> str:
    blocks = fig.breakdown_blocks(point)
    if not blocks:
        return '<p class="small">No person indicator of this section has a breakdown.</p>'
    out = ['<div class="bd">']
    for b in blocks:
        periods = b["periods"]
        last = len(periods) - 1
        top = max([c.value for _, row in b["rows"] for c in row[last:] if c.kind == "num"] + [0.0])
        title = f"{b['name']}: {'top ' + str(TOP_COUNTRIES) + ' ' if b['top'] else ''}by {DIMENSION_LABEL[b['dimension']].lower()}"
        out.append(
            f'<div class="blk" data-breakdown="{_e(b["indicator_code"])}:{_e(b["dimension"])}"><table>'
            f'<caption>{_e(title)}</caption><thead><tr><th class="l">{_e(DIMENSION_LABEL[b["dimension"]])}</th>'
        )
        for p in periods:
            cls = "win" if "-" in p else "prov" if p.isdigit() and int(p) in fig.provisional else ""
            out.append(f'<th class="{cls}">{_e(p.replace("-", "–"))}</th>')
        out.append(f'<th class="l">{_e(periods[last].replace("-", "–"))}</th></tr></thead><tbody>')
        for label, row in b["rows"]:
            out.append(f'<tr><td class="l">{_e(label)}</td>')
            for i, c in enumerate(row):
                out.append(_td(c, "persons", extra=("win",) if "-" in periods[i] else ()))
            out.append(f'<td class="l">{_bar(row[last].number, top)}</td></tr>')
        out.append("</tbody></table>")
        notes = []
        if b["withheld"]:
            notes.append(
                f"withheld as a whole for {', '.join(b['withheld'])} (cells could not be protected one by one)"
            )
        if b["more"]:
            notes.append(f"{b['more']} more countries not shown (smaller, or confidential)")
        if b["dimension"] in ("destination_country", "country_of_service"):
            notes.append(
                "a person counts under every country they had: the countries may add up to more than the total"
            )
        if notes:
            out.append(f'<p class="small">{_e("; ".join(notes)).capitalize()}.</p>')
        out.append("</div>")
    out.append("</div>")
    return "".join(out)


def _verdict(holds) -> str:
    if holds is None:
        return '<span class="na">withheld (confidential)</span>'
    return '<span class="ok">holds</span>' if holds else '<span class="no">does not hold</span>'


def _reconciliation_html(rec: pl.DataFrame, unit: dict[str, str] | None = None) -> str:
    if rec.is_empty():
        return '<p class="small">No figure of the published review refers to these indicators.</p>'
    unit = unit or {}
    rows = [
        '<table class="rec"><thead><tr><th class="l">¶</th><th class="l">Published wording</th>'
        '<th class="l">Indicator</th><th class="l">Period</th><th>Published</th><th class="l">Qualifier</th>'
        '<th>Computed</th><th class="l">Verdict</th></tr></thead><tbody>'
    ]
    for r in rec.iter_rows(named=True):
        u = unit.get(r["indicator_code"], "")
        dim = f" ({r['dimension']} {r['dimension_value']})" if r.get("dimension") else ""
        if r["computed_value"] is None and r.get("holds") is None:
            computed = SUPPRESSED_MARK
        else:
            computed = fmt(r["computed_value"], u) if r["computed_value"] is not None else NO_DATA_MARK
        rows.append(
            f'<tr><td class="l">{_e(r["paragraph"])}</td><td class="l">{_e(r["wording"])}</td>'
            f'<td class="l">{_e(r["indicator_code"])}</td><td class="l">{_e(r["period"])}{_e(dim)}</td>'
            f'<td>{_e(fmt(r["published_value"], u))}</td><td class="l">{_e(r["qualifier"])}</td>'
            f'<td>{_e(computed)}</td><td class="l">{_verdict(r["holds"])}</td></tr>'
        )
    rows.append("</tbody></table>")
    return "".join(rows)


PLAIN_COLUMNS = ("year", "paragraph", "row_number", "strategy_point", "period", "window_start", "window_end")


def _plain(col: str, v) -> str:
    """A cell of a plain frame: years, paragraphs and row numbers without thousands separators."""
    if v is None:
        return ""
    if col in PLAIN_COLUMNS and isinstance(v, (int, float)):
        return str(int(v)) if float(v).is_integer() else str(v)
    return fmt(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)


def _frame_html(df: pl.DataFrame, labels: dict[str, str] | None = None) -> str:
    if df.is_empty():
        return '<p class="small">None.</p>'
    labels = labels or {}
    header = df.columns
    numeric = [df.schema[c].is_numeric() and c not in PLAIN_COLUMNS for c in header]
    out = [
        "<table><thead><tr>",
        *[
            f'<th class="{"" if numeric[i] else "l"}">{_e(labels.get(h, h.replace("_", " ")))}</th>'
            for i, h in enumerate(header)
        ],
        "</tr></thead><tbody>",
    ]
    for row in df.iter_rows():
        out.append(
            "<tr>"
            + "".join(
                f'<td class="{"" if numeric[i] else "l"}">{_e(_plain(header[i], v))}</td>' for i, v in enumerate(row)
            )
            + "</tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


# Plain-language names of the validation checks (extracts.md); an unknown check keeps its code.
CHECK_TEXT = {
    "required": "a required value is missing",
    "field_count": "the row has too many or too few fields",
    "accepted_values": "a value is not in the code list",
    "iso3166_alpha3": "a country is not an ISO 3166 alpha-3 code",
    "date_format": "a date is not YYYY-MM-DD",
    "timestamp_format": "extracted_at is not an ISO 8601 timestamp",
    "decimal_format": "an amount is not a decimal number",
    "project_code_format": "a project code is not in the form XX.9999",
    "service_date_range": "the service date is outside the accepted range",
    "year_range": "the year is outside the accepted range",
    "required_for_service_type": "a value required for this service type is missing",
    "not_after_service_date": "a date falls after the service date",
    "end_not_before_start": "the end date is before the start date",
}


def _rejected_html(df: pl.DataFrame) -> str:
    if df.is_empty() or "check_name" not in df.columns:
        return _frame_html(df)
    df = df.with_columns(
        pl.col("check_name").map_elements(lambda c: CHECK_TEXT.get(c, c), return_dtype=pl.String).alias("reason"),
        pl.col("check_name").alias("check"),
    )
    cols = ["kind", "reason", "check", *[c for c in ("rows_rejected", "failures") if c in df.columns]]
    return _frame_html(df.select(cols), {"rows_rejected": "rows rejected", "failures": "checks failed"})


IMPORTANCE_ORDER = {"high": 0, "medium": 1, "low": 2}
# Flags listed in the pack per strategy point: every high flag, then the most important others (touching a
# published figure first) up to this many; the rest are counted, and all are in csv/rpt_plausibility.csv
# and marts.rpt_plausibility. (The demo has ~3,000 low and medium flags: listed whole they printed as 48
# pages.)
PLAUSIBILITY_LISTED_PER_POINT = 5


def plausibility_selection(flags: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the flags the pack lists, per point: every high one and the first others up to
    PLAUSIBILITY_LISTED_PER_POINT; the counts per point: high, medium, low, listed)."""
    rank = pl.col("importance").replace_strict(IMPORTANCE_ORDER, default=3, return_dtype=pl.Int32)
    touches = pl.col("touches_published").fill_null(False) if "touches_published" in flags.columns else pl.lit(False)
    ordered = flags.with_columns(__rank=rank, __touch=touches).sort(
        "strategy_point",
        "__rank",
        "__touch",
        "indicator_code",
        "period",
        descending=[False, False, True, False, False],
        nulls_last=False,
    )
    ordered = ordered.with_columns(__n=pl.int_range(pl.len()).over("strategy_point"))
    listed = ordered.filter((pl.col("__rank") == 0) | (pl.col("__n") < PLAUSIBILITY_LISTED_PER_POINT))
    counts = (
        ordered.group_by("strategy_point")
        .agg(
            *[(pl.col("importance") == i).sum().alias(i) for i in IMPORTANCE_ORDER],
        )
        .join(listed.group_by("strategy_point").len("listed"), on="strategy_point", how="left", nulls_equal=True)
    )
    return listed.drop("__rank", "__touch", "__n"), counts.sort("strategy_point", nulls_last=False)


def plausibility_html(flags: pl.DataFrame | None) -> str:
    """The plausibility flags by strategy point (marts.rpt_plausibility, disclosure-controlled), or a
    statement that the checks were not run (the table is not in this build)."""
    if flags is None:
        return (
            '<p class="small plaus-none">Plausibility checks not run (marts.rpt_plausibility is not in this build).</p>'
        )
    if flags.is_empty():
        return '<p class="small plaus-empty">Plausibility checks run: no flag.</p>'
    listed, counts = plausibility_selection(flags)
    out = [
        '<table class="plaus-counts"><tr><th class="l">Flags</th><th>high</th><th>medium</th><th>low</th>'
        "<th>listed below</th></tr>"
    ]
    for c in counts.iter_rows(named=True):
        title = "Organisation-wide" if c["strategy_point"] is None else f"Point {c['strategy_point']}"
        out.append(
            f'<tr><td class="l">{_e(title)}</td><td>{c["high"]:,}</td><td>{c["medium"]:,}</td>'
            f"<td>{c['low']:,}</td><td>{c['listed'] or 0:,}</td></tr>"
        )
    out.append(
        '</table><p class="small">Every high flag is listed, then the most important others up to '
        f"{PLAUSIBILITY_LISTED_PER_POINT} per point; all flags are in csv/rpt_plausibility.csv and "
        "marts.rpt_plausibility.</p>"
    )
    points = sorted({p for p in listed["strategy_point"].to_list()}, key=lambda p: (p is not None, p or 0))
    for p in points:
        part = listed.filter(pl.col("strategy_point").is_null() if p is None else pl.col("strategy_point") == p)
        rows = sorted(
            part.iter_rows(named=True),
            key=lambda r: (
                IMPORTANCE_ORDER.get(r.get("importance"), 3),
                str(r.get("indicator_code")),
                str(r.get("period")),
            ),
        )
        title = "Organisation-wide" if p is None else f"Point {p}"
        out.append(f'<h3>{_e(title)}</h3><ul class="flags" data-point="{"" if p is None else p}">')
        for r in rows:
            imp = r.get("importance") or ""
            ack = " (acknowledged)" if r.get("acknowledged") else ""
            where = f"{r.get('indicator_code')}, {r.get('period')}"
            if r.get("dimension"):
                where += f", {r['dimension']} {r.get('dimension_value')}"
            out.append(
                f'<li><span class="imp-{_e(imp)}">{_e(imp)}</span> {_e(r.get("sentence"))}{_e(ack)} '
                f'<span class="small">[{_e(r.get("rule_id"))}: {_e(where)}]</span></li>'
            )
        out.append("</ul>")
    return "".join(out)


def render_html(pub: Publication) -> str:
    fig = Figures(pub)
    sup = pub.meta.get("suppression") or pub.meta.get("disclosure") or {}
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(TITLE)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{_e(TITLE)}</h1>",
        f"<p>Source: {_e(pub.label)} &middot; {'frozen' if pub.label.startswith('edition') else 'built'} "
        f"{_e(pub.created_at)}</p>",
        f"<p>Disclosure control: breakdown cells of 1&ndash;{pub.k} persons or records are not published "
        f"(&ldquo;{SUPPRESSED_MARK}&rdquo;), nor the cells that would reveal them.</p></header>",
        '<nav><a href="#org">Organisation-wide</a>',
        *[f'<a href="#point-{p}">Point {p}</a>' for p in fig.points["strategy_point"].to_list()],
        '<a href="#quality">Data quality</a><a href="#definitions">Definitions</a></nav><main>',
    ]
    parts += [
        '<section id="org" class="org"><h2>Organisation-wide figures</h2>',
        '<p class="small">Each project, person and dollar counted once (per-point figures overlap and must not be summed).</p>',
        _section_tables(fig, None),
        "<h3>Trends</h3>",
        _charts(fig, None),
        "<h3>Breakdowns</h3>",
        _breakdowns_html(fig, None),
        "<h3>Reconciliation with the published review</h3>",
        _reconciliation_html(fig.reconciliation(None), fig.unit),
        "</section>",
    ]
    for r in fig.points.iter_rows(named=True):
        p = r["strategy_point"]
        parts += [
            f'<section id="point-{p}" class="point" data-point="{p}">',
            f"<h2>Point {p}: {_e(r['short_name'])}</h2><blockquote>{_e(r['text'])}</blockquote>",
            "<h3>Indicators by year, and over the review window</h3>",
            _section_tables(fig, p),
            "<h3>Trends</h3>",
            _charts(fig, p),
            "<h3>Breakdowns</h3>",
            _breakdowns_html(fig, p),
            "<h3>Reconciliation with the published review</h3>",
            _reconciliation_html(fig.reconciliation(p), fig.unit),
            "</section>",
        ]
    # data quality
    comp = pub["quality_completeness"]
    top = max([1, *comp["service_records"].to_list()]) if not comp.is_empty() else 1
    comp_rows = [
        '<table><thead><tr><th class="l">Year</th><th>Service records</th><th class="l"></th>'
        "<th>Expenditure rows</th><th>Projects started</th><th>Expenditure rows held</th>"
        "<th>Indicators with data</th></tr></thead><tbody>"
    ]
    for c in comp.iter_rows(named=True):
        prov = c["year"] in fig.provisional
        year = f'{c["year"]}<sup class="p">{PROVISIONAL_MARK}</sup>' if prov else str(c["year"])
        comp_rows.append(
            f'<tr><td class="l{" prov" if prov else ""}">{year}</td><td>{fmt(c["service_records"])}</td>'
            f'<td class="l">{_bar(float(c["service_records"] or 0), float(top), 160)}</td>'
            f"<td>{fmt(c['expenditure_rows'])}</td><td>{fmt(c['projects_started'])}</td>"
            f"<td>{fmt(c['expenditure_rows_held'])}</td><td>{fmt(c['indicators_with_data'])} of {fmt(c['indicators'])}</td></tr>"
        )
    comp_rows.append("</tbody></table>")
    src = pub["source_files"]
    loaded = src.filter(pl.col("status") == "loaded")
    parts += [
        '<section id="quality" class="quality"><h2>Data quality</h2>',
        f"<p>{loaded.height} files loaded ({fmt(loaded['rows_valid'].sum())} valid rows, "
        f"{fmt(loaded['rows_rejected'].sum())} rows rejected); "
        f"{src.filter(pl.col('status') == 'rejected').height} files rejected; "
        f"{src.filter(pl.col('status') == 'ignored').height} files ignored.</p>",
        "<h3>Plausibility checks, by strategy point</h3>",
        plausibility_html(pub.frames.get("rpt_plausibility")),
        "<h3>Rejected rows by reason</h3>",
        _rejected_html(pub["quality_rejected_by_reason"]),
        "<h3>Files rejected</h3>",
        _frame_html(pub["quality_rejected_files"]),
        "<h3>Held rows (expenditure of projects in no projects extract)</h3>",
        _frame_html(pub["quality_held_rows"], {"rows_held": "rows held"}),
        "<h3>Completeness by year</h3>",
        "".join(comp_rows),
        _legend(fig),
        f'<p class="legend">Disclosure control of this pack: {_e(sup.get("primary", "?"))} breakdown cells suppressed '
        f"as small (C), {_e(sup.get('secondary', '?'))} to protect them (D), {_e(sup.get('withheld_groups', '?'))} "
        "breakdown groups withheld whole; the workbook and the CSV exports carry the flags.</p></section>",
    ]
    defs = pub["dim_indicator"].select("indicator_code", "name", "unit", "window_rule", "definition")
    parts += [
        '<section id="definitions"><h2>Definitions</h2>',
        _frame_html(defs),
        "</section>",
        "</main></body></html>",
    ]
    return "\n".join(parts)


# --- XLSX and CSV -------------------------------------------------------------------------------------------

FORMAT_INT = "#,##0"
FORMAT_MUSD = "#,##0.0,,"  # USD shown in millions with one decimal (the stored number stays exact)
FORMAT_PCT = "0.0"
FORMAT_MEAN = "#,##0.0"
LEGEND = (
    f"{SUPPRESSED_MARK} = confidential, not published (disclosure control; the cell's note gives its SDMX flags); "
    f"empty = no data; {PROVISIONAL_MARK} = provisional year (the extracts cover it only in part); "
    "USD in millions; percentages 0-100."
)


def number_format(unit: str, column: str = "value") -> str:
    if column == "change %" or unit == "percent":
        return FORMAT_PCT
    if unit == "usd":
        return FORMAT_MUSD
    if column == "mean":
        return FORMAT_MEAN
    return FORMAT_INT


class Sheet:
    """A worksheet laid out for print: title, legend, one or more tables with a bold, wrapped header;
    the first table's header frozen and filtered; landscape, fit to width, title and edition in the
    header/footer."""

    def __init__(self, wb, title: str, pub: Publication, heading: str):
        from openpyxl.styles import Alignment, Font

        self.ws = wb.create_sheet(title[:31])
        self.pub = pub
        self.widths: dict[int, float] = {}
        self.first_table = True
        self.ws.append([neutralise(heading)])
        self.ws.cell(1, 1).font = Font(bold=True, size=12)
        self.ws.append([LEGEND])
        self.ws.cell(2, 1).font = Font(italic=True, size=9)
        for r in (1, 2):  # merged across the first table and wrapped in finish(): no text runs off the page
            self.ws.cell(r, 1).alignment = Alignment(wrap_text=True, vertical="top")
        self.ws.append([])
        self.ncols = 1

    def text(self, value: str, bold: bool = False):
        from openpyxl.styles import Font

        self.ws.append([neutralise(value)])
        if bold:
            self.ws.cell(self.ws.max_row, 1).font = Font(bold=True)

    def _width(self, col: int, value) -> None:
        n = len(value) if isinstance(value, str) else len(f"{value:,.1f}") if isinstance(value, (int, float)) else 1
        self.widths[col] = max(self.widths.get(col, 6), min(n + 2, 60))

    def table(
        self,
        header: list[str],
        rows: list[list],
        formats: list | None = None,
        filter_: bool = True,
        freeze_col: int = 1,
        widths: dict[int, float] | None = None,
    ) -> None:
        """rows: values, or Cell objects; formats: per column or per (row, column) via a callable."""
        from openpyxl.comments import Comment
        from openpyxl.styles import Alignment, Font, PatternFill

        ws = self.ws
        ws.append([neutralise(h) for h in header])
        hr = ws.max_row
        for i in range(1, len(header) + 1):
            c = ws.cell(hr, i)
            c.font = Font(bold=True)
            c.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left" if i <= freeze_col else "right")
            c.fill = PatternFill("solid", fgColor="EEF2F6")
            if self.first_table:
                self._width(i, max(str(header[i - 1]).split(" "), key=len))
        ws.row_dimensions[hr].height = 15 * max(1, max(len(str(h)) // 10 + 1 for h in header[freeze_col:] or [""]))
        for ri, row in enumerate(rows):
            out = []
            for v in row:
                if isinstance(v, Cell):
                    out.append(SUPPRESSED_MARK if v.kind == "c" else v.value if v.kind == "num" else None)
                else:
                    out.append(neutralise(v))
            ws.append(out)
            r = ws.max_row
            if not self.first_table:  # wrapped text in the columns sized by the first table: room for its lines
                lines = max(
                    [
                        math.ceil(len(v) / max(self.widths.get(ci, 8.43) - 1, 1))
                        for ci, v in enumerate(out, start=1)
                        if isinstance(v, str)
                    ]
                    + [1]
                )
                if lines > 1:
                    ws.row_dimensions[r].height = 13 * lines
            for ci, v in enumerate(row, start=1):
                cell = ws.cell(r, ci)
                fmtc = formats(ri, ci - 1) if callable(formats) else (formats[ci - 1] if formats else None)
                if isinstance(v, Cell):
                    if v.kind == "c":
                        flag = "C (primary)" if v.flag == "C" else "D (secondary)" if v.flag == "D" else v.flag
                        cell.comment = Comment(f"obs_status Q, conf_status {flag}", "disclosure control", 40, 180)
                        cell.alignment = Alignment(horizontal="right")
                        cell.font = Font(italic=True, color="8A5A00")
                    if v.provisional:
                        cell.font = Font(italic=True, color="5B6B7B")
                if fmtc and isinstance(cell.value, (int, float)):
                    cell.number_format = fmtc
                if isinstance(cell.value, str) and (ci <= freeze_col or not self.first_table):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                if self.first_table:
                    self._width(
                        ci,
                        out[ci - 1]
                        if not (fmtc == FORMAT_MUSD and isinstance(out[ci - 1], float))
                        else out[ci - 1] / 1e6,
                    )
        if widths:
            self.widths.update(widths)
        if self.first_table:
            self.ncols = max(self.ncols, len(header))
            from openpyxl.utils import get_column_letter

            ws.freeze_panes = ws.cell(hr + 1, freeze_col + 1)
            if filter_ and rows:
                ws.auto_filter.ref = f"A{hr}:{get_column_letter(len(header))}{ws.max_row}"
            ws.print_title_rows = f"{hr}:{hr}"
            self.first_table = False
        ws.append([])

    def finish(self) -> None:
        from openpyxl.utils import get_column_letter

        ws = self.ws
        for col, w in self.widths.items():
            ws.column_dimensions[get_column_letter(col)].width = w
        last = get_column_letter(max(self.ncols, 6))
        total = sum(self.widths.get(i, 8.43) for i in range(1, max(self.ncols, 6) + 1))
        for r in (1, 2):
            ws.merge_cells(f"A{r}:{last}{r}")
            chars = len(str(ws.cell(r, 1).value or ""))
            ws.row_dimensions[r].height = (17 if r == 1 else 13) * max(
                1, math.ceil(chars * (1.2 if r == 1 else 0.9) / total)
            )
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.gridLines = False
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.6
        ws.oddHeader.left.text = TITLE
        ws.oddHeader.left.size = 9
        ws.oddHeader.right.text = "&A"
        ws.oddHeader.right.size = 9
        ws.oddFooter.left.text = f"{self.pub.label} ({self.pub.created_at})".replace("&", "&&")
        ws.oddFooter.left.size = 8
        ws.oddFooter.right.text = "Page &P of &N"
        ws.oddFooter.right.size = 8


def _frame_sheet(sheet: Sheet, df: pl.DataFrame, unit_col: str | None = None, value_cols: tuple[str, ...] = ()) -> None:
    cols = df.columns
    units = df[unit_col].to_list() if unit_col and unit_col in cols else None

    def formats(ri: int, ci: int):
        c = cols[ci]
        if c in PLAIN_COLUMNS:
            return "0"
        if c in value_cols and units:
            return number_format(units[ri])
        return FORMAT_INT if df.schema[c].is_integer() else None

    rows = [
        [("" if v is None else v) if not isinstance(v, bool) else ("yes" if v else "no") for v in r]
        for r in df.iter_rows()
    ]
    sheet.table([c.replace("_", " ") for c in cols], rows, formats)


def write_xlsx(pub: Publication, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    fig = Figures(pub)
    wb = Workbook()
    about = wb.active
    about.title = "About"
    for row in [
        [TITLE],
        ["Source", pub.label],
        ["Date", pub.created_at],
        ["Disclosure threshold k", pub.k],
        [
            SUPPRESSED_MARK,
            f"confidential: a breakdown cell of 1..{pub.k} persons or records, or a cell that would reveal one",
        ],
        [
            "(empty)",
            "no data: a year before the indicator's first year with data, or a percentage without participants",
        ],
        [
            PROVISIONAL_MARK,
            "provisional year: " + ("; ".join(f"{y} {r}" for y, r in sorted(fig.provisional.items())) or "none"),
        ],
        ["obs_status", "SDMX: A normal value, Q missing value (suppressed)"],
        ["conf_status", "SDMX: F free, C confidential (primary), D secondary confidentiality"],
        [
            "Units",
            "persons, projects, records and countries as integers; USD in millions (one decimal; the cell holds "
            "the exact amount); percentages 0-100 with one decimal",
        ],
    ]:
        about.append([neutralise(v) for v in row])
    about["A1"].font = Font(bold=True, size=14)
    about.column_dimensions["A"].width = 24
    about.column_dimensions["B"].width = 110
    about.page_setup.orientation = "landscape"
    about.page_setup.fitToWidth = 1
    about.page_setup.fitToHeight = 0
    about.sheet_properties.pageSetUpPr.fitToPage = True
    about.oddHeader.left.text, about.oddHeader.right.text = TITLE, "&A"
    about.oddFooter.left.text = f"{pub.label} ({pub.created_at})".replace("&", "&&")

    def point_sheet(title: str, point: int | None, heading: str):
        sheet = Sheet(wb, title, pub, heading)
        years = fig.section_years(point)
        header = [
            "Indicator",
            "Name",
            "Unit",
            *[f"{y} {PROVISIONAL_MARK}" if y in fig.provisional else str(y) for y in years],
        ]
        for s, e in fig.windows:
            header += [f"{s}-{e}", f"{s}-{e} yearly mean", f"{s}-{e} change %"]
        rows, units = [], []
        for d, cells in fig.rows(point, years):
            rows.append([d["indicator_code"], d["name"], UNIT_LABEL.get(d["unit"], d["unit"]), *cells])
            units.append(d["unit"])
        n = len(years)

        def formats(ri: int, ci: int):
            if ci < 3:
                return None
            j = ci - 3 - n
            return number_format(units[ri], "value" if j < 0 or j % 3 == 0 else "mean" if j % 3 == 1 else "change %")

        widths = {1: 34, 2: 46, 3: 9, **{4 + i: 10 for i in range(len(header) - 3)}}
        sheet.table(header, rows, formats, freeze_col=2, widths=widths)
        rec = fig.reconciliation(point)
        if not rec.is_empty():
            # laid out in the columns of the table above: code, wording (wrapped), period, then the numbers
            sheet.text("Reconciliation with the published review", bold=True)
            rrows, runits = [], []
            for r in rec.iter_rows(named=True):
                period = r["period"] + (f" {r['dimension_value']}" if r.get("dimension") else "")
                computed = (
                    SUPPRESSED_MARK if r["computed_value"] is None and r["holds"] is None else r["computed_value"]
                )
                verdict = "withheld" if r["holds"] is None else "holds" if r["holds"] else "does not hold"
                rrows.append(
                    [
                        r["indicator_code"],
                        f"¶{r['paragraph']}: {r['wording']}",
                        period,
                        r["published_value"],
                        r["qualifier"],
                        computed,
                        verdict,
                    ]
                )
                runits.append(fig.unit.get(r["indicator_code"], ""))
            sheet.table(
                ["Indicator", "Published wording", "Period", "Published", "Qualifier", "Computed", "Verdict"],
                rrows,
                lambda ri, ci: number_format(runits[ri]) if ci in (3, 5) else None,
                freeze_col=2,
            )
        sheet.finish()

    point_sheet("Organisation", None, "Organisation-wide figures: each project, person and dollar counted once.")
    for r in fig.points.iter_rows(named=True):
        point_sheet(
            f"Point {r['strategy_point']}",
            r["strategy_point"],
            f"Point {r['strategy_point']}: {r['short_name']}. {r['text']}",
        )
    sheet = Sheet(wb, "Definitions", pub, "Definitions of the indicators")
    _frame_sheet(
        sheet,
        pub["dim_indicator"].select("indicator_code", "strategy_point", "name", "definition", "unit", "window_rule"),
    )
    sheet.widths.update({4: 80})
    sheet.finish()
    for c in sheet.ws["D"]:
        from openpyxl.styles import Alignment

        c.alignment = Alignment(wrap_text=True, vertical="top")
    sheet = Sheet(wb, "Reconciliation", pub, "Reconciliation with the published review")
    rec = pub["rpt_reconciliation"]
    rec = rec.with_columns(unit=pl.col("indicator_code").replace_strict(fig.unit, default=""))
    _frame_sheet(
        sheet, rec.drop([c for c in ("obs_status",) if c in rec.columns]), "unit", ("published_value", "computed_value")
    )
    sheet.finish()
    # breakdowns: what the pack shows (the full controlled table is in csv/fct_indicator_breakdown.csv)
    sheet = Sheet(
        wb,
        "Breakdowns",
        pub,
        "Breakdowns by sex, age band and country (after disclosure control; the full "
        "table is csv/fct_indicator_breakdown.csv)",
    )
    blocks = [b for point in [None, *fig.points["strategy_point"].to_list()] for b in fig.breakdown_blocks(point)]
    # sex and age band: one row per indicator and period, the categories side by side
    cats: list[tuple[str, str]] = []
    for b in blocks:
        if not b["top"]:
            cats += [(b["dimension"], lab) for lab, _ in b["rows"] if (b["dimension"], lab) not in cats]
    sexes = list(SEX_LABEL.values())
    cats.sort(key=lambda c: (c[0] != "sex", (0, sexes.index(c[1]), "") if c[1] in sexes else _dimension_order(c[1])))
    rows = []
    for code in dict.fromkeys(b["indicator_code"] for b in blocks if not b["top"]):
        mine = [b for b in blocks if b["indicator_code"] == code and not b["top"]]
        for i, period in enumerate(mine[0]["periods"]):
            row = [code, mine[0]["name"], period]
            for dim, lab in cats:
                blk = next((b for b in mine if b["dimension"] == dim), None)
                cell = next((r[i] for lb, r in blk["rows"] if lb == lab), None) if blk else None
                row.append(
                    cell
                    if cell is not None
                    else (Cell("c", flag="C") if blk and period in blk["withheld"] else Cell("num", 0.0))
                )
            rows.append(row)
    sheet.table(
        ["Indicator", "Name", "Period", *[f"{DIMENSION_LABEL[d]}: {lab}" for d, lab in cats]],
        rows,
        lambda ri, ci: FORMAT_INT if ci >= 3 else None,
        freeze_col=3,
        widths={1: 32, 2: 34, 3: 10, **{4 + i: 11 for i in range(len(cats))}},
    )
    # the top countries
    sheet.text(
        f"Top {TOP_COUNTRIES} countries (a person counts under every country they had: the countries may add "
        "up to more than the total)",
        bold=True,
    )
    rows = []
    for b in (b for b in blocks if b["top"]):
        for rank, (lab, cells) in enumerate(b["rows"], start=1):
            rows.append([b["indicator_code"], DIMENSION_LABEL[b["dimension"]], f"{rank}. {lab}", *cells])
    sheet.table(
        ["Indicator", "Dimension", "Country", *[p for p in fig.breakdown_periods() if p]],
        rows,
        lambda ri, ci: FORMAT_INT if ci >= 3 else None,
        freeze_col=3,
    )
    sheet.finish()
    quality = Sheet(wb, "Data quality", pub, "Data quality")
    flags = pub.frames.get("rpt_plausibility")
    quality.text("Plausibility checks", bold=True)
    if flags is None:
        quality.text("Plausibility checks not run (marts.rpt_plausibility is not in this build).")
    elif flags.is_empty():
        quality.text("Plausibility checks run: no flag.")
    else:
        listed, counts = plausibility_selection(flags)
        for c in counts.iter_rows(named=True):
            title = "Organisation-wide" if c["strategy_point"] is None else f"Point {c['strategy_point']}"
            quality.text(
                f"{title}: {c['high']:,} high, {c['medium']:,} medium, {c['low']:,} low flags "
                f"({c['listed'] or 0:,} listed below)"
            )
        quality.text(
            f"Listed: every high flag, then the most important others up to {PLAUSIBILITY_LISTED_PER_POINT} "
            "per point; all flags are in csv/rpt_plausibility.csv and marts.rpt_plausibility."
        )
        cols = [
            c
            for c in (
                "strategy_point",
                "importance",
                "sentence",
                "rule_id",
                "indicator_code",
                "period",
                "dimension",
                "dimension_value",
                "acknowledged",
            )
            if c in listed.columns
        ]
        _frame_sheet(quality, listed.select(cols))
    for name, title in (
        ("quality_rejected_by_reason", "Rejected rows by reason"),
        ("quality_rejected_files", "Rejected files"),
        ("quality_held_rows", "Held rows (expenditure of projects in no projects extract)"),
        ("quality_completeness", "Completeness by year"),
    ):
        quality.text(title, bold=True)
        df = pub[name]
        if name == "quality_rejected_by_reason" and "check_name" in df.columns:
            df = df.with_columns(
                reason=pl.col("check_name").map_elements(lambda c: CHECK_TEXT.get(c, c), return_dtype=pl.String)
            )
        _frame_sheet(quality, df) if not df.is_empty() else quality.text("None.")
    quality.widths.update({1: 16, 2: 34, 3: 40})
    quality.finish()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path


EXPORTS = (
    "fct_indicator_values",
    "fct_indicator_window",
    "fct_indicator_breakdown",
    "dim_indicator",
    "dim_strategy_point",
    "rpt_reconciliation",
)


def write_csvs(pub: Publication, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in EXPORTS + (("rpt_plausibility",) if pub.frames.get("rpt_plausibility") is not None else ()):
        df = pub[name]
        path = folder / f"{name}.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(df.columns)
            for row in df.iter_rows():
                w.writerow(["" if v is None else neutralise(v) for v in row])
        out.append(path)
    return out


def build_pack(pub: Publication, out_dir: Path) -> dict[str, Path]:
    """Write review.html, review.xlsx and csv/*.csv under out_dir; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / "review.html"
    tmp = html_path.with_name(f".review.html.{os.getpid()}.tmp")
    tmp.write_text(render_html(pub), encoding="utf-8")
    tmp.replace(html_path)
    xlsx = write_xlsx(pub, out_dir / "review.xlsx")
    csvs = write_csvs(pub, out_dir / "csv")
    return {"html": html_path, "xlsx": xlsx, "csv": csvs[0].parent}
