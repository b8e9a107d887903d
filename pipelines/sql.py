"""`make sql`: an SQL shell on the published warehouse, read-only, with the DuckDB the project pins.

    python -m pipelines.sql [--warehouse PATH] [-c SQL]

It needs nothing beyond the project's venv (the `duckdb` CLI from PyPI, 1.5.x, works too: the published
file is written in storage format v1.5.0, see REVIEW_DUCKDB_STORAGE_VERSION). Read-only: a refresh can replace the file meanwhile (your connection keeps
its snapshot; reconnect with `.reopen` to see the new build) and nothing typed here can change it.

Statements end with `;` (several lines are fine). Commands: `.tables`, `.schema TABLE`, `.reopen`,
`.quit` (or Ctrl-D). Piped input works too: `echo "from marts.rpt_reconciliation;" | make sql`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from pipelines.settings import Settings

PROMPT, MORE = "review> ", "   ...> "
TABLES_SQL = (
    "select table_schema as schema, table_name as name, table_type as type from information_schema.tables "
    "where table_schema in ('marts', 'audit', 'reference') order by 1, 2"
)


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def shell(path: Path, stdin=sys.stdin, out=sys.stdout, err=sys.stderr) -> int:
    if not path.exists():
        print(f"No published warehouse at {path}: run `make refresh` (or `make demo`) first.", file=err)
        return 1
    con = connect(path)
    interactive = stdin.isatty()
    if interactive:
        try:
            import readline  # noqa: F401  (line editing and history)
        except ImportError:
            pass
        print(
            f"{path} (read-only, DuckDB {duckdb.__version__}). `.tables`, `.schema T`, `.quit`; end statements with ;",
            file=out,
        )
    buf: list[str] = []
    failures = 0
    while True:
        try:
            line = input(MORE if buf else PROMPT) if interactive else stdin.readline()
        except EOFError:
            break
        except KeyboardInterrupt:
            buf = []
            print(file=out)
            continue
        if not interactive and line == "":  # end of piped input
            break
        stripped = line.strip()
        if not buf and stripped.startswith("."):
            cmd, _, arg = stripped.partition(" ")
            if cmd in (".quit", ".exit", ".q"):
                break
            if cmd == ".reopen":
                con.close()
                con = connect(path)
                print("reopened: you now see the latest published build", file=out)
            elif cmd == ".tables":  # every table, one a line (a result box shows only the first 20 rows)
                rows = con.execute(TABLES_SQL).fetchall()
                width = max((len(f"{s}.{n}") for s, n, _ in rows), default=0)
                for schema, name, kind in rows:
                    print(f"{schema}.{name}".ljust(width + 2) + ("view" if kind == "VIEW" else "table"), file=out)
            elif cmd == ".schema" and arg:
                print(con.sql(f"describe {arg}"), file=out)
            else:
                print(f"unknown command {cmd!r}: .tables, .schema TABLE, .reopen, .quit", file=err)
            continue
        buf.append(line.rstrip("\n"))
        if not stripped.endswith(";"):
            continue
        sql, buf = "\n".join(buf), []
        try:
            rel = con.sql(sql)
            if rel is not None:
                print(rel, file=out)
        except duckdb.Error as e:
            failures += 1
            print(f"Error: {e}", file=err)
    if buf and "".join(buf).strip():  # a last statement without `;`
        try:
            rel = con.sql("\n".join(buf))
            if rel is not None:
                print(rel, file=out)
        except duckdb.Error as e:
            failures += 1
            print(f"Error: {e}", file=err)
    con.close()
    return 1 if failures and not interactive else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="make sql", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--warehouse", type=Path, help="the DuckDB file (default $REVIEW_WAREHOUSE, data/warehouse/review.duckdb)"
    )
    ap.add_argument("-c", "--command", help="run this SQL and exit")
    args = ap.parse_args(argv)
    if args.warehouse is None:
        import warnings

        with warnings.catch_warnings():  # the pseudonym key's warning: nothing is hashed here
            warnings.simplefilter("ignore")
            args.warehouse = Settings.from_env().warehouse
    path = args.warehouse.resolve()
    if args.command:
        import io

        return shell(
            path, stdin=io.StringIO(args.command if args.command.rstrip().endswith(";") else args.command + ";")
        )
    return shell(path)


if __name__ == "__main__":
    sys.exit(main())
