"""CSV writing: RFC 4180, minimal quoting; big frames through polars with raw rows inserted."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl


def _csv_line(values, terminator: str = "\n") -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=terminator).writerow(["" if v is None else v for v in values])
    return buf.getvalue()


def write_rows(
    path: Path, header: list[str], rows: list[list], *, bom: bool = False, crlf: bool = False, encoding: str = "utf-8"
) -> None:
    """Small files (projects, expenditures): csv module, RFC 4180 minimal quoting; None -> empty cell."""
    with open(path, "w", encoding=encoding, newline="") as f:
        if bom:
            f.write("\ufeff")
        w = csv.writer(f, lineterminator="\r\n" if crlf else "\n")
        w.writerow(header)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])


def write_frame(path: Path, df: pl.DataFrame, inserts: list[tuple[int, list]]) -> None:
    """A big string frame via polars, with raw rows inserted at data positions (0-based, in final file)."""
    with open(path, "wb") as f:
        f.write((",".join(df.columns) + "\n").encode())
        pos = 0  # rows of df written
        written = 0  # data rows in file
        for at, raw in sorted(inserts, key=lambda x: x[0]):
            take = at - written
            if take > 0:
                buf = io.BytesIO()
                df.slice(pos, take).write_csv(buf, include_header=False)
                f.write(buf.getvalue())
                pos += take
                written += take
            f.write(_csv_line(raw).encode())
            written += 1
        if pos < df.height:
            buf = io.BytesIO()
            df.slice(pos).write_csv(buf, include_header=False)
            f.write(buf.getvalue())
