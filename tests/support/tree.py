"""A small drop zone and real refreshes in a folder of their own, for the operations tests.

`Tree(root)` holds one deployment: drop zone, lake, warehouse, editions, pack, logs, all under `root`
(the tests put a `'` in root's name, so that every refresh also proves paths are quoted in SQL).
`tree.refresh()` runs the real `refresh` job in this process (an ephemeral Dagster instance) with the
settings pointed at the tree, restores the environment, and returns the run id, success and error
messages; it never fails the test by itself.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

P_HEADER = "project_code,title,country_iso3,activity_type,strategy_points,primary_point,start_date,end_date,budget_usd,extracted_at"
E_HEADER = "project_code,year,expenditure_usd,extracted_at"
B_HEADER = "service_id,beneficiary_id,sex,service_type,service_date,country_of_service,extracted_at"


def services(prefix: str, n: int, sex: str = "F", date: str = "2009-03-01") -> str:
    """n pre-consular services in FRA, one person each (ids <prefix>1..n)."""
    return "".join(f"{prefix}S{i},{prefix}C{i},{sex},pre_consular,{date},FRA,2010-01-01\n" for i in range(1, n + 1))


@dataclass
class Run:
    run_id: str
    success: bool
    errors: list[str]


class Tree:
    def __init__(self, root: Path):
        self.root = root
        self.raw = root / "raw"
        self.warehouse = root / "warehouse" / "review.duckdb"
        self.lake = root / "lake"
        self.editions = root / "editions"
        self.pack = root / "review_pack"
        self.logs = root / "logs"
        for kind in ("projects", "expenditures", "beneficiaries"):
            (self.raw / kind).mkdir(parents=True, exist_ok=True)

    def write(self, kind: str, name: str, header: str, body: str) -> Path:
        p = self.raw / kind / name
        p.write_text(f"{header}\n{body}")
        return p

    def minimal(self, women: int = 2) -> None:
        """Two projects, one expenditure, `women` pre-consular services in 2009 (b1.csv)."""
        self.write(
            "projects",
            "p1.csv",
            P_HEADER,
            "AB.0001,T,FRA,emergency,9,9,2008-01-01,,100,2010-01-01\nAB.0002,T,FRA,avrr,10,10,2009-01-01,,50,2010-01-01\n",
        )
        self.write("expenditures", "e1.csv", E_HEADER, "AB.0001,2009,10,2010-01-01\n")
        self.write("beneficiaries", "b1.csv", B_HEADER, services("W", women))

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEW_") and k != "DAGSTER_HOME"}
        env.update(
            REVIEW_RAW_DIR=str(self.raw),
            REVIEW_WAREHOUSE=str(self.warehouse),
            REVIEW_LAKE_DIR=str(self.lake),
            REVIEW_EDITIONS_DIR=str(self.editions),
            REVIEW_PACK_DIR=str(self.pack),
            REVIEW_LOG_DIR=str(self.logs),
            REVIEW_PSEUDONYM_KEY="ops-tree-key",
            **extra,
        )
        return env

    @contextlib.contextmanager
    def environment(self, **extra: str):
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.env(**extra))
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def refresh(self, **extra: str) -> Run:
        """The Dagster `refresh` job in this process on an ephemeral instance (what every refresh runs)."""
        import dagster as dg

        from pipelines.definitions import defs

        with self.environment(**extra):
            result = defs.resolve_job_def("refresh").execute_in_process(
                instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
            )
        errors = []
        for e in result.all_events:
            err = getattr(e.event_specific_data, "error", None) if e.event_specific_data else None
            if err is not None:
                text = []
                while err is not None:
                    text.append(err.message.strip())
                    err = err.cause
                errors.append(f"{e.step_key or e.event_type_value}: " + "\n".join(text))
        return Run(result.run_id, result.success, errors)

    def events(self, run_id: str | None = None) -> list[dict]:
        from pipelines.operations import read_events

        with self.environment():
            from pipelines.settings import Settings

            events = read_events(Settings.from_env())
        return [e for e in events if run_id is None or e["run_id"] == run_id]

    def query(self, sql: str, params=None) -> list[tuple]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def pre_consular_2009(self) -> float:
        return self.query(
            "select value from marts.fct_indicator_values where indicator_code = "
            "'P01.pre_consular_applicants' and year = 2009"
        )[0][0]

    def run(self, args: list[str], timeout: float = 600, **extra: str) -> subprocess.CompletedProcess:
        """A command as a user runs it (cwd the repository), with this tree's settings."""
        return subprocess.run(args, cwd=REPO, env=self.env(**extra), capture_output=True, text=True, timeout=timeout)
