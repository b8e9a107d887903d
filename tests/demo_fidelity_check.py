"""Independent fidelity check of the demo extracts against the published figures.

Reads the generated CSVs straight into DuckDB (every value as text), re-implements the contract's row and
file checks in SQL, keeps the winning version of each key (latest extracted_at, then the file name sorting
last, then the later row), holds back expenditure rows of unknown projects, computes the 31 figures of
``spec/published_figures.csv`` per ``spec/indicators.md`` and judges each under its qualifier.

It shares no code with ``pipelines/demo_data/`` (only its ISO code list as a fallback when the dbt seed
is missing). Given a GenerationReport it also compares what it rejected / held with what the generator
says it planted.

    python tests/demo_fidelity_check.py [--raw DIR] [--generate] [--scale S] [--seed N]
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
SPEC = Path("/work/shared/spec")
PUBLISHED = (
    SPEC / "published_figures.csv"
    if (SPEC / "published_figures.csv").exists()
    else REPO / "dbt_project/seeds/published_figures.csv"
)
ISO_SEED = REPO / "dbt_project" / "seeds" / "iso3166_alpha3.csv"

COLUMNS = {
    "projects": [
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
    ],
    "expenditures": ["project_code", "year", "expenditure_usd", "extracted_at"],
    "beneficiaries": [
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
    ],
}
REQUIRED = {
    "projects": [
        "project_code",
        "title",
        "country_iso3",
        "activity_type",
        "strategy_points",
        "primary_point",
        "start_date",
        "budget_usd",
        "extracted_at",
    ],
    "expenditures": ["project_code", "year", "expenditure_usd", "extracted_at"],
    "beneficiaries": [
        "service_id",
        "beneficiary_id",
        "sex",
        "service_type",
        "service_date",
        "country_of_service",
        "extracted_at",
    ],
}
ACTIVITY_TYPES = [
    "pre_consular",
    "migrant_training",
    "migration_health",
    "resettlement",
    "migration_law",
    "capacity_building",
    "migration_development",
    "irregular_migration",
    "research_data",
    "dialogue",
    "integration",
    "emergency",
    "post_crisis",
    "avrr",
    "ct_prevention",
    "ct_capacity",
    "ct_assistance",
    "labour_migration",
    "other",
]
SERVICE_TYPES = [
    "pre_consular",
    "migrant_training",
    "health_assessment",
    "resettlement_movement",
    "official_training",
    "dialogue_participation",
    "avrr_return",
    "trafficking_assistance",
    "labour_deployment",
]
CASE_CATEGORIES = ["resettlement", "family_reunification", "labour", "humanitarian", "other"]

CODE_RE = r"^[A-Z]{2}\.\d{4}$"
DECIMAL_RE = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
INTEGER_RE = r"^[+-]?\d+$"
TS_FMT = "%Y-%m-%dT%H:%M:%SZ"


def sql_list(values) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def iso_codes() -> list[str]:
    if ISO_SEED.exists():
        with open(ISO_SEED, newline="", encoding="utf-8") as f:
            return sorted(r["iso3"] for r in csv.DictReader(f))
    sys.path.insert(0, str(REPO))
    from pipelines.demo_data import ISO3  # fallback only

    return sorted(ISO3)


def is_date(c: str) -> str:
    return f"(regexp_full_match({c}, '\\d{{4}}-\\d{{2}}-\\d{{2}}') AND try_strptime({c}, '%Y-%m-%d') IS NOT NULL)"


def as_date(c: str) -> str:
    return f"CASE WHEN {is_date(c)} THEN CAST(try_strptime({c}, '%Y-%m-%d') AS DATE) END"


def ts_date(c: str) -> str:
    return f"CAST(try_strptime({c}, '{TS_FMT}') AS DATE)"


# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------


def load(con: duckdb.DuckDBPyConnection, raw: Path) -> list[tuple[str, str, str]]:
    """Load every *.csv of every kind into <kind>_rows (text). Returns the rejected files (kind, file, why)."""
    bad_files = []
    for kind, cols in COLUMNS.items():
        con.execute(
            f"CREATE OR REPLACE TABLE {kind}_rows (file_name VARCHAR, row_number BIGINT, n_fields BIGINT, "
            f"n_header BIGINT, {', '.join(c + ' VARCHAR' for c in cols)})"
        )
        for path in sorted((raw / kind).glob("*.csv")):
            name = path.name
            p = str(path).replace("'", "''")
            try:
                con.execute(
                    f"CREATE OR REPLACE TEMP TABLE _lines AS SELECT * FROM read_csv('{p}', columns={{'line': 'VARCHAR'}}, "
                    "header=false, delim='\x01', quote='', escape='', auto_detect=false, null_padding=true)"
                )
            except duckdb.Error as e:
                bad_files.append((kind, name, f"cannot read as UTF-8 text: {str(e).splitlines()[0][:80]}"))
                continue
            first = con.execute("SELECT line FROM _lines WHERE rowid = 0").fetchall()
            if not first:
                bad_files.append((kind, name, "empty file"))
                continue
            header = [h.strip() for h in next(csv.reader([first[0][0].lstrip("\ufeff").rstrip("\r")]))]
            missing = [c for c in REQUIRED[kind] if c not in header]
            if missing:
                bad_files.append((kind, name, f"required column(s) missing: {', '.join(missing)}"))
                continue
            spec = {f"c{i}": "VARCHAR" for i in range(len(header) + 3)}
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _data AS SELECT * FROM read_csv('{p}', columns={spec}, header=true, "
                "delim=',', quote='\"', escape='\"', auto_detect=false, null_padding=true)"
            )
            n_lines = con.execute("SELECT count(*) - 1 FROM _lines").fetchall()[0][0]
            n_data = con.execute("SELECT count(*) FROM _data").fetchall()[0][0]
            assert n_lines == n_data, f"{name}: {n_lines} lines but {n_data} records"
            pos = {h: i for i, h in enumerate(header)}
            select = ", ".join(f"d.c{pos[c]}" if c in pos else "NULL" for c in cols)
            stripped = "regexp_replace(rtrim(l.line, chr(13)), '\"[^\"]*\"', '', 'g')"
            con.execute(
                f"INSERT INTO {kind}_rows SELECT '{name}', d.rowid + 2, "
                f"length({stripped}) - length(replace({stripped}, ',', '')) + 1, {len(header)}, {select} "
                "FROM _data d JOIN _lines l ON l.rowid = d.rowid + 1"
            )
    return bad_files


# --------------------------------------------------------------------------------------------------
# Row checks (one entry per failure; a rule on a missing value passes; field_count rows get nothing else)
# --------------------------------------------------------------------------------------------------


def row_checks(iso: list[str]) -> dict[str, list[tuple[str, str]]]:
    iso_l = sql_list(iso)
    pts_ok = (
        "(regexp_full_match(strategy_points, '\\d+(;\\d+)*') AND "
        "list_bool_and(list_transform(string_split(strategy_points, ';'), lambda x: TRY_CAST(x AS INT) BETWEEN 1 AND 12)) AND "
        "len(list_distinct(string_split(strategy_points, ';'))) = len(string_split(strategy_points, ';')))"
    )
    ts_ok = f"try_strptime(extracted_at, '{TS_FMT}') IS NOT NULL"
    common = [("timestamp_format", f"extracted_at IS NOT NULL AND NOT {ts_ok}")]
    return {
        "projects": common
        + [
            ("project_code_format", f"project_code IS NOT NULL AND NOT regexp_matches(project_code, '{CODE_RE}')"),
            ("iso3166_alpha3", f"country_iso3 IS NOT NULL AND NOT list_contains({iso_l} || ['GLB'], country_iso3)"),
            (
                "accepted_values",
                f"activity_type IS NOT NULL AND NOT list_contains({sql_list(ACTIVITY_TYPES)}, activity_type)",
            ),
            ("strategy_points_format", f"strategy_points IS NOT NULL AND NOT coalesce({pts_ok}, false)"),
            ("integer_format", f"primary_point IS NOT NULL AND NOT regexp_matches(primary_point, '{INTEGER_RE}')"),
            (
                "primary_point_in_strategy_points",
                f"regexp_matches(primary_point, '{INTEGER_RE}') AND coalesce({pts_ok}, false) AND NOT "
                "(TRY_CAST(primary_point AS INT) BETWEEN 1 AND 12 AND list_contains(string_split(strategy_points, ';'), CAST(TRY_CAST(primary_point AS INT) AS VARCHAR)))",
            ),
            ("date_format", f"start_date IS NOT NULL AND NOT {is_date('start_date')}"),
            ("date_format", f"end_date IS NOT NULL AND NOT {is_date('end_date')}"),
            ("not_after_extracted_at", f"{as_date('start_date')} > {ts_date('extracted_at')}"),
            ("end_not_before_start", f"{as_date('end_date')} < {as_date('start_date')}"),
            ("decimal_format", f"budget_usd IS NOT NULL AND NOT regexp_matches(budget_usd, '{DECIMAL_RE}')"),
            ("non_negative", f"regexp_matches(budget_usd, '{DECIMAL_RE}') AND TRY_CAST(budget_usd AS DOUBLE) < 0"),
        ],
        "expenditures": common
        + [
            ("project_code_format", f"project_code IS NOT NULL AND NOT regexp_matches(project_code, '{CODE_RE}')"),
            ("integer_format", f"year IS NOT NULL AND NOT regexp_matches(year, '{INTEGER_RE}')"),
            (
                "year_range",
                f"regexp_matches(year, '{INTEGER_RE}') AND NOT TRY_CAST(year AS BIGINT) BETWEEN 1990 AND 2100",
            ),
            ("decimal_format", f"expenditure_usd IS NOT NULL AND NOT regexp_matches(expenditure_usd, '{DECIMAL_RE}')"),
        ],
        "beneficiaries": common
        + [
            ("accepted_values", "sex IS NOT NULL AND sex NOT IN ('F', 'M', 'U')"),
            (
                "accepted_values",
                f"service_type IS NOT NULL AND NOT list_contains({sql_list(SERVICE_TYPES)}, service_type)",
            ),
            (
                "accepted_values",
                f"case_category IS NOT NULL AND NOT list_contains({sql_list(CASE_CATEGORIES)}, case_category)",
            ),
            ("date_format", f"service_date IS NOT NULL AND NOT {is_date('service_date')}"),
            ("date_format", f"date_of_birth IS NOT NULL AND NOT {is_date('date_of_birth')}"),
            (
                "service_date_range",
                f"{as_date('service_date')} < DATE '1990-01-01' OR {as_date('service_date')} > {ts_date('extracted_at')}",
            ),
            ("not_after_service_date", f"{as_date('date_of_birth')} > {as_date('service_date')}"),
            ("iso3166_alpha3", f"country_of_service IS NOT NULL AND NOT list_contains({iso_l}, country_of_service)"),
            ("iso3166_alpha3", f"destination_country IS NOT NULL AND NOT list_contains({iso_l}, destination_country)"),
            (
                "required_for_service_type",
                "destination_country IS NULL AND service_type IN ('resettlement_movement', 'avrr_return', 'labour_deployment')",
            ),
            ("project_code_format", f"project_code IS NOT NULL AND NOT regexp_matches(project_code, '{CODE_RE}')"),
        ],
    }


def validate(con: duckdb.DuckDBPyConnection, bad_files) -> None:
    checks = row_checks(iso_codes())
    parts = []
    for kind, rules in checks.items():
        bf = sql_list([f for k, f, _ in bad_files if k == kind] or ["-"])
        base = f"FROM {kind}_rows WHERE NOT list_contains({bf}, file_name)"
        parts.append(
            f"SELECT '{kind}' AS kind, file_name, row_number, 'field_count' AS check_name {base} AND n_fields <> n_header"
        )
        ok = f"{base} AND n_fields = n_header"
        for c in REQUIRED[kind]:
            parts.append(f"SELECT '{kind}', file_name, row_number, 'required' {ok} AND ({c} IS NULL OR trim({c}) = '')")
        for name, cond in rules:
            parts.append(f"SELECT '{kind}', file_name, row_number, '{name}' {ok} AND coalesce(({cond}), false)")
    con.execute("CREATE OR REPLACE TABLE rejected AS " + " UNION ALL ".join(parts))
    for kind in checks:
        bf = sql_list([f for k, f, _ in bad_files if k == kind] or ["-"])
        con.execute(
            f"CREATE OR REPLACE TABLE {kind}_valid AS SELECT r.* FROM {kind}_rows r WHERE NOT list_contains({bf}, r.file_name) "
            f"AND NOT EXISTS (SELECT 1 FROM rejected x WHERE x.kind = '{kind}' AND x.file_name = r.file_name "
            "AND x.row_number = r.row_number)"
        )
    # winning version per key: latest extracted_at, then the file sorting last, then the later row
    win = (
        "QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY try_strptime(extracted_at, '"
        + TS_FMT
        + "') DESC, file_name DESC, row_number DESC) = 1"
    )
    con.execute(
        "CREATE OR REPLACE TABLE proj AS SELECT project_code, activity_type, "
        "list_transform(string_split(strategy_points, ';'), lambda x: CAST(x AS INT)) AS points, "
        f"{as_date('start_date')} AS start_date, {as_date('end_date')} AS end_date, CAST(budget_usd AS DECIMAL(18, 2)) AS budget "
        "FROM projects_valid " + win.format(key="project_code")
    )
    con.execute(
        "CREATE OR REPLACE TABLE held AS SELECT 'expenditures' AS kind, file_name, row_number FROM expenditures_valid "
        "WHERE project_code NOT IN (SELECT project_code FROM projects_valid)"
    )
    con.execute(
        "CREATE OR REPLACE TABLE exp AS SELECT project_code, CAST(year AS INT) AS year, "
        "CAST(expenditure_usd AS DECIMAL(18, 2)) AS usd FROM expenditures_valid "
        "WHERE project_code IN (SELECT project_code FROM projects_valid) "
        + win.format(key="project_code, CAST(year AS INT)")
    )
    con.execute(
        "CREATE OR REPLACE TABLE ben AS SELECT service_id, beneficiary_id, sex, service_type, "
        f"{as_date('service_date')} AS service_date, country_of_service, destination_country, case_category, project_code "
        "FROM beneficiaries_valid " + win.format(key="service_id")
    )


# --------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------


def _years(period: str) -> tuple[int, int]:
    a, _, b = period.partition("-")
    return int(a), int(b or a)


def compute(con: duckdb.DuckDBPyConnection, code: str, period: str, dim: str, dim_value: str) -> float | None:
    y0, y1 = _years(period)
    yr = f"year(service_date) BETWEEN {y0} AND {y1}"

    def one(sql: str):
        return con.execute(sql).fetchall()[0][0]

    def persons(stype: str, extra: str = "") -> int:
        return one(f"SELECT count(DISTINCT beneficiary_id) FROM ben WHERE service_type = '{stype}' AND {yr} {extra}")

    def active(where: str) -> int:  # distinct projects active in any year of the period
        return one(
            f"SELECT count(*) FROM proj WHERE {where} AND start_date <= DATE '{y1}-12-31' "
            f"AND (end_date IS NULL OR end_date >= DATE '{y0}-01-01')"
        )

    def started(where: str, what: str = "count(*)"):
        return one(f"SELECT {what} FROM proj WHERE {where} AND year(start_date) BETWEEN {y0} AND {y1}")

    def latest_share(stype: str, cond: str) -> float:
        return one(
            f"SELECT 100.0 * avg(CASE WHEN {cond} THEN 1 ELSE 0 END) FROM (SELECT *, row_number() OVER ("
            f"PARTITION BY beneficiary_id ORDER BY service_date DESC, service_id DESC) AS rn FROM ben "
            f"WHERE service_type = '{stype}' AND {yr}) WHERE rn = 1"
        )

    dim_filter = f" AND {dim} = '{dim_value}'" if dim else ""
    point = int(code[1:3]) if code.startswith("P") else None
    tag = f"list_contains(points, {point})" if point else "true"
    name = code.split(".", 1)[1]
    if code == "ORG.expenditure_usd":
        return float(one(f"SELECT coalesce(sum(usd), 0) FROM exp WHERE year BETWEEN {y0} AND {y1}"))
    if name == "projects_active":
        return active(tag)
    if name == "projects_started":
        return started(tag)
    if name == "budget_started_usd":
        return float(started(tag, "coalesce(sum(budget), 0)"))
    by_activity = {
        "emergency_projects_started": "emergency",
        "post_crisis_projects_started": "post_crisis",
        "ct_prevention_projects_started": "ct_prevention",
        "ct_capacity_projects_started": "ct_capacity",
    }
    if name in by_activity:
        return started(f"{tag} AND activity_type = '{by_activity[name]}'")
    if name == "avrr_programmes_active":
        return active(f"{tag} AND activity_type = 'avrr'")
    service_persons = {
        "pre_consular_applicants": "pre_consular",
        "migrant_training_participants": "migrant_training",
        "resettlement_persons": "resettlement_movement",
        "officials_trained": "official_training",
        "dialogue_participants": "dialogue_participation",
        "avrr_returns": "avrr_return",
        "trafficked_persons_assisted": "trafficking_assistance",
        "labour_migrants_deployed": "labour_deployment",
    }
    if name in service_persons:
        return persons(service_persons[name], dim_filter)
    if name == "migrant_training_women_pct":
        return latest_share("migrant_training", "sex = 'F'")
    if name == "migrant_training_resettlement_pct":
        return latest_share("migrant_training", "case_category = 'resettlement'")
    if name == "health_assessments":
        return one(f"SELECT count(*) FROM ben WHERE service_type = 'health_assessment' AND {yr}{dim_filter}")
    if name == "health_assessment_countries":
        return one(
            f"SELECT count(DISTINCT country_of_service) FROM ben WHERE service_type = 'health_assessment' AND {yr}"
        )
    if name == "avrr_destination_countries":
        return one(f"SELECT count(DISTINCT destination_country) FROM ben WHERE service_type = 'avrr_return' AND {yr}")
    raise ValueError(f"no rule for {code}")


def holds(c: float | None, p: float, qualifier: str, rounding: float) -> bool:
    if c is None:
        return False
    if qualifier == "exact":
        return math.floor(c / rounding + 0.5) * rounding == p
    if qualifier == "more_than":
        return p < c <= 1.10 * p
    if qualifier == "nearly":
        return 0.95 * p <= c < p
    return 0.95 * p <= c <= 1.05 * p  # approximately, about, around, some


@dataclass
class Figure:
    code: str
    period: str
    dimension: str
    dimension_value: str
    published: float
    qualifier: str
    rounding: float
    computed: float | None
    holds: bool

    def band(self) -> str:
        p, q = self.published, self.qualifier
        if q == "exact":
            return f"= {p:,.0f} (rounded to {self.rounding:,.0f})"
        if q == "more_than":
            return f"({p:,.0f}, {1.1 * p:,.0f}]"
        if q == "nearly":
            return f"[{0.95 * p:,.0f}, {p:,.0f})"
        return f"[{0.95 * p:,.2f}, {1.05 * p:,.2f}]"


@dataclass
class CheckResult:
    figures: list[Figure]
    rejected: set[tuple[str, str, int, str]]
    bad_files: list[tuple[str, str, str]]
    held: set[tuple[str, str, int]]
    report_mismatches: list[str]

    @property
    def all_hold(self) -> bool:
        return all(f.holds for f in self.figures)


def check(raw: Path, report=None) -> CheckResult:
    con = duckdb.connect()
    bad_files = load(con, Path(raw))
    validate(con, bad_files)
    figures = []
    with open(PUBLISHED, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            c = compute(con, r["indicator_code"], r["period"], r["dimension"], r["dimension_value"])
            p, rnd = float(r["published_value"]), float(r["rounding"] or 1)
            figures.append(
                Figure(
                    r["indicator_code"],
                    r["period"],
                    r["dimension"],
                    r["dimension_value"],
                    p,
                    r["qualifier"],
                    rnd,
                    c,
                    holds(c, p, r["qualifier"], rnd),
                )
            )
    rejected = {
        tuple(x) for x in con.execute("SELECT kind, file_name, row_number, check_name FROM rejected").fetchall()
    }
    held = {tuple(x) for x in con.execute("SELECT kind, file_name, row_number FROM held").fetchall()}
    mismatches = []
    if report is not None:
        planted = set(report.bad_rows)
        for x in sorted(planted - rejected):
            mismatches.append(f"planted but not rejected: {x}")
        for x in sorted(rejected - planted):
            mismatches.append(f"rejected but not planted: {x}")
        rows = {}
        for k, f_, n, _ in rejected:
            rows[(k, f_, n)] = rows.get((k, f_, n), 0) + 1
        for key, n in sorted(rows.items()):
            if n > 1:
                mismatches.append(f"row fails {n} checks: {key}")
        if set(report.held_rows) != held:
            mismatches.append(f"held rows differ: planted {sorted(report.held_rows)} vs found {sorted(held)}")
        if sorted(report.bad_files) != sorted((k, f_) for k, f_, _ in bad_files):
            mismatches.append(f"bad files differ: planted {sorted(report.bad_files)} vs found {bad_files}")
    con.close()
    return CheckResult(figures, rejected, bad_files, held, mismatches)


def print_result(res: CheckResult) -> None:
    print(
        f"{'indicator':<40} {'period':<10} {'dimension':<24} {'published':>14} {'qualifier':<14} {'computed':>16}  holds  band"
    )
    for f in res.figures:
        dim = f"{f.dimension}={f.dimension_value}" if f.dimension else ""
        comp = "NULL" if f.computed is None else (f"{f.computed:,.2f}" if f.computed % 1 else f"{f.computed:,.0f}")
        print(
            f"{f.code:<40} {f.period:<10} {dim:<24} {f.published:>14,.0f} {f.qualifier:<14} {comp:>16}  {str(f.holds):<5}  {f.band()}"
        )
    n = sum(f.holds for f in res.figures)
    print(f"\n{n}/{len(res.figures)} figures hold")
    by: dict[str, int] = {}
    for _, _, _, c in res.rejected:
        by[c] = by.get(c, 0) + 1
    print(f"rejected rows: {len(res.rejected)} ({', '.join(f'{k} {v}' for k, v in sorted(by.items()))})")
    print(f"rejected files: {res.bad_files}")
    print(f"held rows: {len(res.held)}")
    if res.report_mismatches:
        print(f"REPORT MISMATCHES ({len(res.report_mismatches)}):")
        for m in res.report_mismatches[:30]:
            print("  " + m)
    else:
        print("report: planted bad rows, bad files and held rows match what the checks found")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--raw", type=Path, default=REPO / "data" / "raw")
    ap.add_argument("--generate", action="store_true", help="generate the demo data into --raw first")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=20100601)
    args = ap.parse_args(argv)
    report = None
    if args.generate:
        sys.path.insert(0, str(REPO))
        from pipelines.demo_data import generate

        report = generate(args.raw, args.scale, args.seed)
        print(report.summary())
        print()
    t0 = time.perf_counter()
    res = check(args.raw, report)
    print_result(res)
    print(f"(check took {time.perf_counter() - t0:.1f} s)")
    return 0 if res.all_hold and not res.report_mismatches else 1


if __name__ == "__main__":
    sys.exit(main())
