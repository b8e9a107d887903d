"""`make demo`: synthetic extracts (if the drop zone is empty), a full refresh, and a short summary.

    python -m pipelines.demo [--scale 1] [--no-generate]
"""

import argparse
import os
import sys
import time
from pathlib import Path

import duckdb

from pipelines.settings import Settings
from schemas import KINDS


def drop_zone_is_empty(raw_dir: Path) -> bool:
    return not any(p.suffix.lower() == ".csv" for kind in KINDS for p in (raw_dir / kind).glob("*"))


def run_refresh() -> bool:
    """The same job `dagster asset materialize -m pipelines --select '*'` runs, recorded in DAGSTER_HOME."""
    import dagster as dg

    from pipelines.definitions import defs

    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    result = defs.resolve_job_def("refresh").execute_in_process(instance=instance, raise_on_error=False)
    return result.success


def summary(settings: Settings) -> str:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        q = lambda sql: con.execute(sql).fetchall()  # noqa: E731
        holding, figures = q("select count(*) filter (where holds), count(*) from marts.rpt_reconciliation")[0]
        not_holding = q(
            "select indicator_code, period, published_value, computed_value from marts.rpt_reconciliation "
            "where not holds order by 1, 2"
        )
        rows_rejected = q("select count(*) from (select distinct kind, file_name, row_number from audit.rejected_rows)")[0][0]
        reasons = q(
            "select check_name, count(*) as n from audit.rejected_rows group by 1 order by n desc, 1 limit 5"
        )
        files = q("select kind, file_name, message from audit.rejected_files order by 1, 2")
        held = q("select count(*) from audit.held_rows")[0][0]
        valid = q("select coalesce(sum(rows_valid), 0) from audit.source_files")[0][0]
        n_ind, years = q("select count(distinct indicator_code), min(year) || '-' || max(year) from marts.fct_indicator_values")[0]
    finally:
        con.close()
    lines = [
        "",
        "=" * 78,
        f"Warehouse: {settings.warehouse}",
        f"  {n_ind} indicators, years {years}; {valid:,} valid source rows.",
        "  Open it read-only, e.g.:",
        f"    .venv/bin/python -c \"import duckdb; c = duckdb.connect('{settings.warehouse}', read_only=True); "
        "print(c.sql('select * from marts.rpt_reconciliation'))\"",
        f"Published figures holding: {holding} of {figures}",
    ]
    lines += [f"  does not hold: {r[0]} {r[1]}: published {r[2]:,.0f}, computed {r[3]}" for r in not_holding]
    lines.append(f"Rejected rows: {rows_rejected:,} (audit.rejected_rows); top reasons:")
    lines += [f"  {n:>8,}  {name}" for name, n in reasons]
    lines.append(f"Rejected files: {len(files)} (audit.rejected_files)")
    lines += [f"  {k}/{f}: {m}" for k, f, m in files]
    lines.append(f"Held rows (unknown project): {held:,} (audit.held_rows)")
    lines.append("=" * 78)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="scale of generated extracts (1 = organisation-sized)")
    ap.add_argument("--no-generate", action="store_true", help="never generate, use data/raw as it is")
    args = ap.parse_args(argv)
    settings = Settings.from_env()
    if drop_zone_is_empty(settings.raw_dir) and not args.no_generate:
        from pipelines.demo_data import generate

        t = time.perf_counter()
        print(f"No extracts under {settings.raw_dir}: generating SYNTHETIC demo extracts (scale {args.scale:g}) ...")
        generate(settings.raw_dir, scale=args.scale)
        print(f"  generated in {time.perf_counter() - t:.0f} s")
    t = time.perf_counter()
    ok = run_refresh()
    print(f"Refresh {'succeeded' if ok else 'FAILED'} in {time.perf_counter() - t:.0f} s")
    if not ok or not settings.warehouse.exists():
        print("The warehouse was not published; see the run log above.", file=sys.stderr)
        return 1
    print(summary(settings))
    from pipelines.publication.cli import write_pack

    paths = write_pack(warehouse=settings.warehouse)  # disclosure-controlled, like everything published
    print(f"Review pack: {paths['html']}\n             {paths['xlsx']}")
    from pipelines.publication.draft import draft_from_cli

    draft = draft_from_cli("2007-2009", warehouse=settings.warehouse)  # the demo's window: its data exists
    print(f"Draft text:  {draft['html']}\n             {draft['docx']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
