"""The review pack as the Council secretariat would send it (issue 16), on the scale-1 demo refreshed once:

- the workbook: number formats by unit, `c` only for suppressed cells (with the SDMX flags in a note),
  empty for no data, a legend on every sheet, frozen header, filters, landscape fit-to-width print setup
  with title and edition; LibreOffice converts it to a PDF of at most three pages per sheet;
- the HTML: year columns from the window's context span, earlier years apart, "–" before an
  indicator's first data, the provisional year marked, no "2,009", no doubled unit; in headless Chromium
  every window column is inside the viewport at 1280 px and inside the A4 landscape page when printed;
- breakdowns by sex and age band for every person indicator and the top countries of AVRR, resettlement
  and labour migration, every number equal to the exact mart and none of 1..k shown;
- the data-quality page lists plausibility flags by point when marts.rpt_plausibility exists (a table
  made by hand in a real DuckDB file), says "not run" when it does not, and redacts a flag on a
  suppressed cell.

Expected values come from the exact marts (read with SQL), never from the pack's own code.
"""

from __future__ import annotations

import html as htmllib
import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import polars as pl
import pytest

from support.demo_build import demo_warehouse
from support.runs import query

K = 5
TITLE = "Strategy review: indicators by strategy point"


def _tool(name: str, package: str, target: str) -> str:
    exe = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if exe is None:
        if os.geteuid() == 0:
            pytest.fail(f"{name} is missing: `make {target}` installs Debian's {package}")
        pytest.skip(f"{name} is not installed and this user cannot install it (sudo apt-get install {package})")
    return exe


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    from pipelines.publication.pack import build_pack
    from pipelines.publication.published import load_current

    warehouse = demo_warehouse(tmp_path_factory)
    out = tmp_path_factory.mktemp("pack")
    paths = build_pack(load_current(warehouse, K), out)
    return {"warehouse": warehouse, "html": paths["html"], "xlsx": paths["xlsx"], "out": out}


# --- workbook ---------------------------------------------------------------------------------------------


def _table(ws, first: str = "Indicator"):
    rows = list(ws.iter_rows())
    start = next(i for i, r in enumerate(rows) if r[0].value == first)
    return rows[start], rows[start + 1 :]


@pytest.mark.slow
def test_workbook_formats_marks_legend_and_print_setup(demo):
    from openpyxl import load_workbook

    wb = load_workbook(demo["xlsx"])
    wanted = {
        "About",
        "Organisation",
        *[f"Point {p}" for p in range(1, 13)],
        "Definitions",
        "Reconciliation",
        "Breakdowns",
        "Data quality",
    }
    assert wanted == set(wb.sheetnames)
    values = {
        (c, y): v
        for c, y, v in query(demo["warehouse"], "select indicator_code, year, value from marts.fct_indicator_values")
    }
    first_p1 = query(
        demo["warehouse"], "select min(year) from marts.fct_indicator_values where strategy_point = 1 and value <> 0"
    )[0][0]
    header, body = _table(wb["Point 1"])
    years = [h.value for h in header[3:] if h.value and str(h.value)[:4].isdigit() and "-" not in str(h.value)]
    assert years[0] == str(first_p1) and "2010 p" in years  # from the section's first data; 2010 provisional
    cells = {}
    for r in body:
        if not r[0].value:
            break  # the end of the indicator table (the reconciliation follows)
        cells[r[0].value] = {header[i].value: r[i] for i in range(len(header))}
    # before its first data (2005) P01.beneficiaries_reached is empty, not 0, not 'c'
    assert values[("P01.beneficiaries_reached", 2004)] == 0
    assert cells["P01.beneficiaries_reached"]["2004"].value is None
    assert cells["P01.beneficiaries_reached"]["2007"].value == pytest.approx(
        values[("P01.beneficiaries_reached", 2007)]
    )
    # number formats by unit
    assert cells["P01.expenditure_usd"]["2007"].number_format == "#,##0.0,,"  # USD millions, one decimal
    assert cells["P01.pre_consular_applicants"]["2007"].number_format == "#,##0"
    assert cells["P01.projects_active"]["2007"].number_format == "#,##0"
    assert cells["P01.migrant_training_women_pct"]["2007"].number_format == "0.0"
    assert cells["P01.pre_consular_applicants"]["2007-2009 change %"].number_format == "0.0"
    for name in wanted - {"About"}:
        ws = wb[name]
        legend = ws.cell(2, 1).value
        assert "c = confidential" in legend and "empty = no data" in legend, name
        assert ws.freeze_panes is not None, name
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1, name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.oddHeader.left.text == TITLE and "current build" in ws.oddFooter.left.text, name
        for row in ws.iter_rows():
            for c in row:
                if c.value == "c":  # only a suppressed number is 'c', and its note gives the flags
                    assert c.comment is not None and "conf_status" in c.comment.text, (name, c.coordinate)
    assert wb["Point 1"].auto_filter.ref
    # the reconciliation's empty dimension is empty, not 'c'
    header, body = _table(wb["Reconciliation"], "indicator code")
    idx = [h.value for h in header].index("dimension")
    org = [r for r in body if r[0].value == "ORG.projects_active"]
    assert org and all(r[idx].value is None for r in org)


@pytest.mark.slow
def test_workbook_prints_in_libreoffice_at_most_three_pages_per_sheet(demo, tmp_path):
    soffice = _tool("soffice", "libreoffice-calc", "libreoffice")
    pdftotext = _tool("pdftotext", "poppler-utils", "libreoffice")
    r = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(demo["xlsx"]),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    pdf = tmp_path / "review.pdf"
    assert pdf.exists(), r.stderr[-2000:]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    per_sheet: dict[str, int] = {}
    for p in range(1, pages + 1):
        text = subprocess.run(
            [pdftotext, "-f", str(p), "-l", str(p), "-layout", str(pdf), "-"], capture_output=True, text=True
        ).stdout
        first = text.strip().splitlines()[0]
        assert first.startswith(TITLE), first  # the header: title, then the sheet's name
        sheet = first[len(TITLE) :].strip() or "About"
        per_sheet[sheet] = per_sheet.get(sheet, 0) + 1
    print(f"LibreOffice PDF: {pages} pages; per sheet {per_sheet}")
    assert len(per_sheet) == 18 and max(per_sheet.values()) <= 3, per_sheet


# --- HTML -------------------------------------------------------------------------------------------------


def _section(html: str, sid: str) -> str:
    start = html.index(f'<section id="{sid}"')
    return html[start : html.index("</section>", start)]


@pytest.mark.slow
def test_html_year_columns_marks_and_captions(demo):
    html = demo["html"].read_text()
    p1 = _section(html, "point-1")
    ths = re.findall(r"<th[^>]*>(\d{4})", p1)
    assert ths[:7] == ["2004", "2005", "2006", "2007", "2008", "2009", "2010"]  # 3 years of context, window, 2010
    first = query(
        demo["warehouse"], "select min(year) from marts.fct_indicator_values where strategy_point = 1 and value <> 0"
    )[0][0]
    assert f"Earlier years ({first}&ndash;2003)" in p1
    assert re.search(r'<th class="prov" title="provisional: partly covered[^"]*">2010<sup class="p">p</sup>', p1)
    org = _section(html, "org")
    row = re.search(r'<tr data-indicator="ORG.beneficiaries_served">(.*?)</tr>', org).group(1)
    tds = re.findall(r'<td class="([^"]*)">(.*?)</td>', row)
    assert "nd" in tds[1][0] and "–" in tds[1][1]  # 2004: before the first service (2005), no data
    assert "(USD) (usd)" not in html and "(USD) (USD)" not in html and "(%) (%)" not in html
    quality = _section(html, "quality")
    assert not re.search(r">\d,\d{3}</td>", quality.split("<h3>Held rows")[1].split("<h3>")[0])  # no "2,009"
    # The demo build has marts.rpt_plausibility: the counts per point, then the flags. Its only high flags
    # are the 5 the generator plants (README, Plausibility checks): each listed, whatever the cap.
    assert "Plausibility checks not run" not in quality and 'class="plaus-counts"' in quality
    assert quality.count('<span class="imp-high">') == 5
    assert "a country is not an ISO 3166 alpha-3 code" in quality  # checks in words, not only their codes


def _cells(block: str) -> tuple[list[str], list[tuple[str, list[tuple[str, str]]]]]:
    periods = [htmllib.unescape(p) for p in re.findall(r"<th class=\"[^\"]*\">([^<]+)</th>", block)][1:-1]
    rows = []
    for label, rest in re.findall(r'<tr><td class="l">(.*?)</td>(.*?)</tr>', block):
        tds = [(cls, re.sub(r"<[^>]+>", "", t)) for cls, t in re.findall(r'<td class="([^"]*)">(.*?)</td>', rest)]
        rows.append((htmllib.unescape(label), tds[:-1]))  # the last cell is the bar
    return periods, rows


@pytest.mark.slow
def test_breakdowns_are_shown_after_disclosure_control(demo):
    from pipelines.publication.pack import SEX_LABEL

    html = demo["html"].read_text()
    exact = {
        (c, p, d, v): x
        for c, p, d, v, x in query(
            demo["warehouse"],
            "select indicator_code, period, dimension, dimension_value, value from marts.fct_indicator_breakdown",
        )
    }
    persons = [
        c
        for (c,) in query(
            demo["warehouse"],
            "select indicator_code from marts.dim_indicator join marts.fct_indicator_window using (indicator_code) "
            "where measure = 'persons' and value > 0",
        )
    ]
    blocks = dict(re.findall(r'<div class="blk" data-breakdown="([^"]+)">(.*?)</div>', html, re.S))
    for code in persons:
        assert f"{code}:sex" in blocks and f"{code}:age_band" in blocks, code
    for code in ("P10.avrr_returns", "P01.resettlement_persons", "P12.labour_migrants_deployed"):
        assert f"{code}:destination_country" in blocks and f"{code}:country_of_service" in blocks, code
    back = {v: k for k, v in SEX_LABEL.items()}
    shown = small_hidden = 0
    for key, block in blocks.items():
        code, dim = key.split(":")
        periods, rows = _cells(block)
        assert periods[:2] == ["2009", "2007–2009"], periods  # the latest complete year, the window
        if dim in ("destination_country", "country_of_service"):
            assert len(rows) <= 10
        for label, tds in rows:
            label = label.split(". ", 1)[-1]
            value = back.get(label, label) if dim == "sex" else label
            for period, (_cls, text) in zip(["2009", "2007-2009"], tds):
                x = exact.get((code, period, dim, value), 0)
                if 1 <= x <= K:
                    assert text == "c", (key, value, period, x)
                    small_hidden += 1
                if text != "c":
                    assert float(text.replace(",", "")) == pytest.approx(x), (key, value, period)
                    shown += 1
    assert shown > 300 and small_hidden > 0, (shown, small_hidden)


def _chromium(demo, tmp_path):
    exe = _tool("chromium", "chromium", "chromium")
    return [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]


PROBE = """<script>
const vw = document.documentElement.clientWidth, out = [];
for (const th of document.querySelectorAll('table.ind th.win')) out.push(th.getBoundingClientRect().right <= vw + 0.5);
document.body.setAttribute('data-probe', [out.length, out.filter(x => !x).length,
  document.documentElement.scrollWidth, vw].join(':'));
</script>"""


@pytest.mark.slow
def test_window_columns_inside_the_screen_and_the_printed_page(demo, tmp_path):
    base = _chromium(demo, tmp_path)
    shot = tmp_path / "screen.png"
    url = demo["html"].resolve().as_uri()
    subprocess.run([*base, f"--screenshot={shot}", "--window-size=1280,2400", url], capture_output=True, timeout=180)
    assert shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # screen: a copy of the pack with a probe script (the pack itself has none) measures every window header
    probe = tmp_path / "probe.html"
    probe.write_text(demo["html"].read_text().replace("</body>", PROBE + "</body>"))
    r = subprocess.run(
        [*base, "--window-size=1280,2400", "--dump-dom", probe.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
    )
    n, outside, scroll_width, vw = map(int, re.search(r'data-probe="([\d:]+)"', r.stdout).group(1).split(":"))
    assert n == 13 * 3 and outside == 0 and scroll_width <= vw, (n, outside, scroll_width, vw)
    # print: A4 landscape PDF; every window header word lies inside its page
    pdf = tmp_path / "print.pdf"
    subprocess.run([*base, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url], capture_output=True, timeout=180)
    pdftotext = _tool("pdftotext", "poppler-utils", "libreoffice")
    bbox = subprocess.run([pdftotext, "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', bbox, re.S)
    assert pages and all(float(w) > float(h) for w, h, _ in pages)  # landscape
    found = 0
    for w, _, body in pages:
        for xmax, word in re.findall(
            r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', body
        ):
            if word in ("2007–2009", "change"):
                assert float(xmax) <= float(w), (word, xmax, w)
                found += 1
    assert found >= 13 * 2, found  # each section's window column and change column, on a page
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        subprocess.run(
            [pdftoppm, "-f", "1", "-l", "4", "-r", "50", "-png", str(pdf), str(tmp_path / "print")], timeout=120
        )
    print(f"screenshot {shot}; print {pdf}: {len(pages)} A4 landscape pages")


# --- plausibility flags on the data-quality page ------------------------------------------------------------


def _plausibility_db(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")
        con.execute("""create table marts.rpt_plausibility (rule_id varchar, importance varchar, indicator_code varchar,
            strategy_point integer, period varchar, dimension varchar, dimension_value varchar, observed double,
            sentence varchar, acknowledged boolean)""")
        con.execute("""insert into marts.rpt_plausibility values
            ('jump', 'high', 'P01.pre_consular_applicants', 1, '2009', null, null, 133532,
             'Pre-consular applicants more than doubled from 2008 to 2009.', false),
            ('partial_year', 'medium', 'ORG.beneficiaries_served', null, '2010', null, null, 114153,
             '2010 is only partly covered by the extracts.', true),
            ('small_cell', 'low', 'P11.trafficked_persons_assisted', 11, '2009', 'sex', 'M', 3,
             'Only 3 men were assisted in 2009.', false)""")
    finally:
        con.close()


def test_plausibility_flags_listed_by_point_and_redacted_on_confidential_cells(tmp_path):
    from pipelines.publication.disclosure import REDACTED_SENTENCE, Control, redact_plausibility
    from pipelines.publication.pack import plausibility_html
    from pipelines.publication.published import read_optional

    db = tmp_path / "w.duckdb"
    _plausibility_db(db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        frames = read_optional(con)
    finally:
        con.close()
    assert set(frames) == {"rpt_plausibility"}  # no dim_year in this file: not read, no error
    # the men's cell of P11 in 2009 is suppressed (C): its flag must not quote the 3
    control = Control(cell={("P11.trafficked_persons_assisted", "2009", "sex", "M"): "C"}, withheld=set(), share={})
    flags = redact_plausibility(frames["rpt_plausibility"], control)
    out = plausibility_html(flags)
    sections = re.findall(r"<h3>([^<]+)</h3><ul class=\"flags\" data-point=\"(\d*)\">(.*?)</ul>", out)
    assert [s[0] for s in sections] == ["Organisation-wide", "Point 1", "Point 11"]
    assert "more than doubled from 2008 to 2009" in sections[1][2] and "high" in sections[1][2]
    assert "2010 is only partly covered" in sections[0][2] and "(acknowledged)" in sections[0][2]
    assert "Only 3 men" not in out and REDACTED_SENTENCE in sections[2][2]
    assert flags.filter(pl.col("rule_id") == "small_cell")["observed"].to_list() == [None]
    assert "Plausibility checks not run" in plausibility_html(None)


def test_the_pack_lists_every_high_flag_and_caps_the_rest_per_point():
    from pipelines.publication.pack import PLAUSIBILITY_LISTED_PER_POINT, plausibility_selection

    assert PLAUSIBILITY_LISTED_PER_POINT == 5
    # Point 1: 2 high and 20 low flags (3 of the low ones touch a published figure); point 2: 10 high, 1
    # medium; organisation-wide: 1 low. Listed: point 1 the 2 high, then the 3 touching low (5 in all);
    # point 2 all 10 high and not the medium (the 11th); the organisation-wide low.
    rows = [(1, "high", False, f"h{i}") for i in range(2)]
    rows += [(1, "low", i < 3, f"l{i:02}") for i in range(20)]
    rows += [(2, "high", False, f"H{i}") for i in range(10)] + [(2, "medium", True, "M0"), (None, "low", False, "o")]
    flags = pl.DataFrame(
        rows,
        schema={
            "strategy_point": pl.Int32,
            "importance": pl.String,
            "touches_published": pl.Boolean,
            "indicator_code": pl.String,
        },
        orient="row",
    ).with_columns(period=pl.lit("2009"))
    listed, counts = plausibility_selection(flags)
    by_point = {
        p: sorted(listed.filter(pl.col("strategy_point").eq_missing(p))["indicator_code"].to_list())
        for p in (None, 1, 2)
    }
    assert by_point[1] == ["h0", "h1", "l00", "l01", "l02"]
    assert by_point[2] == [f"H{i}" for i in range(10)]
    assert by_point[None] == ["o"]
    assert counts.rows() == [(None, 0, 0, 1, 1), (1, 2, 0, 20, 5), (2, 10, 1, 0, 10)]
