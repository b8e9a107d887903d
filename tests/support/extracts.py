"""Writing extract files for the tests: the contract's columns per kind and RFC 4180 CSV writers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

# A fixed test key: persons are pseudonymised with it (never the development default).
TEST_PSEUDONYM_KEY = "e2e-test-key-0123456789"

KINDS = ("projects", "expenditures", "beneficiaries")

# The contract's columns per kind (extracts.md), in contract order.
PROJECT_COLUMNS = [
    "project_code",
    "title",
    "country_iso3",
    "activity_type",
    "strategy_points",
    "primary_point",
    "start_date",
    "end_date",
    "budget_usd",
    "extracted_at",
]
EXPENDITURE_COLUMNS = ["project_code", "year", "expenditure_usd", "extracted_at"]
BENEFICIARY_COLUMNS = [
    "service_id",
    "beneficiary_id",
    "full_name",
    "document_no",
    "date_of_birth",
    "sex",
    "service_type",
    "service_date",
    "country_of_service",
    "destination_country",
    "case_category",
    "project_code",
    "extracted_at",
]


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
