"""review-explain CODE PERIOD: everything behind one figure, from the published warehouse (read-only).

    review-explain P01.pre_consular_applicants 2007
    review-explain P09.emergency_projects_started 2007-2009
    review-explain P01.pre_consular_applicants 2007 --edition march-2010   (the provenance frozen with it)

Prints the figure; its definition and window rule; numerator and denominator (percentages); the files
behind it with the rows and persons/projects each contributed and the rows each lost to a later version
(marts.rpt_value_provenance); the rejected and held rows that would have counted, by file and check;
its plausibility flags (marts.rpt_plausibility, when the warehouse has it); its history across editions
(marts.edition_values). The same answers in SQL are in the README ("Where does a figure come from?").
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from pathlib import Path

import duckdb

PERIOD = re.compile(r"^(\d{4})(?:-(\d{4}))?$")


class ExplainError(RuntimeError):
    pass


def _fmt(v, unit: str | None = None) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, float):
        if unit == "percent":
            return f"{v:,.1f} %"
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


PLAUSIBILITY_SHOWN = 8  # flags listed; the rest are counted, with the query that lists them


def _table(headers: list[str], rows: list[tuple], indent: str = "  ") -> list[str]:
    cells = [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    num = [
        all(isinstance(r[i], (int, float)) or r[i] is None for r in rows) and bool(rows) for i in range(len(headers))
    ]
    line = lambda vals: indent + "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(vals, widths, num))  # noqa: E731
    return [line(headers), indent + "  ".join("-" * w for w in widths)] + [line(r) for r in cells]


def _has_table(con, schema: str, name: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]
        ).fetchall()[0][0]
    )


def _provenance_rows(con, code: str, period: str, edition: str | None):
    cols = "contribution, kind, file_name, sha256, check_name, row_count, unit_count, unit_counted, rows_superseded"
    if edition is None:
        return con.execute(
            f"select {cols} from marts.rpt_value_provenance where indicator_code = ? and period = ? "
            "order by contribution, kind, file_name, check_name",
            [code, period],
        ).fetchall()
    from pipelines.settings import Settings

    path = Settings.from_env().editions_dir / edition / "provenance.parquet"
    if not path.exists():
        raise ExplainError(
            f"edition {edition!r} holds no provenance ({path} missing: frozen before provenance existed?)"
        )
    return con.execute(
        f"select {cols} from read_parquet(?) where indicator_code = ? and period = ? "
        "order by contribution, kind, file_name, check_name",
        [str(path), code, period],
    ).fetchall()


def explain(warehouse: Path, code: str, period: str, edition: str | None = None) -> str:
    """The explanation of (indicator `code`, `period` 'YYYY' or 'YYYY-YYYY') as text."""
    m = PERIOD.match(period or "")
    if not m:
        raise ExplainError(f"period {period!r}: give a year (2007) or a review window (2007-2009)")
    if not warehouse.exists():
        raise ExplainError(f"no warehouse at {warehouse}: run a refresh first (make refresh)")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        ind = con.execute(
            "select name, definition, unit, window_rule, measure from marts.dim_indicator where indicator_code = ?",
            [code],
        ).fetchall()
        if not ind:
            close = con.execute(
                "select indicator_code from marts.dim_indicator order by jaro_winkler_similarity(indicator_code, ?) desc limit 3",
                [code],
            ).fetchall()
            raise ExplainError(f"no indicator {code!r}; nearest: {', '.join(r[0] for r in close)}")
        name, definition, unit, window_rule, measure = ind[0]
        if m.group(2):
            val = con.execute(
                "select value, numerator, denominator, yearly_mean, first_year_value, last_year_value, change_pct "
                "from marts.fct_indicator_window where indicator_code = ? and window_start = ? and window_end = ?",
                [code, int(m.group(1)), int(m.group(2))],
            ).fetchall()
            kind = "window"
        else:
            val = con.execute(
                "select value, numerator, denominator from marts.fct_indicator_values where indicator_code = ? and year = ?",
                [code, int(m.group(1))],
            ).fetchall()
            kind = "year"
        if not val:
            periods = con.execute(
                "select min(year), max(year) from marts.fct_indicator_values where indicator_code = ?", [code]
            ).fetchall()[0]
            windows = con.execute(
                "select string_agg(window_start || '-' || window_end, ', ') from marts.fct_indicator_window where indicator_code = ?",
                [code],
            ).fetchall()[0][0]
            raise ExplainError(f"{code} has no value for {period}: years {periods[0]}-{periods[1]}, windows {windows}")
        value, numerator, denominator = val[0][:3]
        out = [
            f"{code}  {period}  =  {_fmt(value, unit)} {'' if unit == 'percent' else unit}".rstrip(),
            f"  {name}",
            "",
        ]
        out.append(f"Definition: {definition}")
        rules = {
            "sum": "the sum of the yearly values",
            "distinct": "each project, person or country counted once over the window",
            "recomputed": "recomputed over the whole window from each person's latest record in it",
        }
        out.append(
            f"Window rule: {window_rule} ({rules.get(window_rule, window_rule)})"
            + (" - this is a yearly value" if kind == "year" else "")
        )
        out.append(f"Measure: {measure}")
        if unit == "percent":
            out.append(f"Numerator: {_fmt(numerator)}   Denominator: {_fmt(denominator)}")
        if kind == "window":
            ym, fy, ly, ch = val[0][3:]
            out.append(f"Yearly mean {_fmt(ym)}, first year {_fmt(fy)}, last year {_fmt(ly)}, change {_fmt(ch)} %")
        rows = _provenance_rows(con, code, period, edition)
        counted = [r for r in rows if r[0] == "counted"]
        would = [r for r in rows if r[0] != "counted"]
        src = f"edition {edition}" if edition else "current build"
        out += ["", f"Files behind it ({src}; {len(counted)} files):"]
        if counted:
            unit_name = counted[0][7]
            out += _table(
                ["kind", "file", "sha256", "rows counted", f"{unit_name} counted", "rows lost to a later version"],
                [(r[1], r[2], (r[3] or "")[:12], r[5], r[6], r[8]) for r in counted],
            )
            out.append(
                f"  total rows counted: {_fmt(sum(r[5] for r in counted))}"
                f" ({unit_name} are counted once per file: a {unit_name[:-1]} in two files is in both lines)"
            )
        else:
            out.append("  none: no valid row feeds this value")
        out += ["", "Rejected or held rows that would have counted:"]
        if would:
            out += _table(
                ["", "kind", "file", "check", "rows", "persons/projects"],
                [(r[0], r[1], r[2], r[4], r[5], r[6]) for r in would],
            )
            out.append(
                f"  total: {_fmt(sum(r[5] for r in would if r[0] == 'rejected'))} rejected, "
                f"{_fmt(sum(r[5] for r in would if r[0] == 'held'))} held rows"
            )
        else:
            out.append("  none")
        out += ["", "Plausibility:"]
        if _has_table(con, "marts", "rpt_plausibility"):
            # The flags on this value (organisation-wide, or on one of its countries or files), the most
            # important first; their sentences say what was found (issue 14's marts.rpt_plausibility).
            flags = con.execute(
                """
                select importance, rule_id, case when acknowledged then 'yes' else 'no' end, sentence
                from marts.rpt_plausibility where indicator_code = ? and period = ?
                order by case importance when 'high' then 0 when 'medium' then 1 else 2 end,
                         dimension nulls first, observed desc nulls last, flag_key
                """,
                [code, period],
            ).fetchall()
            if flags:
                out += _table(["importance", "rule", "acknowledged", "what was found"], flags[:PLAUSIBILITY_SHOWN])
                if len(flags) > PLAUSIBILITY_SHOWN:
                    out.append(
                        f"  ... and {len(flags) - PLAUSIBILITY_SHOWN} more: select * from marts.rpt_plausibility "
                        f"where indicator_code = '{code}' and period = '{period}'"
                    )
            else:
                out.append("  no flag")
        else:
            out.append("  (marts.rpt_plausibility is not in this warehouse)")
        out += ["", "History across editions:"]
        table = "fct_indicator_window" if kind == "window" else "fct_indicator_values"
        hist = con.execute(
            "select edition, cast(published_at as varchar), value, conf_status from marts.edition_values "
            "where table_name = ? and indicator_code = ? and period = ? and measure = 'value' and dimension is null "
            "order by published_at",
            [table, code, period],
        ).fetchall()
        if hist:
            out += _table(["edition", "published at", "value", "conf"], hist)
        else:
            out.append("  not in any edition")
        if _has_table(con, "marts", "rpt_restatement"):
            rest = con.execute(
                "select edition, edition_value, current_value, causes from marts.rpt_restatement "
                "where table_name = ? and indicator_code = ? and period = ? and measure = 'value' and dimension is null",
                [table, code, period],
            ).fetchall()
            for e, ev, cv, causes in rest:
                out.append(f"  restated since {e}: {_fmt(ev)} -> {_fmt(cv)} ({causes})")
        return "\n".join(out) + "\n"
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    from pipelines.settings import Settings

    ap = argparse.ArgumentParser(prog="review-explain", description=__doc__.split("\n\n")[0])
    ap.add_argument("code", help="indicator code, e.g. P01.pre_consular_applicants")
    ap.add_argument("period", help="a year (2007) or a review window (2007-2009)")
    ap.add_argument("--edition", help="read the files behind the figure from this edition's frozen provenance")
    ap.add_argument("--warehouse", type=Path, help="default: REVIEW_WAREHOUSE")
    a = ap.parse_args(argv)
    try:
        with warnings.catch_warnings():  # the pseudonym key's warning: nothing is hashed here
            warnings.simplefilter("ignore")
            warehouse = a.warehouse or Settings.from_env().warehouse
        sys.stdout.write(explain(warehouse, a.code, a.period, a.edition))
    except ExplainError as e:
        print(f"review-explain: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
