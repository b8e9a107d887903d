"""The incremental build equals a full rebuild (issue 17; pipelines/build_file.py,
macros/incremental_versions.sql).

A full refresh whose build database passed its last build decides again only the services that the added
and removed beneficiaries deliveries touch. Here random sequences of deliveries (new files, files
re-delivered under another name, files corrected in place, files deleted) are applied to one drop zone;
after each, the refresh must have run incrementally, and its published warehouse must equal, table by table
and row by row, the one a full rebuild from the same lake publishes. The files are random but fixed by
their seed; a failure names the seed and the step.

What is not compared: the refresh log (`audit.refresh_log`, `audit.refresh_files`: run ids and times) and
the manifest's `from_cache` (whether ingest read a file or found it in the lake's cache, which is about the
run, not the data: the full rebuild finds every file cached).
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.demo_data.vocabulary import SERVICE_TYPES  # the contract's service types (the seed)
from support.tree import Tree

pytestmark = pytest.mark.slow

HEADER = (
    "service_id,beneficiary_id,date_of_birth,sex,service_type,service_date,country_of_service,"
    "destination_country,case_category,project_code,extracted_at"
)
NOT_COMPARED_TABLES = {("audit", "refresh_log"), ("audit", "refresh_files")}
NOT_COMPARED_COLUMNS = {"from_cache"}


class Deliveries:
    """Random beneficiaries files over a small pool of services and persons, so that services are
    re-delivered across files, persons have several services and several values (sex, country), and every
    year of the review window is touched."""

    def __init__(self, tree: Tree, seed: int):
        self.tree = tree
        self.rng = random.Random(seed)
        self.n_files = 0
        self.clock = 0  # extracted_at advances with each delivery; some deliveries share it (ties)
        self.folder = tree.raw / "beneficiaries"

    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.csv"))

    def _row(self, service: int, extracted_at: str) -> str:
        r = self.rng
        person = r.randint(1, 25)
        year = r.choice([2007, 2008, 2009, 2009])
        date = f"{year}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
        dob = r.choice(["", f"19{r.randint(40, 99)}-05-01", f"20{r.randint(0, 5):02d}-02-01"])
        sex = r.choice(["F", "F", "M", "U"]) if r.random() < 0.97 else "X"  # an invalid row now and then
        return ",".join(
            [
                f"S{service}",
                f"C{person}",
                dob,
                sex,
                r.choice(SERVICE_TYPES),
                date,
                r.choice(["FRA", "THA", "NPL"]),
                r.choice(["USA", "CAN", "NOR"]),
                r.choice(["", "resettlement", "labour", "other"]),
                r.choice(["", "AB.0001", "AB.0002"]),
                extracted_at,
            ]
        )

    def _stamp(self) -> str:
        if self.rng.random() < 0.7:
            self.clock += 1
        return f"2010-01-{1 + self.clock:02d}T00:00:00Z"

    def _rows(self, n: int) -> str:
        stamp = self._stamp()
        services = self.rng.sample(range(1, 90), n)  # 89 service ids: later files re-deliver earlier ones
        return "".join(self._row(s, stamp) + "\n" for s in services)

    def new(self) -> str:
        self.n_files += 1
        name = f"b{self.n_files:02d}.csv"
        (self.folder / name).write_text(HEADER + "\n" + self._rows(self.rng.randint(15, 30)))
        return f"new {name}"

    def redeliver(self) -> str:
        """An existing file sent again under a new name, later, some rows changed."""
        source = self.rng.choice(self.files())
        self.n_files += 1
        name = f"b{self.n_files:02d}_resend.csv"
        stamp = self._stamp()
        rows = []
        for line in source.read_text().splitlines()[1:]:
            service = int(line.split(",")[0][1:])
            rows.append(self._row(service, stamp) if self.rng.random() < 0.3 else line.rsplit(",", 1)[0] + "," + stamp)
        (self.folder / name).write_text(HEADER + "\n" + "\n".join(rows) + "\n")
        return f"re-delivered {source.name} as {name}"

    def correct(self) -> str:
        """An existing file replaced in place: some rows changed, some dropped, some added."""
        target = self.rng.choice(self.files())
        lines = target.read_text().splitlines()[1:]
        stamp = lines[0].rsplit(",", 1)[1] if lines else self._stamp()
        kept = []
        for line in lines:
            roll = self.rng.random()
            if roll < 0.15:
                continue  # dropped
            service = int(line.split(",")[0][1:])
            kept.append(self._row(service, stamp) if roll < 0.45 else line)
        kept += [self._row(s, stamp) for s in self.rng.sample(range(1, 90), 3)]
        target.write_text(HEADER + "\n" + "\n".join(kept) + "\n")
        return f"corrected {target.name}"

    def delete(self) -> str:
        target = self.rng.choice(self.files())
        target.unlink()
        return f"deleted {target.name}"


def relations(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """Every table and view of the warehouse's schemas: (schema, name) -> [(column, type)]."""
    rows = con.execute(
        "select schema_name, table_name, column_name, data_type from duckdb_columns() "
        "where database_name = current_database() and not internal order by schema_name, table_name, column_index"
    ).fetchall()
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, data_type in rows:
        found.setdefault((schema, table), []).append((column, data_type))
    return found


def differences(incremental: Path, full: Path) -> list[str]:
    """What differs between two warehouses: relations, columns and types, and rows (as multisets)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{str(incremental).replace(chr(39), chr(39) * 2)}' as inc (read_only)")
        con.execute(f"attach '{str(full).replace(chr(39), chr(39) * 2)}' as ful (read_only)")
        con.execute("use inc")
        mine = relations(con)
        con.execute("use ful")
        theirs = relations(con)
        found = []
        if set(mine) != set(theirs):
            found.append(
                f"relations only incremental {sorted(set(mine) - set(theirs))}, only full {sorted(set(theirs) - set(mine))}"
            )
        compared = 0
        for key in sorted(set(mine) & set(theirs)):
            if key in NOT_COMPARED_TABLES:
                continue
            if mine[key] != theirs[key]:
                found.append(f"{key}: columns {mine[key]} != {theirs[key]}")
                continue
            cols = ", ".join(f'"{c}"' for c, _ in mine[key] if c not in NOT_COMPARED_COLUMNS)
            schema, table = key
            for a, b in (("inc", "ful"), ("ful", "inc")):
                n = con.execute(
                    f'select count(*) from (select {cols} from {a}."{schema}"."{table}" '
                    f'except all select {cols} from {b}."{schema}"."{table}")'
                ).fetchall()[0][0]
                if n:
                    found.append(
                        f"{schema}.{table}: {n} rows only in {'the incremental' if a == 'inc' else 'the full'} build"
                    )
            compared += 1
        assert compared > 40, f"only {compared} relations compared"
        return found
    finally:
        con.close()


# the models an incremental build recomputes in part (each leaves helper tables; int_dimension_records follows
# int_person_periods): the rest are rebuilt whole
PARTLY_RECOMPUTED = [
    "int_dimension_record_counts",
    "int_dimension_records",
    "int_person_periods",
    "int_plausibility_repeated_keys",
    "int_provenance_services_by_cell",
    "int_services",
    "int_superseded_service_rows",
    "stg_lake__beneficiaries",
]


def recomputed_in_part(tree: Tree, run_id: str) -> list[str]:
    found = [e["recomputed_in_part"] for e in tree.events(run_id) if e["event"] == "build_finished"]
    assert len(found) == 1, found
    return found[0]


def unit_tests_run(run_id: str) -> int:
    """How many dbt unit tests the run's dbt build ran (its run_results.json, in the run's target folder)."""
    import json

    target = Path(__file__).resolve().parents[1] / "dbt_project" / "target"
    found = list(target.glob(f"review_dbt_assets-{run_id[:7]}-*/run_results.json"))
    assert len(found) == 1, found
    results = json.loads(found[0].read_text())["results"]
    return sum(1 for r in results if r["unique_id"].startswith("unit_test."))


def build_how(tree: Tree, run_id: str) -> str:
    hows = [e["how"] for e in tree.events(run_id) if e["event"] == "build_started"]
    assert len(hows) == 1, hows
    return hows[0]


@pytest.mark.parametrize(("seed", "person_id_bits"), [(1, "63"), (2, "3")])
def test_incremental_build_equals_full_rebuild(tmp_path, seed, person_id_bits):
    """With 3-bit person ids the 25 persons share 8 ids: int_services numbers the keys of shared ids apart
    (negative ids, in key order over all of them), the path an incremental build must recompute whole."""
    env = {"REVIEW_ALLOW_SHRINK": "1", "REVIEW_PERSON_ID_BITS": person_id_bits}
    tree = Tree(tmp_path / f"incremental's {seed}")
    tree.minimal(women=0)
    (tree.raw / "beneficiaries" / "b1.csv").unlink()
    deliveries = Deliveries(tree, seed)
    deliveries.new()
    deliveries.new()
    run = tree.refresh(**env)
    assert run.success, run.errors
    assert build_how(tree, run.run_id).startswith("full: everything rebuilt from the lake (no earlier build)")

    steps = ["new", "redeliver", "correct", "delete"]
    random.Random(seed).shuffle(steps)
    state = tree.warehouse.with_name(tree.warehouse.name + ".state")
    marker = state.with_name(state.name + ".json")
    done = []
    for step in steps:
        done.append(getattr(deliveries, step)())
        where = f"seed {seed}, after: {'; '.join(done)}"
        run = tree.refresh(**env)
        assert run.success, (where, run.errors)
        how = build_how(tree, run.run_id)
        assert how.startswith("incremental: from the last build"), (where, how)
        # the project points, periods and service sets do not change here: the person counts are adjusted too
        assert recomputed_in_part(tree, run.run_id) == PARTLY_RECOMPUTED, where
        # the code passed its unit tests in the build this one continues: not run again
        assert unit_tests_run(run.run_id) == 0, where
        assert "unit tests not run again" in how, where
        incremental = tmp_path / f"incremental-{len(done)}.duckdb"
        shutil.copyfile(tree.warehouse, incremental)

        # the reference: the same lake rebuilt in full (no marker: the build database is not trusted)
        marker.unlink()
        run = tree.refresh(**env, REVIEW_ALWAYS_REBUILD="1")
        assert run.success, (where, run.errors)
        assert build_how(tree, run.run_id).startswith("full: everything rebuilt from the lake"), where
        assert recomputed_in_part(tree, run.run_id) == [], where
        assert unit_tests_run(run.run_id) > 20, where
        assert differences(incremental, tree.warehouse) == [], where
        shared = tree.query("select count(*) filter (where person_id < 0) from intermediate.int_services")[0][0]
        assert (shared > 0) == (person_id_bits == "3"), (where, shared)


def test_partial_refresh_decides_every_winning_version_again(tmp_path):
    """A partial refresh (a selection of assets) starts from a copy of the published warehouse, whose
    winning versions are those of the last build; it is given no delta, so the winning versions it builds are
    decided again from the whole lake: here the 3 services of a file added since count."""
    import dagster as dg

    from pipelines.definitions import defs
    from support.tree import B_HEADER, services

    tree = Tree(tmp_path / "partial's")
    tree.minimal(women=2)
    run = tree.refresh()
    assert run.success, run.errors
    assert tree.pre_consular_2009() == 2
    tree.write("beneficiaries", "b2.csv", B_HEADER, services("X", 3))
    graph = defs.resolve_asset_graph()
    winners = dg.AssetKey(["staging", "stg_lake__beneficiaries"])
    lake = [k for k in graph.get_all_asset_keys() if k.path[0] == "lake" and "beneficiaries" in k.path[-1]]
    # the beneficiaries and what they feed, but one mart (a leaf) left out: a partial dbt build
    left_out = dg.AssetKey(["marts", "rpt_restatement"])
    keys = [k for k in dg.AssetSelection.assets(*lake).downstream().resolve(graph) if k != left_out]
    assert winners in keys, keys
    with tree.environment():
        result = defs.resolve_job_def("refresh").execute_in_process(
            instance=dg.DagsterInstance.ephemeral(), raise_on_error=False, asset_selection=keys
        )
    assert result.success
    assert build_how(tree, result.run_id).startswith("partial: from a copy of the published warehouse")
    assert tree.pre_consular_2009() == 5
    # the next whole refresh cannot trust a partial build's database and says why it rebuilds everything
    run = tree.refresh()
    assert run.success, run.errors
    assert build_how(tree, run.run_id).startswith(
        "full: everything rebuilt from the lake (the last build was partial: a selection of assets"
    ), build_how(tree, run.run_id)
    assert tree.pre_consular_2009() == 5


def test_person_counts_rebuilt_whole_when_project_points_change(tmp_path):
    """A service's cells depend on its project's strategy points: when a project's points change, every
    person's groups may change, so the person counts are rebuilt whole (the winning versions and int_services
    still only in part), and the build database's copies of the basis are not published."""
    from support.tree import P_HEADER

    env = {"REVIEW_ALLOW_SHRINK": "1"}
    tree = Tree(tmp_path / "points'")
    tree.minimal(women=0)
    (tree.raw / "beneficiaries" / "b1.csv").unlink()
    deliveries = Deliveries(tree, 3)
    deliveries.new()
    deliveries.new()
    run = tree.refresh(**env)
    assert run.success, run.errors
    # AB.0002 (point 10) now also under point 9: its services join the sets of the persons reached under point 9
    tree.write(
        "projects",
        "p1.csv",
        P_HEADER,
        "AB.0001,T,FRA,emergency,9,9,2008-01-01,,100,2010-02-01\nAB.0002,T,FRA,avrr,9;10,10,2009-01-01,,50,2010-02-01\n",
    )
    deliveries.new()
    run = tree.refresh(**env)
    assert run.success, run.errors
    assert build_how(tree, run.run_id).startswith("incremental: from the last build")
    assert recomputed_in_part(tree, run.run_id) == [
        "int_plausibility_repeated_keys",
        "int_services",
        "int_superseded_service_rows",
        "stg_lake__beneficiaries",
    ]
    assert tree.query("select count(*) from duckdb_tables() where table_name like '%\\_\\_kept%' escape '\\'") == [(0,)]
    incremental = tmp_path / "incremental.duckdb"
    shutil.copyfile(tree.warehouse, incremental)
    tree.warehouse.with_name(tree.warehouse.name + ".state.json").unlink()
    run = tree.refresh(**env, REVIEW_ALWAYS_REBUILD="1")
    assert run.success, run.errors
    assert differences(incremental, tree.warehouse) == []


def test_repeated_keys_follow_rekeyed_deliveries(tmp_path):
    """The duplicate rules' repeated keys (int_plausibility_repeated_keys, incremental): b01 holds S1, S2 (person
    C2) and S3; b02 re-delivers S1 and S2 under new ids R1 and R2 with the same person, type, date and
    country. Counted by hand:
    - after b02: two keys held twice (S1 = R1, S2 = R2); S3 alone;
    - b01 corrected in place, S2 a day later: S2 no longer agrees with R2, one key (S1 = R1);
    - b02 deleted: no key.
    Each step is built from the last (the keys of the winners removed are counted again: the step that
    removes R1 and R2 fails without them), and the last must equal a full rebuild."""
    env = {"REVIEW_ALLOW_SHRINK": "1"}
    tree = Tree(tmp_path / "rekeyed's")
    tree.minimal(women=0)
    (tree.raw / "beneficiaries" / "b1.csv").unlink()
    kind = SERVICE_TYPES[0]

    def row(service: str, person: str, date: str, stamp: str) -> str:
        return f"{service},{person},,F,{kind},{date},FRA,USA,,AB.0001,{stamp}\n"

    def b01(s2_date: str) -> str:
        stamp = "2010-01-01T00:00:00Z"
        return (
            row("S1", "C1", "2008-03-01", stamp)
            + row("S2", "C2", s2_date, stamp)
            + row("S3", "C1", "2009-05-01", stamp)
        )

    def repeated() -> list[tuple]:
        return tree.query("select services from intermediate.int_plausibility_repeated_keys order by 1")

    tree.write("beneficiaries", "b01.csv", HEADER, b01("2008-04-01"))
    run = tree.refresh(**env)
    assert run.success, run.errors
    assert repeated() == []

    stamp = "2010-01-05T00:00:00Z"
    tree.write(
        "beneficiaries", "b02.csv", HEADER, row("R1", "C1", "2008-03-01", stamp) + row("R2", "C2", "2008-04-01", stamp)
    )
    steps = [
        ("b02 added", lambda: None, [(2,), (2,)]),
        ("b01 corrected", lambda: tree.write("beneficiaries", "b01.csv", HEADER, b01("2008-04-02")), [(2,)]),
        ("b02 deleted", lambda: (tree.raw / "beneficiaries" / "b02.csv").unlink(), []),
    ]
    for where, change, expected in steps:
        change()
        run = tree.refresh(**env)
        assert run.success, (where, run.errors)
        assert build_how(tree, run.run_id).startswith("incremental: from the last build"), where
        assert "int_plausibility_repeated_keys" in recomputed_in_part(tree, run.run_id), where
        assert repeated() == expected, where

    incremental = tmp_path / "incremental.duckdb"
    shutil.copyfile(tree.warehouse, incremental)
    tree.warehouse.with_name(tree.warehouse.name + ".state.json").unlink()
    run = tree.refresh(**env, REVIEW_ALWAYS_REBUILD="1")
    assert run.success, run.errors
    assert differences(incremental, tree.warehouse) == []
