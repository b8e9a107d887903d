"""The published numbers of the three fact tables: one list, `dbt_project/seeds/measures.csv`.

Each row names a table and a measure column, whether only percentage indicators have it, and how disclosure
control treats it (`cell`: suppressed with its breakdown cell or share value; `derived`: suppressed when a
yearly figure it derives from is; `none`: never). The long form of editions (published.long_values) is
this list in this order, and so is the long form marts.rpt_restatement compares them with
(dbt_project/macros/long_form.sql, through the var that `python -m schemas.dbt_lists` generates).
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas._checks import seed_rows

CELL, DERIVED, NONE = "cell", "derived", "none"


@dataclass(frozen=True)
class Measure:
    table_name: str
    measure: str
    percent_only: bool
    disclosure: str  # CELL, DERIVED or NONE


def measures(table_name: str | None = None) -> tuple[Measure, ...]:
    """The measures of the seed in its order; only those of `table_name` when given."""
    out = tuple(
        Measure(r["table_name"], r["measure"], r["percent_only"] == "true", r["disclosure"])
        for r in seed_rows("measures")
    )
    return tuple(m for m in out if table_name is None or m.table_name == table_name)


def controlled_as_cell(table_name: str) -> list[str]:
    """The measures of a table suppressed with their cell or share value."""
    return [m.measure for m in measures(table_name) if m.disclosure == CELL]
