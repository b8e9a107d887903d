"""Operations with real processes: refreshes run as a user runs them (`dagster asset materialize` in a
subprocess), readers in other processes, SIGKILL at known points, two refreshes at once."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.defs.automation import drop_zone_sensor, load_calendar, pre_council_dates, pre_council_refresh

REPO = Path(__file__).resolve().parents[1]
DAGSTER = str(Path(sys.executable).parent / "dagster")

pytestmark = pytest.mark.slow

P_HEADER = "project_code,title,country_iso3,activity_type,strategy_points,primary_point,start_date,end_date,budget_usd,extracted_at"
B_HEADER = "service_id,beneficiary_id,sex,service_type,service_date,country_of_service,extracted_at"


def make_raw(root: Path) -> Path:
    raw = root / "raw"
    for kind in ("projects", "expenditures", "beneficiaries"):
        (raw / kind).mkdir(parents=True)
    (raw / "projects" / "p1.csv").write_text(
        f"{P_HEADER}\nAB.0001,T,FRA,emergency,9,9,2008-01-01,,100,2010-01-01\nAB.0002,T,FRA,avrr,10,10,2009-01-01,,50,2010-01-01\n"
    )
    (raw / "expenditures" / "e1.csv").write_text(
        "project_code,year,expenditure_usd,extracted_at\nAB.0001,2009,10,2010-01-01\n"
    )
    (raw / "beneficiaries" / "b1.csv").write_text(
        f"{B_HEADER}\nS1,C1,F,pre_consular,2009-01-01,FRA,2010-01-01\nS2,C2,M,pre_consular,2009-02-01,FRA,2010-01-01\n"
    )
    return raw


def env_for(root: Path, raw: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEW_")}
    (root / "dagster_home").mkdir(exist_ok=True)
    env.update(
        REVIEW_RAW_DIR=str(raw),
        REVIEW_WAREHOUSE=str(root / "wh" / "review.duckdb"),
        REVIEW_LAKE_DIR=str(root / "lake"),
        REVIEW_PSEUDONYM_KEY="ops-test-key",
        DAGSTER_HOME=str(root / "dagster_home"),
        **extra,
    )
    return env


def start_refresh(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [DAGSTER, "asset", "materialize", "-m", "pipelines", "--select", "*"],
        cwd=REPO,
        env=env,
        stdout=open(log, "wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def refresh(env: dict, log: Path, timeout: float = 300) -> None:
    p = start_refresh(env, log)
    assert p.wait(timeout) == 0, log.read_text()[-3000:]


def values(warehouse: Path) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "select indicator_code, year, value from marts.fct_indicator_values order by 1, 2"
        ).fetchall()
    finally:
        con.close()


def value_of(rows: list[tuple], code: str, year: int) -> float:
    return next(v for c, y, v in rows if c == code and y == year)


def wait_for(pred, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A first refresh, published; tests copy nothing and must leave it as they found it."""
    root = tmp_path_factory.mktemp("ops")
    raw = make_raw(root)
    env = env_for(root, raw)
    refresh(env, root / "first.log")
    return root, raw, env


def test_reader_keeps_its_snapshot_while_a_refresh_publishes(published, tmp_path):
    root, raw, env = published
    wh = Path(env["REVIEW_WAREHOUSE"])
    before = values(wh)
    assert value_of(before, "P01.pre_consular_applicants", 2009) == 2  # S1 and S2 (C1, C2)
    # A reader in another process opens the warehouse read-only and holds it during the refresh.
    ready, release = tmp_path / "ready", tmp_path / "release"
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"""
import duckdb, pathlib, time
c = duckdb.connect({str(wh)!r}, read_only=True)
q = "select value from marts.fct_indicator_values where indicator_code = 'P01.pre_consular_applicants' and year = 2009"
first = c.execute(q).fetchall()[0][0]
pathlib.Path({str(ready)!r}).write_text('x')
while not pathlib.Path({str(release)!r}).exists():
    time.sleep(0.1)
again = c.execute(q).fetchall()[0][0]
print(first, again)
""",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    wait_for(ready.exists, 30, "the reader to open the warehouse")
    extra = raw / "beneficiaries" / "b2.csv"
    extra.write_text(f"{B_HEADER}\nS3,C3,F,pre_consular,2009-03-01,FRA,2010-01-01\n")
    try:
        refresh(env, tmp_path / "refresh.log")
        release.write_text("x")
        out, _ = reader.communicate(timeout=30)
        assert reader.returncode == 0
        assert out.split() == ["2.0", "2.0"]  # the reader's snapshot is unchanged
        assert value_of(values(wh), "P01.pre_consular_applicants", 2009) == 3  # new readers see S3
    finally:
        extra.unlink()
        refresh(env | {"REVIEW_ALLOW_SHRINK": "1"}, tmp_path / "restore.log")  # 3 -> 2 rows: past the guard on purpose
    assert values(wh) == before


def test_sigkill_at_any_point_leaves_the_published_warehouse_whole(published, tmp_path):
    """Kill a refresh at four points in turn (leftovers of each kill stay for the next), then one refresh
    cleans up and succeeds."""
    root, raw, env = published
    wh = Path(env["REVIEW_WAREHOUSE"])
    before = values(wh)
    extra = raw / "beneficiaries" / "b9.csv"
    extra.write_text(f"{B_HEADER}\nS9,C9,U,pre_consular,2009-05-01,FRA,2010-01-01\n")
    build = wh.with_name(wh.name + ".build")
    try:
        for stage in ("after_ingest_projects", "before_dbt", "during_dbt", "before_publish"):
            marker = tmp_path / f"marker_{stage}"
            if stage == "during_dbt":
                build.unlink(missing_ok=True)
                p = start_refresh(env, tmp_path / f"killed_{stage}.log")
                # dbt is writing the build file: kill the whole process group (Dagster and dbt).
                wait_for(lambda: build.exists() and build.stat().st_size > 0, 120, "dbt to start writing")
                time.sleep(1.0)
            else:
                p = start_refresh(
                    env | {"REVIEW_FAULT_PAUSE_AT": stage, "REVIEW_FAULT_MARKER": str(marker)},
                    tmp_path / f"killed_{stage}.log",
                )
                wait_for(marker.exists, 120, f"the refresh to reach {stage}")
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(30)
            assert values(wh) == before, stage  # still the previous, complete warehouse
        assert build.exists()  # the last kill left a finished, unpublished build behind
        refresh(env, tmp_path / "next.log")  # the next refresh cleans up and succeeds
        assert value_of(values(wh), "P01.pre_consular_applicants", 2009) == 3
        assert not build.exists()
        con = duckdb.connect(str(wh), read_only=True)
        log = con.execute("select published, reason from audit.refresh_log order by started_at").fetchall()
        con.close()
        assert log.count((False, "did not finish: killed or stopped before publishing")) == 4
    finally:
        extra.unlink()
        refresh(env | {"REVIEW_ALLOW_SHRINK": "1"}, tmp_path / "restore.log")  # 3 -> 2 rows: past the guard on purpose
    assert values(wh) == before


def test_two_refreshes_at_once_write_one_at_a_time(published, tmp_path):
    root, raw, env = published
    wh = Path(env["REVIEW_WAREHOUSE"])
    env = env | {"REVIEW_ALWAYS_REBUILD": "1"}  # both build and publish, though nothing changed
    a = start_refresh(env, tmp_path / "a.log")
    b = start_refresh(env, tmp_path / "b.log")
    assert a.wait(300) == 0 and b.wait(300) == 0
    con = duckdb.connect(str(wh), read_only=True)
    runs = con.execute(
        "select started_at, finished_at from audit.refresh_log where published order by started_at"
    ).fetchall()
    con.close()
    last_two = runs[-2:]
    # The second writer started only after the first had published.
    assert last_two[1][0] >= last_two[0][1]
    log = (tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()
    assert "Waiting for run" in log


def test_rerun_on_unchanged_files_changes_nothing_and_validates_nothing(published, tmp_path):
    root, raw, env = published
    wh = Path(env["REVIEW_WAREHOUSE"])
    before = values(wh)
    mtime = wh.stat().st_mtime_ns
    refresh(env, tmp_path / "again.log")
    assert values(wh) == before
    log = (tmp_path / "again.log").read_text()
    assert "[cached]" in log
    assert "Nothing new since the published build" in log and "Not rebuilt, not republished." in log
    assert wh.stat().st_mtime_ns == mtime  # not republished


def test_a_second_refresh_gives_up_with_a_clear_message_when_told_not_to_wait(published, tmp_path):
    root, raw, env = published
    marker = tmp_path / "marker"
    holder = start_refresh(
        # it must reach the dbt step, though nothing changed since the published build
        env
        | {
            "REVIEW_FAULT_PAUSE_AT": "before_dbt",
            "REVIEW_FAULT_MARKER": str(marker),
            "REVIEW_FAULT_PAUSE_SECONDS": "60",
            "REVIEW_ALWAYS_REBUILD": "1",
        },
        tmp_path / "holder.log",
    )
    try:
        wait_for(marker.exists, 120, "the first refresh to hold the lock")
        second = start_refresh(env | {"REVIEW_LOCK_WAIT_SECONDS": "1"}, tmp_path / "second.log")
        assert second.wait(120) != 0
        assert "Another refresh is writing" in (tmp_path / "second.log").read_text()
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait(30)
    refresh(env, tmp_path / "after.log")


# --- triggers (no refresh needed) ---------------------------------------------------------------------------


def test_drop_zone_sensor_fires_on_change_and_not_on_an_unchanged_tree(tmp_path, monkeypatch):
    raw = make_raw(tmp_path)
    monkeypatch.setenv("REVIEW_RAW_DIR", str(raw))
    first = drop_zone_sensor(dg.build_sensor_context(cursor=None))
    assert isinstance(first, dg.RunRequest)
    cursor = first.run_key
    assert isinstance(drop_zone_sensor(dg.build_sensor_context(cursor=cursor)), dg.SkipReason)
    (raw / "beneficiaries" / "b2.csv").write_text(f"{B_HEADER}\n")
    added = drop_zone_sensor(dg.build_sensor_context(cursor=cursor))
    assert isinstance(added, dg.RunRequest) and added.run_key != cursor
    (raw / "beneficiaries" / "b2.csv").unlink()
    removed = drop_zone_sensor(dg.build_sensor_context(cursor=added.run_key))
    assert isinstance(removed, dg.RunRequest) and removed.run_key == cursor  # back to the first tree


def test_pre_council_schedule_fires_on_the_configured_days_only(tmp_path, monkeypatch):
    cal = tmp_path / "cal.yaml"
    cal.write_text("days_before: [3, 1]\nsessions:\n  - {name: Council, date: 2027-11-30}\n")
    monkeypatch.setenv("REVIEW_COUNCIL_CALENDAR", str(cal))
    assert set(pre_council_dates(load_calendar())) == {dt.date(2027, 11, 27), dt.date(2027, 11, 29)}

    def at(day: str):
        t = dt.datetime.fromisoformat(day + "T06:00:00+00:00")
        return pre_council_refresh(dg.build_schedule_context(scheduled_execution_time=t))

    assert isinstance(at("2027-11-27"), dg.RunRequest)
    assert isinstance(at("2027-11-29"), dg.RunRequest)
    assert isinstance(at("2027-11-28"), dg.SkipReason)
    assert isinstance(at("2027-11-30"), dg.SkipReason)


def test_the_shipped_calendar_loads():
    cal = load_calendar()
    assert cal["sessions"] and all(isinstance(s["date"], dt.date) for s in cal["sessions"])
