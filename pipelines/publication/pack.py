"""The review pack: a self-contained HTML report and an Excel workbook (plus CSV exports), generated from
an edition or from the current build, always from disclosure-controlled figures (a Publication).

HTML: inline CSS and inline SVG charts, no script, no external resource of any kind, so it opens from a
file or an e-mail attachment without a network. One section per strategy point (its text, its
indicators by year with the window value, yearly mean and change, a trend chart per indicator, the
reconciliation verdicts against the published review), organisation-wide figures, a data-quality page
and the definitions.

XLSX / CSV: the same tables, numbers as numbers. A text cell that begins with '=', '+', '-', '@' (or a
tab / carriage return) is prefixed with an apostrophe so that no spreadsheet evaluates it.
"""

from __future__ import annotations

import csv
import html
import math
import os
from pathlib import Path

import polars as pl

from pipelines.publication.published import Publication

SUPPRESSED_MARK = "c"  # as in many statistical tables: confidential, not published
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell that a spreadsheet would evaluate becomes plain text."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


# --- the figures, arranged ------------------------------------------------------------------------------


class Figures:
    def __init__(self, pub: Publication):
        self.pub = pub
        self.ind = pub["dim_indicator"]
        self.points = pub["dim_strategy_point"].sort("strategy_point")
        values = pub["fct_indicator_values"]
        self.years = sorted(values["year"].unique().to_list())
        self.values: dict[str, dict[int, tuple]] = {}
        for r in values.iter_rows(named=True):
            self.values.setdefault(r["indicator_code"], {})[r["year"]] = (r["value"], r.get("conf_status", "F"))
        self.windows = sorted({(s, e) for s, e in pub["fct_indicator_window"].select("window_start", "window_end").iter_rows()})
        self.window: dict[tuple[str, int, int], dict] = {
            (r["indicator_code"], r["window_start"], r["window_end"]): r
            for r in pub["fct_indicator_window"].iter_rows(named=True)
        }
        self.rec = pub["rpt_reconciliation"]

    def indicators(self, point: int | None) -> list[dict]:
        df = self.ind.filter(pl.col("strategy_point").is_null() if point is None else pl.col("strategy_point") == point)
        return df.sort("indicator_code").to_dicts()

    def table(self, point: int | None) -> tuple[list[str], list[list]]:
        """Header and rows (numbers, None for a suppressed number, '' for none) of a point's table."""
        header = ["Indicator", "Name", "Unit", *[str(y) for y in self.years]]
        for s, e in self.windows:
            header += [f"{s}-{e}", f"{s}-{e} yearly mean", f"{s}-{e} change %"]
        rows = []
        for d in self.indicators(point):
            code = d["indicator_code"]
            row: list = [code, d["name"], d["unit"]]
            for y in self.years:
                v, st = self.values.get(code, {}).get(y, (None, "F"))
                row.append(None if st != "F" else ("" if v is None else v))
            for s, e in self.windows:
                w = self.window.get((code, s, e), {})
                own = w.get("conf_status", "F") == "F"
                derived = w.get("derived_conf_status", "F") == "F"
                row.append(("" if w.get("value") is None else w["value"]) if own else None)
                for key in ("yearly_mean", "change_pct"):
                    v = w.get(key)
                    row.append(None if (v is None and not derived) else ("" if v is None else v))
            rows.append(row)
        return header, rows

    def reconciliation(self, point: int | None) -> pl.DataFrame:
        codes = [d["indicator_code"] for d in self.indicators(point)]
        return self.rec.filter(pl.col("indicator_code").is_in(codes)).sort("paragraph", "indicator_code", "period")


def fmt(v, unit: str = "", pct: bool = False) -> str:
    if v is None:
        return SUPPRESSED_MARK
    if v == "":
        return "–"
    if isinstance(v, (int, float)):
        if isinstance(v, float) and math.isnan(v):
            return "–"
        if pct or unit == "percent":
            return f"{v:,.1f}"
        if unit == "usd" and abs(v) >= 1e6:
            return f"{v / 1e6:,.1f} m"
        if float(v).is_integer() or abs(v) >= 1000:
            return f"{v:,.0f}"
        return f"{v:,.1f}"
    return str(v)


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
th{background:#eef2f6;color:#33475b;font-weight:600;position:sticky;top:0}
td.l,th.l{text-align:left}
td.c{color:#8a5a00;text-align:center;font-style:italic}
td.win,th.win{background:#fff7e0}
.ok{color:#1b7a3a;font-weight:600}.no{color:#b3261e;font-weight:600}.na{color:#8a5a00}
.charts{display:flex;flex-wrap:wrap;gap:12px;margin-top:8px}
figure{margin:0;width:250px;border:1px solid #e3e7eb;border-radius:4px;padding:6px 8px;background:#fcfdfe}
figcaption{font-size:11.5px;color:#33475b;height:30px;overflow:hidden}
.legend{font-size:12px;color:#4a5a6a}
.bar{display:inline-block;height:9px;background:#7aa6c9;vertical-align:middle}
.small{font-size:12px;color:#4a5a6a}
.scroll{overflow-x:auto}
td.name{min-width:210px;max-width:260px}
.code{font-size:10.5px;color:#6b7b8b;margin-top:2px}
table.ind td{white-space:nowrap}
table.ind td.name{white-space:normal}
"""


def _e(s) -> str:
    return html.escape("" if s is None else str(s))


def _indicator_table(header: list[str], rows: list[list], window_from: int) -> str:
    """A point's table: the indicator (name, code, unit) then one column per year and per window figure."""
    out = ['<div class="scroll"><table class="ind"><thead><tr><th class="l name">Indicator</th>']
    for i, h in enumerate(header[3:], start=3):
        short = "mean per year" if h.endswith("yearly mean") else "change %" if h.endswith("change %") else h
        out.append(f'<th class="{"win" if i >= window_from else ""}">{_e(short)}</th>')
    out.append("</tr></thead><tbody>")
    for row in rows:
        code, name, unit = row[:3]
        out.append(f'<tr data-indicator="{_e(code)}"><td class="l name">{_e(name)}'
                   f'<div class="code">{_e(code)} &middot; {_e(unit)}</div></td>')  # fmt: skip
        for i, v in enumerate(row[3:], start=3):
            cls = ["win"] if i >= window_from else []
            if v is None:
                cls.append("c")
                text = f'<span title="confidential: not published">{SUPPRESSED_MARK}</span>'
            else:
                text = _e(fmt(v, unit, pct=header[i].endswith("change %")))
            out.append(f'<td class="{" ".join(cls)}">{text}</td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def spark(years: list[int], values: list, windows: list[tuple[int, int]], unit: str) -> str:
    """A small line chart as inline SVG: the yearly values, the review window shaded, gaps for
    suppressed or missing values."""
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
    parts.append(f'<line x1="{pad}" y1="{y(0) if lo <= 0 <= hi else h - pad - 12:.1f}" x2="{w - pad}" '
                 f'y2="{y(0) if lo <= 0 <= hi else h - pad - 12:.1f}" stroke="#c9d1d9" stroke-width="1"/>')  # fmt: skip
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
        for pt in seg:
            cx, cy = pt.split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.2" fill="#0b5c99"/>')
    parts.append(f'<text x="{pad}" y="{h - 2}" font-size="9" fill="#5b6b7b">{years[0]}</text>')
    parts.append(f'<text x="{w - pad}" y="{h - 2}" font-size="9" fill="#5b6b7b" text-anchor="end">{years[-1]}</text>')
    if nums:
        parts.append(f'<text x="{pad}" y="10" font-size="9" fill="#5b6b7b">max {_e(fmt(max(nums), unit))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _charts(fig: Figures, point: int | None) -> str:
    out = ['<div class="charts">']
    for d in fig.indicators(point):
        series = []
        for yr in fig.years:
            v, st = fig.values.get(d["indicator_code"], {}).get(yr, (None, "F"))
            series.append(v if st == "F" else None)
        out.append(f'<figure class="chart" data-indicator="{_e(d["indicator_code"])}">'
                   f'{spark(fig.years, series, fig.windows, d["unit"])}'
                   f'<figcaption>{_e(d["name"])} ({_e(d["unit"])})</figcaption></figure>')  # fmt: skip
    out.append("</div>")
    return "".join(out)


def _verdict(holds) -> str:
    if holds is None:
        return '<span class="na">withheld (confidential)</span>'
    return '<span class="ok">holds</span>' if holds else '<span class="no">does not hold</span>'


def _reconciliation_html(rec: pl.DataFrame) -> str:
    if rec.is_empty():
        return '<p class="small">No figure of the published review refers to these indicators.</p>'
    rows = ["<table class=\"rec\"><thead><tr><th class=\"l\">¶</th><th class=\"l\">Published wording</th>"
            "<th class=\"l\">Indicator</th><th class=\"l\">Period</th><th>Published</th><th class=\"l\">Qualifier</th>"
            "<th>Computed</th><th class=\"l\">Verdict</th></tr></thead><tbody>"]  # fmt: skip
    for r in rec.iter_rows(named=True):
        dim = f" ({r['dimension']} {r['dimension_value']})" if r.get("dimension") else ""
        computed = fmt(r["computed_value"]) if r.get("holds") is not None or r["computed_value"] is not None else SUPPRESSED_MARK
        rows.append(
            f"<tr><td class=\"l\">{_e(r['paragraph'])}</td><td class=\"l\">{_e(r['wording'])}</td>"
            f"<td class=\"l\">{_e(r['indicator_code'])}</td><td class=\"l\">{_e(r['period'])}{_e(dim)}</td>"
            f"<td>{_e(fmt(r['published_value']))}</td><td class=\"l\">{_e(r['qualifier'])}</td>"
            f"<td>{_e(computed)}</td><td class=\"l\">{_verdict(r['holds'])}</td></tr>"
        )
    rows.append("</tbody></table>")
    return "".join(rows)


def _frame_html(df: pl.DataFrame, left_cols: int = 99) -> str:
    if df.is_empty():
        return '<p class="small">None.</p>'
    header = df.columns
    out = ["<table><thead><tr>", *[f'<th class="l">{_e(h)}</th>' for h in header], "</tr></thead><tbody>"]
    for row in df.iter_rows():
        out.append("<tr>" + "".join(
            f'<td class="{"l" if i < left_cols and not isinstance(v, (int, float)) else ""}">'
            f'{_e(fmt(v) if isinstance(v, (int, float)) else v)}</td>' for i, v in enumerate(row)
        ) + "</tr>")  # fmt: skip
    out.append("</tbody></table>")
    return "".join(out)


def render_html(pub: Publication) -> str:
    fig = Figures(pub)
    header, _ = fig.table(None)
    window_from = 3 + len(fig.years)
    sup = pub.meta.get("suppression") or pub.meta.get("disclosure") or {}
    title = "Strategy review: indicators by strategy point"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{_e(title)}</h1>",
        f"<p>Source: {_e(pub.label)} &middot; {'frozen' if pub.label.startswith('edition') else 'built'} "
        f"{_e(pub.created_at)}</p>",
        f"<p>Disclosure control: breakdown cells of 1&ndash;{pub.k} persons or records are not published "
        f"(&ldquo;{SUPPRESSED_MARK}&rdquo;), nor the cells that would reveal them.</p></header>",
        '<nav><a href="#org">Organisation-wide</a>',
        *[f'<a href="#point-{p}">Point {p}</a>' for p in fig.points["strategy_point"].to_list()],
        '<a href="#quality">Data quality</a><a href="#definitions">Definitions</a></nav><main>',
    ]
    # organisation-wide
    _, rows = fig.table(None)
    parts += [
        '<section id="org" class="org"><h2>Organisation-wide figures</h2>',
        '<p class="small">Each project, person and dollar counted once (per-point figures overlap and must not be summed).</p>',
        _indicator_table(header, rows, window_from), _charts(fig, None),
        "<h3>Reconciliation with the published review</h3>", _reconciliation_html(fig.reconciliation(None)), "</section>",
    ]  # fmt: skip
    for r in fig.points.iter_rows(named=True):
        p = r["strategy_point"]
        _, rows = fig.table(p)
        parts += [
            f'<section id="point-{p}" class="point" data-point="{p}">',
            f"<h2>Point {p}: {_e(r['short_name'])}</h2><blockquote>{_e(r['text'])}</blockquote>",
            "<h3>Indicators by year, and over the review window</h3>",
            _indicator_table(header, rows, window_from), "<h3>Trends</h3>", _charts(fig, p),
            "<h3>Reconciliation with the published review</h3>", _reconciliation_html(fig.reconciliation(p)),
            "</section>",
        ]  # fmt: skip
    # data quality
    comp = pub["quality_completeness"]
    top = max([1, *comp["service_records"].to_list()]) if not comp.is_empty() else 1
    comp_rows = ["<table><thead><tr><th class=\"l\">Year</th><th>Service records</th><th class=\"l\"></th>"
                 "<th>Expenditure rows</th><th>Projects started</th><th>Expenditure rows held</th>"
                 "<th>Indicators with data</th></tr></thead><tbody>"]  # fmt: skip
    for c in comp.iter_rows(named=True):
        width = int(160 * (c["service_records"] or 0) / top)
        comp_rows.append(
            f"<tr><td class=\"l\">{c['year']}</td><td>{fmt(c['service_records'])}</td>"
            f"<td class=\"l\"><span class=\"bar\" style=\"width:{width}px\"></span></td>"
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
        "<h3>Rejected rows by reason</h3>", _frame_html(pub["quality_rejected_by_reason"]),
        "<h3>Files rejected</h3>", _frame_html(pub["quality_rejected_files"]),
        "<h3>Held rows (expenditure of projects in no projects extract)</h3>", _frame_html(pub["quality_held_rows"]),
        "<h3>Completeness by year</h3>", "".join(comp_rows),
        f'<p class="legend">Disclosure control of this pack: {_e(sup.get("primary", "?"))} breakdown cells suppressed '
        f'as small (C), {_e(sup.get("secondary", "?"))} to protect them (D), {_e(sup.get("withheld_groups", "?"))} '
        "breakdown groups withheld whole; the workbook and the CSV exports carry the flags.</p></section>",
    ]  # fmt: skip
    defs = pub["dim_indicator"].select("indicator_code", "name", "unit", "window_rule", "definition")
    parts += ['<section id="definitions"><h2>Definitions</h2>', _frame_html(defs), "</section>",
              "</main></body></html>"]  # fmt: skip
    return "\n".join(parts)


# --- XLSX and CSV -------------------------------------------------------------------------------------------


def _sheet_rows(ws, rows, bold_first: bool = True):
    from openpyxl.styles import Font

    for i, row in enumerate(rows):
        ws.append([SUPPRESSED_MARK if v is None else neutralise(v) for v in row])
        if bold_first and i == 0:
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)


def _frame_rows(df: pl.DataFrame) -> list[list]:
    return [df.columns, *[list(r) for r in df.iter_rows()]]


def write_xlsx(pub: Publication, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    fig = Figures(pub)
    wb = Workbook()
    about = wb.active
    about.title = "About"
    _sheet_rows(about, [
        ["Strategy review: indicators by strategy point"], ["Source", pub.label], ["Date", pub.created_at],
        ["Disclosure threshold k", pub.k],
        ["'c'", f"confidential: a breakdown cell of 1..{pub.k} persons or records, or a cell that would reveal one"],
        ["obs_status", "SDMX: A normal value, Q missing value (suppressed)"],
        ["conf_status", "SDMX: F free, C confidential (primary), D secondary confidentiality"],
    ], bold_first=False)  # fmt: skip
    about["A1"].font = Font(bold=True, size=14)

    def point_sheet(title: str, point: int | None, text: str | None):
        ws = wb.create_sheet(title)
        if text:
            ws.append([neutralise(text)])
            ws.append([])
        header, rows = fig.table(point)
        _sheet_rows(ws, [header, *rows])
        rec = fig.reconciliation(point).select(
            "paragraph", "wording", "indicator_code", "period", "dimension", "dimension_value", "published_value",
            "qualifier", "computed_value", "holds",
        )  # fmt: skip
        if not rec.is_empty():
            ws.append([])
            ws.append(["Reconciliation with the published review"])
            _sheet_rows(ws, _frame_rows(rec))
        ws.column_dimensions["A"].width = 36
        ws.column_dimensions["B"].width = 40

    point_sheet("Organisation", None, "Organisation-wide figures: each project, person and dollar counted once.")
    for r in fig.points.iter_rows(named=True):
        point_sheet(f"Point {r['strategy_point']}", r["strategy_point"], f"Point {r['strategy_point']}: {r['short_name']}. {r['text']}")
    ws = wb.create_sheet("Definitions")
    _sheet_rows(ws, _frame_rows(pub["dim_indicator"].select(
        "indicator_code", "strategy_point", "name", "definition", "unit", "window_rule")))  # fmt: skip
    ws = wb.create_sheet("Reconciliation")
    _sheet_rows(ws, _frame_rows(pub["rpt_reconciliation"]))
    ws = wb.create_sheet("Breakdowns")
    _sheet_rows(ws, _frame_rows(pub["fct_indicator_breakdown"].select(
        "indicator_code", "strategy_point", "period", "dimension", "dimension_value", "value", "unit", "obs_status",
        "conf_status")))  # fmt: skip
    for name, title in (("quality_rejected_by_reason", "Rejected rows"), ("quality_rejected_files", "Rejected files"),
                        ("quality_held_rows", "Held rows"), ("quality_completeness", "Completeness")):  # fmt: skip
        ws = wb.create_sheet(title)
        _sheet_rows(ws, _frame_rows(pub[name]))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path


EXPORTS = ("fct_indicator_values", "fct_indicator_window", "fct_indicator_breakdown", "dim_indicator",
           "dim_strategy_point", "rpt_reconciliation")  # fmt: skip


def write_csvs(pub: Publication, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in EXPORTS:
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
