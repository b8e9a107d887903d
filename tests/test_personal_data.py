"""Issue 11's end-to-end sweep: a drop zone holding every hostile item at once, with personal-data canaries
in every personal column, a header-less file, a shifted row and a symlinked secret. After a real refresh
(the `dagster` CLI, a real instance in DAGSTER_HOME), an edition and the review pack, no canary appears
anywhere a refresh writes: the warehouse (every cell), the lake (every Parquet cell, every other file),
Dagster's storage and logs, dbt's target and logs, the console output, the pack (HTML, CSV, every xlsx
cell) or the edition (every Parquet cell, its manifest). A control value that must be found keeps each
scan from being blind.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from support.extracts import BENEFICIARY_COLUMNS, EXPENDITURE_COLUMNS, PROJECT_COLUMNS, csv_text

REPO = Path(__file__).resolve().parents[1]
DAGSTER = str(Path(sys.executable).parent / "dagster")

# Canaries: each personal column gets its own, so a hit says which column leaked.
NAMES = ["Zoltan Quarrington", "Imelda Vantongeren"]
DOCS = ["QX9988776", "PZ4455112"]
DOBS = ["1977-04-23", "1968-11-02"]
CASES = ["CASE-CANARY-5521", "CASE-CANARY-8830"]
SECRET = "SECRET-CANARY-7731"
CANARIES = [*NAMES, "Quarrington", "Vantongeren", *DOCS, *DOBS, "23/04/1977", *CASES, SECRET]
CONTROL_TITLE = "Control title 4242"  # a project title: must be found in the warehouse, lake and pack
CONTROLS = (CONTROL_TITLE, "b_noheader.csv")  # ... and a file name (in Dagster's storage, the edition)

TS = "2010-01-01T00:00:00Z"


def person_row(i: int, sid: str, **over) -> list[str]:
    row = {
        "service_id": sid,
        "beneficiary_id": CASES[i],
        "full_name": NAMES[i],
        "document_no": DOCS[i],
        "date_of_birth": DOBS[i],
        "sex": "F",
        "service_type": "migrant_training",
        "service_date": "2009-03-01",
        "country_of_service": "KEN",
        "destination_country": "",
        "case_category": "",
        "project_code": "AA.0001",
        "extracted_at": TS,
    }
    row.update(over)
    return [row[c] for c in BENEFICIARY_COLUMNS]


def build_drop_zone(root: Path) -> Path:
    raw = root / "raw"
    p, e, b = raw / "projects", raw / "expenditures", raw / "beneficiaries"
    for d in (p, e, b):
        d.mkdir(parents=True)
    (p / "p.csv").write_text(
        csv_text(
            PROJECT_COLUMNS,
            [
                ["AA.0001", CONTROL_TITLE, "KEN", "migrant_training", "1", "1", "2007-01-01", "", "1000", TS],
                ["AA.0002", "Second project", "UGA", "emergency", "9", "9", "2008-01-01", "", "500", TS],
            ],
        )
    )
    (e / "e.csv").write_text(csv_text(EXPENDITURE_COLUMNS, [["AA.0001", "2009", "100.5", TS]]))
    good = [person_row(i % 2, f"S{i}", sex="FM"[i % 2]) for i in range(8)]
    (b / "b_good.csv").write_text(csv_text(BENEFICIARY_COLUMNS, good))
    # A header-less file: its first line is a person's record.
    (b / "b_noheader.csv").write_text(csv_text(person_row(0, "H1"), [person_row(1, "H2")]))
    # A shifted row: an unquoted comma in full_name and destination_country left out (13 fields again).
    shifted = ",".join(
        [
            "S90",
            CASES[1],
            "Imelda",
            " Vantongeren",
            DOCS[1],
            DOBS[1],
            "F",
            "migrant_training",
            "2009-03-01",
            "KEN",
            "",
            "AA.0001",
            TS,
        ]
    )
    # Personal-looking values in non-personal columns, a day-first date of birth, an unclosed quote.
    rows = [
        ",".join(person_row(0, "S91", sex=DOBS[0])),
        ",".join(person_row(0, "S92", case_category=NAMES[0])),
        ",".join(person_row(1, "S93", project_code=DOCS[1])),
        ",".join(person_row(0, "S94", date_of_birth="23/04/1977")),
        ",".join(person_row(1, "S95", destination_country=CASES[1])),
        ",".join(person_row(0, "S96", full_name='"' + NAMES[0])),  # the quote is never closed
        *[",".join(person_row(i % 2, f"S{100 + i}")) for i in range(5)],
    ]
    (b / "b_bad.csv").write_text(",".join(BENEFICIARY_COLUMNS) + "\n" + shifted + "\n" + "\n".join(rows) + "\n")
    # A header with personal values as unknown column names, duplicated.
    (b / "b_dup.csv").write_text(",".join([*BENEFICIARY_COLUMNS, NAMES[0], NAMES[0]]) + "\n")
    # Missing columns, with canaries among the names.
    (b / "b_missing.csv").write_text(f"service_id,{DOCS[0]},{DOBS[0]},sex\nS1,x,y,F\n")
    # Semicolon-separated.
    (b / "b_semicolon.csv").write_text(";".join(BENEFICIARY_COLUMNS) + "\n" + ";".join(person_row(0, "S7")) + "\n")
    # Too many columns (names are canaries).
    (b / "b_wide.csv").write_text(",".join([*BENEFICIARY_COLUMNS] + [f"{CASES[0]}-{i}" for i in range(1100)]) + "\n")
    # A record longer than the record cap, holding a canary.
    (b / "b_long.csv").write_text(
        ",".join(BENEFICIARY_COLUMNS) + "\n" + ",".join(person_row(0, "S8", full_name=NAMES[0] * 70_000)) + "\n"
    )
    # Not read: a link to a secret outside the drop zone, a FIFO, a folder named *.csv, a sub-folder,
    # a hidden file, a spreadsheet, a typo folder at the root (each holding canaries).
    secret = root / "secret.txt"
    secret.write_text(f"{SECRET},{NAMES[0]},{DOCS[0]}\n")
    (b / "secret.csv").symlink_to(secret)
    os.mkfifo(b / "pipe.csv")
    (b / "dir.csv").mkdir()
    (b / "archive").mkdir()
    (b / "archive" / "old.csv").write_text(csv_text(BENEFICIARY_COLUMNS, [person_row(0, "A1")]))
    (b / ".hidden.csv").write_text(csv_text(BENEFICIARY_COLUMNS, [person_row(1, "A2")]))
    (b / "book.xlsx").write_bytes(f"PK {NAMES[1]} {DOCS[1]}".encode())
    (raw / "beneficiary").mkdir()
    (raw / "beneficiary" / "b.csv").write_text(csv_text(BENEFICIARY_COLUMNS, [person_row(1, "T1")]))
    return raw


def hits_in_text(text: str) -> list[str]:
    return [c for c in CANARIES if c in text]


def duckdb_cells(con, sql_from: str) -> list[str]:
    """Every cell of a relation as text."""
    cols = [r[0] for r in con.execute(f"describe select * from {sql_from}").fetchall()]
    if not cols:
        return []
    sel = ", ".join('cast("' + c.replace('"', '""') + '" as varchar)' for c in cols)
    return [cell for row in con.execute(f"select {sel} from {sql_from}").fetchall() for cell in row if cell]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    root = tmp_path_factory.mktemp("sweep")
    raw = build_drop_zone(root)
    home = root / "dagster_home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEW_")}
    env.update(
        REVIEW_RAW_DIR=str(raw),
        REVIEW_WAREHOUSE=str(root / "wh" / "review.duckdb"),
        REVIEW_LAKE_DIR=str(root / "lake"),
        REVIEW_PSEUDONYM_KEY="sweep-key",
        REVIEW_EDITIONS_DIR=str(root / "editions"),
        REVIEW_PACK_DIR=str(root / "pack"),
        DAGSTER_HOME=str(home),
    )
    started = time.time()
    proc = subprocess.run(
        [DAGSTER, "asset", "materialize", "-m", "pipelines", "--select", "*"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    console = proc.stdout + proc.stderr
    assert proc.returncode == 0, console[-4000:]
    pub = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pipelines.publication.editions import publish_edition; from pipelines.publication.write import write_pack;"
            "print(publish_edition('sweep-1')); print(write_pack())",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert pub.returncode == 0, pub.stderr[-4000:]
    return {
        "root": root,
        "raw": raw,
        "console": console + pub.stdout + pub.stderr,
        "started": started,
        "warehouse": root / "wh" / "review.duckdb",
    }


def test_the_refresh_reported_every_hostile_item(sweep):
    con = duckdb.connect(str(sweep["warehouse"]), read_only=True)
    try:
        files = {
            (r[0], r[1]): (r[2], r[3])
            for r in con.execute("select kind, file_name, status, message from audit.source_files").fetchall()
        }
        rejected_rows = con.execute(
            "select file_name, row_number, column_name, check_name, value "
            "from audit.rejected_rows where file_name = 'b_bad.csv'"
        ).fetchall()
    finally:
        con.close()
    b = lambda n: files[("beneficiaries", n)]  # noqa: E731
    assert b("b_good.csv")[0] == "loaded"
    assert b("b_noheader.csv")[0] == "rejected" and "does not look like a header" in b("b_noheader.csv")[1]
    assert b("b_semicolon.csv")[0] == "rejected" and "semicolon-separated" in b("b_semicolon.csv")[1]
    assert b("b_wide.csv")[0] == "rejected" and "1113 columns" in b("b_wide.csv")[1]
    assert b("b_dup.csv")[0] == "rejected" and "duplicate" in b("b_dup.csv")[1]
    assert b("b_missing.csv")[0] == "rejected" and "missing" in b("b_missing.csv")[1]
    assert b("secret.csv") == ("ignored", "a link that leads out of the drop zone: not read")
    assert b("pipe.csv")[0] == "ignored" and b("dir.csv/")[0] == "ignored" and b("archive/")[0] == "ignored"
    assert b(".hidden.csv")[0] == "ignored" and "save it as CSV UTF-8" in b("book.xlsx")[1]
    assert "did you mean beneficiaries?" in files[(None, "beneficiary/")][1]
    assert "record(s) longer than 1 MiB rejected" in b("b_long.csv")[1]
    assert b("b_bad.csv")[1] and "unclosed quote starting at record 8" in b("b_bad.csv")[1]
    # shifted row (record 2) and the personal-looking values: rejected, with no value recorded
    assert {r[1] for r in rejected_rows} >= {2, 3, 4, 5, 6, 7, 8}
    assert [r for r in rejected_rows if r[4] is not None] == []


def test_no_canary_anywhere(sweep):
    root = sweep["root"]
    hits: list[tuple[str, str]] = []
    controls: set[str] = set()

    def scan(where: str, text: str):
        hits.extend((where, c) for c in hits_in_text(text))
        if any(c in text for c in CONTROLS):
            controls.add(where.split(":")[0].split("/")[0])

    scan("console", sweep["console"])
    con = duckdb.connect()
    try:
        # The warehouse: every cell of every table.
        con.execute(f"attach '{sweep['warehouse']}' as wh (read_only)")
        for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables where table_catalog = 'wh'"
        ).fetchall():
            scan("warehouse", "\n".join(duckdb_cells(con, f'wh."{schema}"."{table}"')))
        con.execute("detach wh")
        # Every Parquet file (lake, edition, Spark-free): every cell.
        parquet = [p for p in root.rglob("*.parquet") if "raw" not in p.relative_to(root).parts]
        assert any("editions" in p.parts for p in parquet) and any("lake" in p.parts for p in parquet)
        for p in parquet:
            where = "edition" if "editions" in p.parts else "lake"
            scan(f"{where}:{p.name}", "\n".join(duckdb_cells(con, f"read_parquet('{p}')")))
    finally:
        con.close()
    # The pack's xlsx: every cell of every sheet, and its XML parts.
    xlsx = list(root.rglob("*.xlsx"))
    xlsx = [p for p in xlsx if "raw" not in p.relative_to(root).parts]
    assert xlsx
    for p in xlsx:
        wb = openpyxl.load_workbook(p, read_only=True)
        cells = [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]
        scan("pack:xlsx", "\n".join(cells))
        with zipfile.ZipFile(p) as z:
            scan("pack:xlsx-xml", "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()))
    # Every other file written under the test root (lake stats and manifests, the refresh log, Dagster's
    # storage and logs, the edition's manifest, the pack's html and csv), raw bytes as text.
    for p in root.rglob("*"):
        rel = p.relative_to(root).parts
        if rel[0] in ("raw",) or p.name == "secret.txt" or p.is_symlink() or not p.is_file():
            continue
        scan("/".join(rel[:2]), p.read_bytes().decode("utf-8", "replace"))
    # dbt's target and logs of this run.
    for folder in (REPO / "dbt_project" / "target", REPO / "dbt_project" / "logs"):
        for p in folder.rglob("*"):
            if p.is_file() and p.stat().st_mtime >= sweep["started"] - 1:
                scan("dbt:" + p.name, p.read_bytes().decode("utf-8", "replace"))
    assert not hits, sorted(set(hits))
    # the scans are not blind: a control value is found in each place scanned
    assert {"console", "warehouse", "lake", "edition", "editions", "pack", "dagster_home", "wh"} <= controls, controls
