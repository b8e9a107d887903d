"""Writing extract files for the tests: the contract's columns per kind and RFC 4180 CSV writers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from schemas import CONTRACTS, KINDS

# A fixed test key: persons are pseudonymised with it (never the development default).
TEST_PSEUDONYM_KEY = "e2e-test-key-0123456789"

# The contract's columns per kind, in contract order: the column tables of schemas/ (extracts.md).
PROJECT_COLUMNS = CONTRACTS["projects"].column_names
EXPENDITURE_COLUMNS = CONTRACTS["expenditures"].column_names
BENEFICIARY_COLUMNS = CONTRACTS["beneficiaries"].column_names


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str] | None], line_end: str = "\n") -> str:
    """RFC 4180 text: header + rows. A row of `None` is written as a blank line (not a record).
    Rows are written exactly as given (they may have more or fewer fields than the header)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=line_end, quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    for r in rows:
        if r is None:
            buf.write(line_end)
        else:
            w.writerow(r)
    return buf.getvalue()


def write_extract(
    raw_dir: Path,
    kind: str,
    file_name: str,
    header: Sequence[str],
    rows: Iterable[Sequence[str] | None],
    *,
    encoding: str = "utf-8",
    bom: bool = False,
    line_end: str = "\n",
) -> Path:
    """Write one delivery file under <raw_dir>/<kind>/<file_name> and return its path."""
    folder = Path(raw_dir) / kind
    folder.mkdir(parents=True, exist_ok=True)
    data = csv_text(header, rows, line_end).encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path = folder / file_name
    path.write_bytes(data)
    return path


def write_raw_bytes(raw_dir: Path, kind: str, file_name: str, data: bytes) -> Path:
    """Write arbitrary bytes as a file in a kind's folder (non-UTF-8 files, non-CSV files)."""
    folder = Path(raw_dir) / kind
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name
    path.write_bytes(data)
    return path


def ensure_kind_dirs(raw_dir: Path) -> None:
    for kind in KINDS:
        (Path(raw_dir) / kind).mkdir(parents=True, exist_ok=True)
