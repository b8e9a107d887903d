"""The draft text of the next review: the sentences of the published review, regenerated from a build.

`review-publish --draft --window 2010-2012` reads the current build (or `--edition NAME`), always through
disclosure control (a Publication), and writes `review_draft.html` and `review_draft.docx` into the pack
folder. For every template of `templates/draft_text.csv` (one per figure of `published_figures.csv`, and
any figure added there) it:

1. moves the figure's period from the reference window 2007-2009 onto the chosen window (2007 -> the
   window's first year, 2007-2009 -> the window);
2. takes the value from the Publication (a year: fct_indicator_values; a window: fct_indicator_window; a
   dimension: fct_indicator_breakdown);
3. chooses the number to write with the document's own hedging, by the qualifier rules of indicators.md
   (the rules marts.rpt_reconciliation judges with): `exact` rounds to `rounding`; `more_than` writes the
   roundest p with p < c <= 1.10 p ("over 1,600"); `nearly` the roundest p with 0.95 p <= c < p ("nearly
   300,000"); `approximately`, `about`, `around`, `some` the roundest p with |c - p| <= 0.05 p
   ("approximately 78 per cent"). "Roundest" tries multiples of 10^k and 5 x 10^(k-1), coarsest first, down to
   `rounding` (a percentage: its rounding only);
   when none fits (a small number), the sentence states the number exactly and says so in its note;
4. footnotes the figure: indicator code, period, the value computed, the source (edition or current build
   and its time) and whether a year is provisional (marts.dim_year).

A figure with no value (the year or window is not built, the year has no data) or a confidential one keeps
its sentence with a bracketed placeholder, so the drafter sees what is missing.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import math
import os
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl

from pipelines.publication.published import Publication

TEMPLATES = Path(__file__).parent / "templates" / "draft_text.csv"
REFERENCE_WINDOW = (2007, 2009)
APPROX = ("approximately", "about", "around", "some")
HEDGE_RULE = {
    "exact": "c rounded to the nearest {r} equals p",
    "more_than": "p < c <= 1.10 p",
    "nearly": "0.95 p <= c < p",
    **{q: "0.95 p <= c <= 1.05 p" for q in APPROX},
}


class WindowError(ValueError):
    """A --window that is not YYYY-YYYY with start <= end."""


@dataclass
class Sentence:
    indicator_code: str
    strategy_point: int | None
    paragraph: int
    period: str  # in the chosen window
    dimension: str | None
    dimension_value: str | None
    qualifier: str  # the template's qualifier
    rounding: float
    computed: float | None  # c: the published (disclosure-controlled) value, None when there is none
    written: float | None  # p: the number in the sentence
    exact_fallback: bool  # no round number fits the qualifier: the sentence states c exactly
    text: str
    note: str
    missing: str | None = None  # why there is no number, if there is none


def parse_window(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{4})\s*-\s*(\d{4})\s*", text or "")
    if not m or int(m.group(1)) > int(m.group(2)):
        raise WindowError(f"window {text!r}: write it as YYYY-YYYY (start <= end), e.g. 2010-2012")
    return int(m.group(1)), int(m.group(2))


def load_templates(path: Path = TEMPLATES) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for key in ("dimension", "dimension_value"):
            r[key] = (r.get(key) or "").strip() or None
        r["rounding"] = float(r["rounding"] or 1)
        r["paragraph"] = int(r["paragraph"])
    return rows


# --- hedging -----------------------------------------------------------------------------------------------


def _round_half_away(x: float, step: float) -> float:
    q = (Decimal(repr(x)) / Decimal(repr(step))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return float(q * Decimal(repr(step)))


def holds(qualifier: str, c: float, p: float, rounding: float = 1) -> bool:
    """The reconciliation's rule (indicators.md), c computed, p written."""
    if qualifier == "exact":
        return _round_half_away(c, rounding) == p
    if qualifier == "more_than":
        return p < c <= 1.10 * p
    if qualifier == "nearly":
        return 0.95 * p <= c < p
    if qualifier in APPROX:
        return 0.95 * p <= c <= 1.05 * p
    return False


def _steps(c: float, rounding: float, unit: str = "") -> list[float]:
    """Multiples to try, roundest first: 10^k and 5 x 10^(k-1) from the order of c down to `rounding`. A
    percentage is hedged at its rounding only ("approximately 78 per cent", not "80")."""
    if unit == "percent":
        return [rounding]
    out = []
    k = int(math.floor(math.log10(abs(c)))) if c else 0
    while 10.0**k >= rounding:
        out.append(10.0**k)
        if 5 * 10.0 ** (k - 1) >= rounding:
            out.append(5 * 10.0 ** (k - 1))
        k -= 1
    if not out or out[-1] != rounding:
        out.append(rounding)
    return out


def choose_number(c: float, qualifier: str, rounding: float = 1, unit: str = "") -> tuple[float, bool]:
    """(p, exact_fallback): the number to write for value c under the qualifier."""
    if qualifier != "exact" and c > 0:
        for step in _steps(c, rounding, unit):
            if qualifier == "more_than":
                p = math.floor(c / step) * step
                if p >= c:
                    p -= step
            elif qualifier == "nearly":
                p = math.ceil(c / step) * step
                if p <= c:
                    p += step
            else:
                p = _round_half_away(c, step)
            if p > 0 and holds(qualifier, c, p, rounding):
                return float(p), False
    p = _round_half_away(c, rounding)
    return p, qualifier != "exact"


def format_number(p: float, unit: str, rounding: float) -> str:
    if unit == "usd":
        millions = p / 1e6
        decimals = max(0, -int(math.floor(math.log10(rounding / 1e6)))) if rounding < 1e6 else 0
        return f"{millions:,.{decimals}f}"
    if float(p).is_integer():
        return f"{p:,.0f}"
    return f"{p:,.1f}"


# --- values ------------------------------------------------------------------------------------------------


def shift_period(period: str, window: tuple[int, int]) -> str:
    offset = window[0] - REFERENCE_WINDOW[0]
    if re.fullmatch(r"\d{4}", period):
        return str(int(period) + offset)
    s, e = parse_window(period)
    if (s, e) == REFERENCE_WINDOW:
        return f"{window[0]}-{window[1]}"
    return f"{s + offset}-{e + offset}"


def lookup(
    pub: Publication, code: str, period: str, dim: str | None, val: str | None
) -> tuple[float | None, str | None]:
    """(value, why there is none) from the disclosure-controlled Publication."""
    if dim:
        b = pub["fct_indicator_breakdown"].filter(
            (pl.col("indicator_code") == code) & (pl.col("period") == period) & (pl.col("dimension") == dim)
        )
        if b.is_empty():
            return None, f"no breakdown for {period}"
        if b.filter(pl.col("dimension_value").is_null()).height:
            return None, "confidential"
        row = b.filter(pl.col("dimension_value") == val)
        if row.is_empty():
            return 0.0, None  # a missing row of a published breakdown is 0 (docs/publication.md)
        r = row.row(0, named=True)
        return (None, "confidential") if (r.get("conf_status") or "F") != "F" else (float(r["value"]), None)
    if "-" in period:
        s, e = parse_window(period)
        w = pub["fct_indicator_window"].filter(
            (pl.col("indicator_code") == code) & (pl.col("window_start") == s) & (pl.col("window_end") == e)
        )
        if w.is_empty():
            return None, f"window {s}–{e} not built"
        r = w.row(0, named=True)
    else:
        v = pub["fct_indicator_values"].filter((pl.col("indicator_code") == code) & (pl.col("year") == int(period)))
        if v.is_empty():
            return None, f"no data for {period}"
        r = v.row(0, named=True)
    if (r.get("conf_status") or "F") != "F":
        return None, "confidential"
    if r["value"] is None:
        return None, f"no value for {period}"
    return float(r["value"]), None


def _provisional(pub: Publication, period: str) -> list[str]:
    dy = pub.frames.get("dim_year")
    if dy is None:
        return []
    years = [int(period)] if "-" not in period else list(range(*(lambda s, e: (s, e + 1))(*parse_window(period))))
    return [
        f"{r['year']} is provisional ({r['provisional_reason']})"
        for r in dy.iter_rows(named=True)
        if r["is_provisional"] and r["year"] in years
    ]


def _source(pub: Publication) -> str:
    if pub.label.startswith("edition"):
        return f"{pub.label} (frozen {pub.created_at})"
    return f"current build of {pub.created_at} (not a frozen edition)"


def regenerate(pub: Publication, window: tuple[int, int], templates: list[dict] | None = None) -> list[Sentence]:
    """Every template's sentence for the window, from the Publication."""
    ind = {r["indicator_code"]: r for r in pub["dim_indicator"].iter_rows(named=True)}
    out = []
    for t in templates if templates is not None else load_templates():
        code = t["indicator_code"]
        d = ind.get(code, {})
        unit = d.get("unit", "")
        period = shift_period(t["period"], window)
        c, missing = (
            lookup(pub, code, period, t["dimension"], t["dimension_value"]) if d else (None, "unknown indicator")
        )
        start, end = (period.split("-") + [period])[:2] if "-" in period else (period, period)
        fields = {"year": period, "start": start, "end": end}
        if c is None:
            p, fallback = None, False
            value_text = f"[{missing}]"
        else:
            p, fallback = choose_number(c, t["qualifier"], t["rounding"], unit)
            value_text = format_number(p, unit, t["rounding"])
        text = t["template"].format(value=value_text, **fields)
        text = text[0].upper() + text[1:]
        where = f"{t['dimension']} {t['dimension_value']}, " if t["dimension"] else ""
        parts = [f"{code}, {where}{period}"]
        if c is not None:
            rule = HEDGE_RULE.get(t["qualifier"], "?").format(r=format_number(t["rounding"], "", 1))
            parts.append(
                f"computed {format_number(c, '', 0.1) if unit != 'usd' else 'USD ' + f'{c:,.0f}'}"
                f" {'(' + unit + ')' if unit and unit != 'usd' else ''}".rstrip()
            )
            parts.append(
                f"written as {t['qualifier']} ({rule})"
                if not fallback
                else f"no round number fits '{t['qualifier']}': stated exactly"
            )
        else:
            parts.append(missing)
        parts.append(_source(pub))
        parts += _provisional(pub, period)
        out.append(
            Sentence(
                code,
                d.get("strategy_point"),
                t["paragraph"],
                period,
                t["dimension"],
                t["dimension_value"],
                t["qualifier"],
                t["rounding"],
                c,
                p,
                fallback,
                text,
                "; ".join(parts) + ".",
                missing,
            )
        )
    return out


# --- documents ---------------------------------------------------------------------------------------------

CSS = """body{font-family:Georgia,"Times New Roman",serif;max-width:46em;margin:2em auto;color:#1d2733;line-height:1.5}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;color:#0b3d66}p.s{margin:.4em 0}
sup a{text-decoration:none}.para{color:#6b7b8b;font-size:.85em}.missing{background:#fff1c9}
ol.notes{font-size:.85em;color:#33475b}.meta{color:#4a5a6a;font-size:.9em}
@page{size:A4;margin:18mm}@media print{body{margin:0;max-width:none}}"""


def _groups(sentences: list[Sentence], pub: Publication) -> list[tuple[str, list[Sentence]]]:
    names = dict(pub["dim_strategy_point"].select("strategy_point", "short_name").iter_rows())
    keys = sorted({s.strategy_point for s in sentences}, key=lambda p: (p is not None, p or 0))
    out = []
    for p in keys:
        title = "Organisation-wide" if p is None else f"Point {p}: {names.get(p, '')}"
        out.append((title, sorted([s for s in sentences if s.strategy_point == p], key=lambda s: s.paragraph)))
    return out


def render_html(sentences: list[Sentence], pub: Publication, window: tuple[int, int]) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Draft review {window[0]}–{window[1]}</title><style>{CSS}</style></head><body>",
        f"<h1>Review of the strategy, {window[0]}–{window[1]}: draft text</h1>",
        f'<p class="meta">Figures from the {e(_source(pub))}, after disclosure control. Regenerated from the '
        "sentences of the previous review; the hedging of each figure is chosen by the qualifier rules of the "
        "indicator catalogue. A bracketed placeholder marks a figure that cannot be given.</p>",
    ]
    n = 0
    for title, group in _groups(sentences, pub):
        parts.append(f"<h2>{e(title)}</h2>")
        for s in group:
            n += 1
            cls = ' class="s missing"' if s.computed is None else ' class="s"'
            parts.append(
                f'<p{cls} data-indicator="{e(s.indicator_code)}" data-period="{e(s.period)}">'
                f'<span class="para">¶{s.paragraph}</span> {e(s.text)}'
                f'<sup><a href="#n{n}" id="r{n}">{n}</a></sup></p>'
            )
    parts.append('<h2>Notes</h2><ol class="notes">')
    n = 0
    for _, group in _groups(sentences, pub):
        for s in group:
            n += 1
            parts.append(f'<li id="n{n}">{e(s.note)} <a href="#r{n}">↩</a></li>')
    parts.append("</ol></body></html>")
    return "\n".join(parts)


def write_docx(sentences: list[Sentence], pub: Publication, window: tuple[int, int], path: Path) -> Path:
    """The same draft as a Word document: numbered superscript references and a Notes section (python-docx
    has no footnote API; the notes are numbered as footnotes would be)."""
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.core_properties.title = f"Review of the strategy, {window[0]}-{window[1]}: draft text"
    doc.add_heading(f"Review of the strategy, {window[0]}–{window[1]}: draft text", level=1)
    meta = doc.add_paragraph(
        f"Figures from the {_source(pub)}, after disclosure control. Each figure's note gives "
        "its indicator code, the value computed and the rule of its wording."
    )
    meta.runs[0].font.size = Pt(9)
    n = 0
    for title, group in _groups(sentences, pub):
        doc.add_heading(title, level=2)
        for s in group:
            n += 1
            para = doc.add_paragraph()
            para.add_run(f"¶{s.paragraph} ").font.size = Pt(8)
            run = para.add_run(s.text)
            if s.computed is None:
                run.font.highlight_color = 7  # WD_COLOR_INDEX.YELLOW
            ref = para.add_run(str(n))
            ref.font.superscript = True
    doc.add_heading("Notes", level=2)
    n = 0
    for _, group in _groups(sentences, pub):
        for s in group:
            n += 1
            p = doc.add_paragraph(f"{n}. {s.note}")
            p.runs[0].font.size = Pt(8)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    doc.save(str(tmp))
    tmp.replace(path)
    return path


def write_draft(pub: Publication, window: tuple[int, int], out_dir: Path) -> dict:
    """review_draft.html and review_draft.docx under out_dir; returns their paths and the sentences."""
    sentences = regenerate(pub, window)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / "review_draft.html"
    tmp = html_path.with_name(f".review_draft.html.{os.getpid()}.tmp")
    tmp.write_text(render_html(sentences, pub, window), encoding="utf-8")
    tmp.replace(html_path)
    docx_path = write_docx(sentences, pub, window, out_dir / "review_draft.docx")
    return {
        "html": html_path,
        "docx": docx_path,
        "sentences": sentences,
        "missing": [s for s in sentences if s.computed is None],
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
