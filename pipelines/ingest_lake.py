"""The lake: typed Parquet per delivery, the manifest of a refresh, and the cache keys.

Lake layout (REVIEW_LAKE_DIR):
    <kind>/valid/<cache_key>.parquet     valid rows, typed; personal data dropped, beneficiary_id hashed
    <kind>/rejects/<cache_key>.parquet   one row per failed check: row_number, column_name, check_name, value
    <kind>/reject_context/<cache_key>.parquet   per rejected row, the fields deciding what it would feed
                                         (pipelines/reject_context.py; never a personal-data value)
    <kind>/stats/<cache_key>.json        counts, failure counts by check, ignored columns
    <kind>/key_fingerprint.json          the pseudonym key's fingerprint the results were made under
    manifest/<kind>.parquet              the files of the current refresh: name, hash, status, counts
Each valid/ and rejects/ folder also holds `empty-v<INGEST_VERSION>.parquet` (no rows) so that a reader's
glob always matches even before the first delivery; dbt reads only valid files of the current version
(`*-v<INGEST_VERSION>.parquet`), so files an older ingest typed otherwise are never mixed in. (Not
`_empty.parquet`: Spark and Hadoop skip files whose names start with `_` or `.`, so such a placeholder
would be invisible to a Spark build.)

A delivery's cache key is `<first 40 hex of its SHA-256>-<pseudonym key fingerprint>-v<INGEST_VERSION>`:
the same content under the same key and ingest is validated once.

The columns of valid rows (LAKE_SCHEMAS) come from the contract's column table (schemas/), and so does
what dbt knows of them: the columns of the lake sources (`dbt_project/models/staging/_lake__sources.yml`,
the blocks between the `lake columns of` markers: name, SQL type) and the macro the staging models read
their column lists from (`dbt_project/macros/lake_columns.sql`). `python -m pipelines.ingest_lake`
rewrites both; tests/test_contract_table.py checks that they are in sync.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
from pathlib import Path

import polars as pl

from pipelines import reject_context
from pipelines.dropzone import list_kind_folder
from schemas import CONTRACTS
from schemas._checks import LAKE_ROW_COLUMNS, sql_type

# Bump when the lake's content for the same input would change (rules, typing, columns).
# 4: amounts are DECIMAL(28, 6) (schemas._checks.MONEY), no longer Float64; hostile-input hardening.
INGEST_VERSION = 4

# --- the typed shape of each kind in the lake (what dbt reads): from the contract's column table --------

LAKE_SCHEMAS: dict[str, dict[str, pl.DataType]] = {kind: c.lake_schema for kind, c in CONTRACTS.items()}

REJECTS_SCHEMA: dict[str, pl.DataType] = {
    "cache_key": pl.String,
    "row_number": pl.Int64,
    "column_name": pl.String,
    "check_name": pl.String,
    "value": pl.String,
}

MANIFEST_SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.String,
    "file_name": pl.String,
    "sha256": pl.String,
    "cache_key": pl.String,
    "size_bytes": pl.Int64,
    "status": pl.String,
    "message": pl.String,
    "rows_read": pl.Int64,
    "rows_valid": pl.Int64,
    "rows_rejected": pl.Int64,
    "from_cache": pl.Boolean,
}

# --- content hashes and cache keys ---------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    """SHA-256 of a regular file. Opened without blocking and checked after opening, so a file swapped
    for a FIFO or a device after the folder was listed is never read (NotRegular)."""
    h = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise NotRegular("not a regular file any more (it changed after the folder was listed): not read")
        while chunk := f.read(1 << 24):
            h.update(chunk)
    return h.hexdigest()


class NotRegular(Exception):
    """A delivery that is not a regular file when it is opened."""


def sha_or_reason(path: Path) -> tuple[str | None, str | None]:
    try:
        return sha256_of(path), None
    except NotRegular as e:
        return None, str(e)
    except FileNotFoundError:
        return None, "removed while the refresh was reading the folder: not read"


def cache_key_of(sha256: str, fingerprint: str) -> str:
    """The key of a delivery's results in the lake: its content, the pseudonym key, the ingest version."""
    return f"{sha256[:40]}-{fingerprint}-v{INGEST_VERSION}"


# --- writing the lake ----------------------------------------------------------------------------------


def write_atomic(df: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    df.write_parquet(tmp, compression="zstd", compression_level=1, statistics=True)
    os.replace(tmp, path)


def write_json_atomic(obj: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(obj, indent=1, sort_keys=True))
    os.replace(tmp, path)


def ensure_lake(lake_dir: Path) -> None:
    """Create the lake folders with empty placeholder files, so readers' globs always match, and remove
    temporary files a killed refresh left behind (they are never read: readers match *.parquet)."""
    if lake_dir.exists():
        for tmp in lake_dir.rglob(".*.tmp"):
            tmp.unlink(missing_ok=True)
    for kind, schema in LAKE_SCHEMAS.items():
        for sub, sch in (("valid", schema), ("rejects", REJECTS_SCHEMA)):
            p = lake_dir / kind / sub / f"empty-v{INGEST_VERSION}.parquet"  # typed as this version writes
            if not p.exists():
                write_atomic(pl.DataFrame(schema=sch), p)
        reject_context.ensure_placeholders(lake_dir, write_atomic)
        m = lake_dir / "manifest" / f"{kind}.parquet"
        if not m.exists():
            write_atomic(pl.DataFrame(schema=MANIFEST_SCHEMA), m)


def list_deliveries(kind_dir: Path) -> tuple[list[Path], list[Path]]:
    """(csv files to read, regular non-CSV files) directly in a kind's folder, sorted by name (see
    pipelines/dropzone.py for everything else a folder may hold)."""
    if not kind_dir.is_dir():
        return [], []
    read, skipped = list_kind_folder(kind_dir.parent, kind_dir.name)
    return read, [nr.sha256_path for nr in skipped if nr.sha256_path is not None]


def rekey_lake(lake_dir: Path, kind: str, fingerprint: str) -> str | None:
    """Keep one pseudonym key's results in the lake. The key's fingerprint (never the key) is stored in
    `<kind>/key_fingerprint.json`; results validated under another key are removed (the deliveries are
    validated again under the new one), and so are results of an older INGEST_VERSION (never read
    again). Returns a warning when the key changed, else None."""
    fp_path = lake_dir / kind / "key_fingerprint.json"
    old = None
    if fp_path.exists():
        try:
            old = json.loads(fp_path.read_text()).get("fingerprint")
        except (OSError, ValueError):
            old = None
    removed: set[str] = set()
    for sub in ("valid", "rejects", "stats", reject_context.SUBDIR):  # every per-delivery result
        folder = lake_dir / kind / sub
        if not folder.is_dir():
            continue
        for f in folder.iterdir():
            parts = f.name.split(".")[0].split("-")
            if len(parts) != 3 or not parts[2].startswith("v"):
                continue
            if parts[1] != fingerprint:
                removed.add(parts[0])
                f.unlink(missing_ok=True)
            elif parts[2] != f"v{INGEST_VERSION}":  # made by an older ingest: never read again
                f.unlink(missing_ok=True)
    if old != fingerprint:
        write_json_atomic({"fingerprint": fingerprint}, fp_path)
    if (old is not None and old != fingerprint) or removed:
        return (
            f"the pseudonym key (REVIEW_PSEUDONYM_KEY) changed since the last refresh (key fingerprint "
            f"{old or 'unknown'} -> {fingerprint}): {len(removed)} {kind} file(s) validated under the old key "
            f"were removed from the lake and every {kind} delivery is validated again under the new key"
        )
    return None


# --- the lake's columns as dbt reads them (generated files) ---------------------------------------------

DBT_SOURCES = Path(__file__).resolve().parents[1] / "dbt_project" / "models" / "staging" / "_lake__sources.yml"
_ROW_COLUMN_NOTES = {
    "cache_key": "the delivery the row came from (the manifest's cache_key)",
    "row_number": "the row's record number in its delivery file",
}
_BLOCK = re.compile(
    r"^(?P<indent> *)# >>> lake columns of (?P<kind>\w+):.*\n(?:.*\n)*?(?P=indent)# <<< lake columns of (?P=kind)\n",
    re.MULTILINE,
)


def dbt_source_columns(kind: str, indent: str = "        ") -> str:
    """The generated `columns:` block of one lake source (with its markers): name and SQL type of each
    column of a valid row, in lake order, and where a column comes from when it is not a contract column
    of the same name (documentation and types; the staging models read the names from the macro)."""
    contract = CONTRACTS[kind]
    made_from = {lk.name: (src, lk) for src, lk in contract.lake_columns}
    lines = [
        f"{indent}# >>> lake columns of {kind}: generated from schemas/ by `python -m pipelines.ingest_lake`; "
        "do not edit (tests/test_contract_table.py)",
        f"{indent}columns:",
    ]
    for name, dtype in contract.lake_schema.items():
        lines += [f"{indent}  - name: {name}", f"{indent}    data_type: {sql_type(dtype)}"]
        note = _ROW_COLUMN_NOTES.get(name)
        src, lk = made_from.get(name, (name, None))
        if lk is not None and src != name:
            stored = src in made_from
            note = f"keyed HMAC-SHA256 of {src}" if lk.pseudonymised else f"made from {src}"
            note += "" if stored else f" ({src} itself is never stored)"
        if note:
            lines.append(f"{indent}    description: {note}")
    lines.append(f"{indent}# <<< lake columns of {kind}")
    return "\n".join(lines) + "\n"


def synced_dbt_sources(text: str) -> str:
    """`text` (the lake sources yml) with each kind's generated columns block rewritten from the contract.
    ValueError when a kind has no block (its markers were removed)."""
    found: set[str] = set()

    def sub(m: re.Match) -> str:
        found.add(m["kind"])
        return dbt_source_columns(m["kind"], m["indent"])

    out = _BLOCK.sub(sub, text)
    if missing := set(CONTRACTS) - found:
        raise ValueError(f"{DBT_SOURCES.name}: no generated columns block for {', '.join(sorted(missing))}")
    return out


DBT_MACRO = DBT_SOURCES.parents[2] / "macros" / "lake_columns.sql"


def dbt_lake_columns_macro() -> str:
    """The generated macro lake_columns(kind): the columns of one kind's valid rows, in lake order, without
    cache_key and row_number (every lake row carries them; delivered_rows reads them itself). A macro with
    the lists written out, not a lookup in dbt's graph: unit tests compile models without a graph."""
    lists = ",\n".join(
        f"    '{kind}': [" + ", ".join(f"'{n}'" for n in c.lake_schema if n not in LAKE_ROW_COLUMNS) + "]"
        for kind, c in CONTRACTS.items()
    )
    return (
        "{#- generated from the contract's column tables (schemas/) by `python -m pipelines.ingest_lake`;\n"
        "    do not edit (tests/test_contract_table.py checks it is in sync).\n"
        "  lake_columns(kind): the columns of one kind's valid rows in the lake, in lake order, without\n"
        "  cache_key and row_number (every lake row carries them; delivered_rows reads them itself). The\n"
        "  staging models read their column lists from here. -#}\n"
        "{% macro lake_columns(kind) %}\n"
        "{%- set columns = {\n" + lists + "\n} -%}\n"
        "{{ return(columns[kind]) }}\n"
        "{% endmacro %}\n"
    )


def write_dbt_files() -> list[Path]:
    """Rewrite the generated dbt files from the contract (the columns blocks of the lake sources, the
    macro lake_columns); returns those that changed."""
    changed = []
    for path, new in (
        (DBT_SOURCES, synced_dbt_sources(DBT_SOURCES.read_text())),
        (DBT_MACRO, dbt_lake_columns_macro()),
    ):
        if not path.exists() or path.read_text() != new:
            path.write_text(new)
            changed.append(path)
    return changed


if __name__ == "__main__":  # python -m pipelines.ingest_lake: rewrite the generated dbt files
    changed = write_dbt_files()
    print("updated: " + ", ".join(map(str, changed)) if changed else "in sync", file=sys.stderr)
