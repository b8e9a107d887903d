"""Descriptions of the warehouse tables that dbt does not build (audit.refresh_log, audit.refresh_files,
written by the publish step, pipelines/operations.py write_refresh_log), written as DuckDB COMMENTs like the dbt models'
(persist_docs), so that duckdb_tables() and duckdb_columns() describe every table an analyst sees."""

from __future__ import annotations

from pathlib import Path

TABLE_COMMENTS: dict[str, tuple[str, dict[str, str]]] = {
    "audit.refresh_log": (
        "One row per refresh attempt (published or not), from the refresh event log.",
        {
            "run_id": "Dagster run id of the refresh.",
            "started_at": "When the refresh started (UTC).",
            "finished_at": "When it finished (UTC); NULL if it never did.",
            "published": "True when this refresh published the warehouse.",
            "reason": "Why a refresh did not publish (the failed stage and error); NULL when it did.",
            "raw_dir": "The drop zone the refresh read ($REVIEW_RAW_DIR).",
        },
    ),
    "audit.refresh_files": (
        "Every file of every published refresh: name, SHA-256 and row counts (the history of deliveries).",
        {
            "run_id": "Dagster run id of the refresh (audit.refresh_log).",
            "kind": "Extract kind: projects, expenditures or beneficiaries.",
            "file_name": "Name of the delivery file under $REVIEW_RAW_DIR/<kind>/.",
            "status": "loaded, rejected or ignored.",
            "size_bytes": "File size in bytes.",
            "sha256": "SHA-256 of the file's content.",
            "rows_read": "Records read (blank lines excepted).",
            "rows_valid": "Rows that passed every check.",
            "rows_rejected": "Rows that failed at least one check.",
            "rows_held": "Valid expenditure rows held back (unknown project).",
            "message": "For rejected or ignored files: why.",
        },
    ),
}


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def comment_sql() -> str:
    """COMMENT ON statements for the tables above (they must exist)."""
    out = []
    for table, (desc, columns) in TABLE_COMMENTS.items():
        out.append(f"comment on table {table} is {_lit(desc)};")
        out += [f"comment on column {table}.{c} is {_lit(d)};" for c, d in columns.items()]
    return "\n".join(out)


def comment_refresh_tables(con) -> None:
    con.execute(comment_sql())


# --- make docs: the dbt documentation site --------------------------------------------------------------


def build_docs_site(out_dir=None, warehouse=None) -> Path:
    """`dbt docs generate --static` into dbt_project/target/docs (or out_dir): lineage from the lake sources
    to the marts and the exposures (review pack, editions), every description, and the column types of a
    copy of the published warehouse (the copy, so that analysts reading the warehouse never block it and
    it is never opened for writing). Returns the self-contained static_index.html."""
    import os
    import shutil
    import subprocess
    import sys
    import tempfile
    import warnings
    from pathlib import Path

    from pipelines.settings import REPO, Settings

    dbt_dir = REPO / "dbt_project"
    out = Path(out_dir) if out_dir else dbt_dir / "target" / "docs"
    out.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():  # the pseudonym key is not used here
        warnings.simplefilter("ignore")
        settings = Settings.from_env()
    warehouse = Path(warehouse) if warehouse else settings.warehouse
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        catalog_db = Path(tmp) / warehouse.name  # the same database name as the warehouse's
        if warehouse.exists():
            shutil.copyfile(warehouse, catalog_db)
        env = {
            **os.environ,
            "REVIEW_DBT_PATH": str(catalog_db),
            "REVIEW_DBT_TARGET": "duckdb",
            "REVIEW_LAKE_DIR": str(settings.lake_dir),
        }
        cmd = [
            str(Path(sys.executable).parent / "dbt"),
            "docs",
            "generate",
            "--static",
            "--quiet",
            "--project-dir",
            str(dbt_dir),
            "--profiles-dir",
            str(dbt_dir),
            "--target-path",
            str(out),
        ]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"dbt docs generate failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return out / "static_index.html"


def main() -> int:
    page = build_docs_site()
    print(f"dbt docs site built: open {page} in a browser (one self-contained file),")
    print(
        f"or serve it: .venv/bin/dbt docs serve --project-dir dbt_project --profiles-dir dbt_project "
        f"--target-path {page.parent}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
