"""Plausibility flags at publication (issue 14): acknowledgements, the edition gate, the summary line.

The flags themselves are computed by dbt (seed `plausibility_rules`, models `int_plausibility_*`,
`marts.rpt_plausibility`). This module handles what happens around them:

- **Acknowledgements** are a versioned CSV file, `$REVIEW_ACKNOWLEDGEMENTS` (default `acknowledgements.csv`
  beside the warehouse's folder, i.e. `data/acknowledgements.csv`), with the columns
  `flag_key,acknowledged_by,acknowledged_at,reason`: one line per acknowledgement, a reviewer's name, an
  ISO 8601 time and why the figure stands. The latest line of a key wins. Before dbt runs,
  `prepare_acknowledgements` reads the file, keeps the valid lines and writes them, normalised, to the lake
  folder for dbt to read (`REVIEW_ACKNOWLEDGEMENTS_READ`): a malformed file never fails a refresh, its
  problems are logged. A missing file means no acknowledgements.
- **The edition gate**: `edition_refusal(warehouse)` is the reason `review-publish --edition` refuses to
  freeze, or None: a `high` flag that touches a published figure and is acknowledged neither in the
  warehouse nor in the acknowledgements file as it is now. A refresh is never blocked by a flag.
- **Freezing**: `freeze(warehouse, folder)` writes the flags (with their acknowledgements as of the
  publication) and the acknowledgements read into the edition folder.
- **Summary**: `summary_line(con)` is "Plausibility flags: N high, N medium, N low (marts.rpt_plausibility)".
"""

from __future__ import annotations

import csv
import io
import logging
import os
from pathlib import Path

import duckdb
import polars as pl

from pipelines.settings import Settings

log = logging.getLogger(__name__)

ACK_COLUMNS = ("flag_key", "acknowledged_by", "acknowledged_at", "reason")
READ_VAR = "REVIEW_ACKNOWLEDGEMENTS_READ"  # the normalised copy dbt reads (macro plausibility_acknowledgements_file)
TABLE = "marts.rpt_plausibility"
FLAG_COLUMNS = (
    "flag_key",
    "rule_id",
    "importance",
    "indicator_code",
    "strategy_point",
    "period",
    "dimension",
    "dimension_value",
    "observed",
    "expected_low",
    "expected_high",
    "reference_value",
    "sentence",
    "published_figures",
    "touches_published",
    "acknowledged",
    "acknowledged_by",
    "acknowledged_at",
    "acknowledgement_reason",
)
FLAG_SCHEMA = {
    "flag_key": pl.String,
    "rule_id": pl.String,
    "importance": pl.String,
    "indicator_code": pl.String,
    "strategy_point": pl.Int32,
    "period": pl.String,
    "dimension": pl.String,
    "dimension_value": pl.String,
    "observed": pl.Float64,
    "expected_low": pl.Float64,
    "expected_high": pl.Float64,
    "reference_value": pl.Float64,
    "sentence": pl.String,
    "published_figures": pl.String,
    "touches_published": pl.Boolean,
    "acknowledged": pl.Boolean,
    "acknowledged_by": pl.String,
    "acknowledged_at": pl.String,
    "acknowledgement_reason": pl.String,
}
IMPORTANCE = ("high", "medium", "low")


def acknowledgements_path(settings: Settings | None = None) -> Path:
    """$REVIEW_ACKNOWLEDGEMENTS, or acknowledgements.csv beside the warehouse's folder (data/acknowledgements.csv):
    the settings' `acknowledgements` (from the environment when no settings are given)."""
    return (settings or Settings.from_env()).acknowledgements


def read_acknowledgements(path: Path | None = None) -> tuple[list[dict], list[str]]:
    """The valid acknowledgement lines of the file (all of them, in file order) and the problems found.
    A line needs a flag key, a name and a reason; a missing file has no acknowledgements."""
    path = path or acknowledgements_path()
    if not path.exists():
        return [], []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        return [], [f"{path}: cannot be read as UTF-8 text ({type(e).__name__}); no acknowledgement is taken from it"]
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in ACK_COLUMNS if c not in header]
    if missing:
        return [], [
            f"{path}: columns {', '.join(missing)} missing (expected {','.join(ACK_COLUMNS)}); no acknowledgement is taken from it"
        ]
    reader.fieldnames = header
    rows, problems = [], []
    for n, raw in enumerate(reader, start=2):
        row = {c: (raw.get(c) or "").strip() for c in ACK_COLUMNS}
        if not any(row.values()):
            continue
        empty = [c for c in ("flag_key", "acknowledged_by", "reason") if not row[c]]
        if empty:
            problems.append(f"{path.name} line {n}: {', '.join(empty)} empty; the line acknowledges nothing")
            continue
        rows.append(row)
    return rows, problems


def latest_acknowledgements(rows: list[dict]) -> dict[str, dict]:
    """One acknowledgement per flag key: the latest by acknowledged_at (ISO text), later lines winning ties
    (the order of marts' stg_plausibility_acknowledgements up to ties)."""
    latest: dict[str, dict] = {}
    for row in rows:
        cur = latest.get(row["flag_key"])
        if cur is None or row["acknowledged_at"] >= cur["acknowledged_at"]:
            latest[row["flag_key"]] = row
    return latest


def prepare_acknowledgements(settings: Settings) -> dict[str, str]:
    """Before dbt runs: the valid acknowledgements, normalised, in <lake_dir>/acknowledgements.csv. Returns
    the dbt process's environment that points at it (REVIEW_ACKNOWLEDGEMENTS_READ). Problems of the
    reviewers' file are logged, never raised."""
    lake_dir = settings.lake_dir
    rows, problems = read_acknowledgements(settings.acknowledgements)
    for p in problems:
        log.warning("acknowledgements: %s", p)
    lake_dir.mkdir(parents=True, exist_ok=True)
    target = lake_dir / "acknowledgements.csv"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(ACK_COLUMNS)
    w.writerows([r[c] for c in ACK_COLUMNS] for r in rows)
    tmp = target.with_name(f".acknowledgements.{os.getpid()}.csv")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    os.replace(tmp, target)
    return {READ_VAR: str(target)}


def _has_table(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = 'rpt_plausibility'"
        ).fetchall()[0][0]
    )


def current_flags(warehouse: Path, acknowledgements: Path | None = None) -> pl.DataFrame | None:
    """The warehouse's flags, with the acknowledgements of the file as it is now merged in (a flag
    acknowledged in either counts as acknowledged; the file's latest line is shown). None when the
    warehouse has no marts.rpt_plausibility (built before issue 14)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        if not _has_table(con):
            return None
        rows = con.execute(f"select {', '.join(FLAG_COLUMNS)} from {TABLE} order by flag_key").fetchall()
    finally:
        con.close()
    flags = pl.DataFrame(rows, schema=FLAG_SCHEMA, orient="row")
    acks = latest_acknowledgements(read_acknowledgements(acknowledgements)[0])
    if not acks:
        return flags
    ack = pl.DataFrame(
        [
            {"flag_key": k, "_by": a["acknowledged_by"], "_at": a["acknowledged_at"] or None, "_why": a["reason"]}
            for k, a in acks.items()
        ],
        schema={"flag_key": pl.String, "_by": pl.String, "_at": pl.String, "_why": pl.String},
    )
    merged = flags.join(ack, on="flag_key", how="left")
    has = pl.col("_by").is_not_null()
    return merged.with_columns(
        acknowledged=pl.col("acknowledged") | has,
        acknowledged_by=pl.when(has).then(pl.col("_by")).otherwise(pl.col("acknowledged_by")),
        acknowledged_at=pl.when(has).then(pl.col("_at")).otherwise(pl.col("acknowledged_at")),
        acknowledgement_reason=pl.when(has).then(pl.col("_why")).otherwise(pl.col("acknowledgement_reason")),
    ).select(list(FLAG_SCHEMA))


def blocking(flags: pl.DataFrame) -> pl.DataFrame:
    """The flags that stop an edition: high, touching a published figure, not acknowledged."""
    return flags.filter((pl.col("importance") == "high") & pl.col("touches_published") & ~pl.col("acknowledged"))


def edition_refusal(warehouse: Path, acknowledgements: Path | None = None) -> str | None:
    """Why an edition of this warehouse may not be frozen, or None when it may. `acknowledgements`: the
    reviewers' file (default: acknowledgements_path())."""
    acknowledgements = acknowledgements or acknowledgements_path()
    flags = current_flags(warehouse, acknowledgements)
    if flags is None:
        return f"{warehouse} has no {TABLE}: run a refresh before freezing an edition"
    stop = blocking(flags)
    if stop.is_empty():
        return None
    lines = [
        f"{stop.height} high plausibility flag(s) touch published figures and are not acknowledged; "
        f"the edition is not frozen. Check each, then acknowledge it with a line "
        f"`flag_key,acknowledged_by,acknowledged_at,reason` in {acknowledgements}:"
    ]
    for r in stop.head(20).iter_rows(named=True):
        lines.append(f"  {r['flag_key']}\n    {r['sentence']}\n    touches: {r['published_figures']}")
    if stop.height > 20:
        lines.append(f"  ... {stop.height - 20} more in {TABLE} (importance = 'high' and touches_published)")
    return "\n".join(lines)


def freeze(warehouse: Path, folder: Path, acknowledgements: Path | None = None) -> None:
    """Write the flags the edition is published with (acknowledgements as of now) and the
    acknowledgement lines read, into the edition's folder."""
    acknowledgements = acknowledgements or acknowledgements_path()
    flags = current_flags(warehouse, acknowledgements)
    if flags is None:
        flags = pl.DataFrame(schema=FLAG_SCHEMA)
    flags.write_parquet(folder / "plausibility_flags.parquet")
    rows = read_acknowledgements(acknowledgements)[0]
    pl.DataFrame(rows, schema={c: pl.String for c in ACK_COLUMNS}).write_parquet(folder / "acknowledgements.parquet")


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Flags per importance (every importance, 0 when none)."""
    got = dict(con.execute(f"select importance, count(*) from {TABLE} group by importance").fetchall())
    return {i: int(got.get(i, 0)) for i in IMPORTANCE}


def summary_line(con: duckdb.DuckDBPyConnection) -> str:
    """'Plausibility flags: N high, N medium, N low (marts.rpt_plausibility)' for the end-of-refresh summary."""
    if not _has_table(con):
        return f"Plausibility flags: none computed ({TABLE} missing)"
    c = counts(con)
    return f"Plausibility flags: {c['high']} high, {c['medium']} medium, {c['low']} low ({TABLE})"


def top_flags(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[tuple]:
    """The first flags to look at: high before medium before low, unacknowledged and touching published
    figures first. (flag_key, importance, acknowledged, touches_published, sentence)."""
    return con.execute(
        f"""
        select flag_key, importance, acknowledged, touches_published, sentence from {TABLE}
        order by case importance when 'high' then 0 when 'medium' then 1 else 2 end,
                 acknowledged, touches_published desc, flag_key
        limit {int(limit)}
        """
    ).fetchall()
