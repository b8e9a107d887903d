"""The deliveries around the plan: re-deliveries, corrections, bad rows and files, held rows."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.demo_data.beneficiaries import BeneficiaryPlanner, Persons
from pipelines.demo_data.common import d2i, day_range, i2d, iso, money, rand_day
from pipelines.demo_data.geography import CIDX, ISO3
from pipelines.demo_data.names import TITLES, personal_exprs, py_bid, py_doc, py_name
from pipelines.demo_data.projects import CodeMaker, ProjectPlanner
from pipelines.demo_data.report import GenerationReport
from pipelines.demo_data.targets import (
    BENEFICIARY_PART_ROWS,
    CUTOFF,
    EXPENDITURE_USD,
    REKEYED_FILE,
    REKEYED_OFFICE,
    REKEYED_TS,
    SILENT_OFFICE,
    SPIKE,
    YEARS,
)
from pipelines.demo_data.vocabulary import (
    ACTIVITY_POINT,
    AV,
    BENEFICIARY_COLUMNS,
    CASE_CATEGORIES,
    EXPENDITURE_COLUMNS,
    HA,
    KINDS,
    LD,
    MT,
    NEEDS_DESTINATION,
    PC,
    PROJECT_COLUMNS,
    RM,
    SERVICE_TYPES,
    SEXES,
    F,
    M,
)
from pipelines.demo_data.writer import write_frame, write_rows


class Generator:
    def __init__(self, out_dir: Path, scale: float, seed: int):
        self.out = Path(out_dir)
        self.scale, self.seed = scale, seed
        self.rng = random.Random(seed)
        self.report = GenerationReport(out_dir=self.out, scale=scale, seed=seed)
        for k in KINDS:
            self.report.files[k] = []
            self.report.row_counts[k] = 0

    def sc(self, n: float) -> int:
        return int(n * self.scale + 0.5)

    def _register(self, kind: str, name: str, n_rows: int) -> None:
        self.report.files[kind].append(name)
        self.report.row_counts[kind] += n_rows

    def _bad(self, kind: str, name: str, row_number: int, check: str) -> None:
        self.report.bad_rows.append((kind, name, row_number, check))

    def run(self) -> GenerationReport:
        for k in KINDS:
            d = self.out / k
            d.mkdir(parents=True, exist_ok=True)
            for old in sorted(d.glob(f"{k}_*.csv")):  # files of an earlier run of this generator
                old.unlink()
        self.projects = ProjectPlanner(self.rng, self.scale).plan()
        self.codes = CodeMaker(random.Random(self.seed + 1))  # fresh codes for bad / orphan rows
        self._used_codes = {p.code for p in self.projects}
        self.write_projects()
        self.write_expenditures()
        self.write_beneficiaries()
        for k in KINDS:
            self.report.files[k].sort()
        return self.report

    def fresh_code(self, activity: str) -> str:
        while True:
            c = self.codes.new(activity)
            if c not in self._used_codes:
                self._used_codes.add(c)
                return c

    # ---------------------------------------------------------------------------------------------
    # projects
    # ---------------------------------------------------------------------------------------------
    def write_projects(self) -> None:
        rng, P = self.rng, self.projects
        d = lambda y, m, dd: d2i(date(y, m, dd))  # noqa: E731
        f1 = ("projects_register_2007-01-15.csv", "2007-01-15T06:00:00Z")
        f2 = ("projects_register_2009-01-15.csv", "2009-01-15T06:00:00Z")
        f3 = ("projects_register_2010-06-01.csv", "2010-06-01T06:00:00Z")
        in1 = [p for p in P if p.start <= d(2006, 12, 31)]
        in2 = [p for p in P if p.start <= d(2008, 12, 31) and (p.end is None or p.end >= d(2007, 1, 1))]
        in3 = [p for p in P if p.end is None or p.end >= d(2009, 1, 1)]
        s2, s3 = {p.idx for p in in2}, {p.idx for p in in3}
        earlier: dict[tuple[str, int], dict] = {}  # (file, project idx) -> overridden values of that version
        extra1, extra2 = [], []
        fill = [p for p in P if p.group == "filler"]
        rng.shuffle(fill)
        # a correction that moves a project's start year: 2006 -> 2007, and 2008 -> 2009
        for y_final, f_early, early_start, extra in (
            (2007, f1, "2006-12-18", extra1),
            (2009, f2, "2008-12-20", extra2),
        ):
            cand = [p for p in fill if i2d(p.start).year == y_final and (p.end is None or p.end > d(y_final, 3, 1))]
            if cand:
                p = cand[0]
                p.start = d(y_final, 1, 8 if y_final == 2007 else 5)
                earlier[(f_early[0], p.idx)] = {"start_date": early_start}
                extra.append(p)
        # an activity-type correction inside the P09 window (earlier: emergency, final: post_crisis)
        for p in P:
            if p.group == "pc9" and p.idx in s2 and p.idx in s3:
                earlier[(f2[0], p.idx)] = {"activity_type": "emergency"}
                break
        # extended end dates: earlier snapshot had an earlier planned end
        for p in fill:
            if rng.random() < 0.04 and p.end is not None:
                for fname, s_later, cut in ((f1[0], s2, d(2006, 12, 31)), (f2[0], s3, d(2008, 12, 31))):
                    if p.idx in s_later and p.start <= cut and p.end > cut:
                        early_end = max(p.start, min(p.end - rng.randint(90, 400), cut))
                        earlier.setdefault((fname, p.idx), {})["end_date"] = iso(early_end)
                        break
        # other small corrections: title wording, a second strategy point added later, budget revisions
        for p in fill:
            if rng.random() < 0.02 and (p.idx in s2 or p.idx in s3):
                fname = f1[0] if p.idx in s2 and p.start <= d(2006, 12, 31) else f2[0]
                if fname == f2[0] and (p.idx not in s2 or p.idx not in s3):
                    continue
                r = rng.random()
                if r < 0.4:
                    earlier.setdefault((fname, p.idx), {})["title"] = p.title.lower()
                elif r < 0.7 and len(p.points) == 2:
                    earlier.setdefault((fname, p.idx), {})["strategy_points"] = str(p.primary)
                else:
                    earlier.setdefault((fname, p.idx), {})["budget_usd"] = f"{int(p.budget * 0.8) // 100 * 100}.00"

        def rows_for(fname, ts, members, final_set_next):
            rows = []
            for p in sorted(members, key=lambda q: q.code):
                ov = earlier.get((fname, p.idx), {})
                assert not ov or p.idx in final_set_next, "an earlier version needs a later delivery"
                rows.append(p.row(ts, **ov))
            return rows

        later_of_1 = s2 | s3
        rows1 = rows_for(f1[0], f1[1], in1 + extra1, later_of_1)
        rows2 = rows_for(f2[0], f2[1], in2 + [p for p in extra2 if p.idx not in s2], s3)
        rows3 = [p.row(f3[1]) for p in sorted(in3, key=lambda q: q.code)]
        # a tie inside one file: a P05 project delivered twice; the later row (planned budget) wins
        p05_in3 = [i for i, r in enumerate(rows3) if P[self._idx_of(r[0])].group == "p05"]
        if p05_in3:
            i = p05_in3[0]
            stale = list(rows3[i])
            stale[PROJECT_COLUMNS.index("budget_usd")] = f"{int(float(stale[8]) * 1.25) // 100 * 100}.00"
            rows3.insert(i, stale)
        # bad rows (extra rows with their own keys, each failing exactly one check)
        checks = [
            "field_count",
            "required",
            "project_code_format",
            "iso3166_alpha3",
            "accepted_values",
            "strategy_points_format",
            "primary_point_in_strategy_points",
            "date_format",
            "timestamp_format",
            "not_after_extracted_at",
            "end_not_before_start",
            "decimal_format",
            "non_negative",
            "integer_format",
        ]
        n_bad = max(len(checks) + 4, int(0.004 * (len(rows1) + len(rows2) + len(rows3)) + 0.5))
        plan = {f2[0]: [], f3[0]: []}
        for i in range(n_bad):
            fname, ts = f2 if i % 3 == 1 else f3
            plan[fname].append((checks[i % len(checks)], i // len(checks), ts))
        files = ((f1[0], rows1), (f2[0], rows2), (f3[0], rows3))
        out_rows = {}
        for fname, rows in files:
            bad = [(c, v, self._bad_project(c, v, ts)) for c, v, ts in plan.get(fname, [])]
            positions = sorted(rng.sample(range(len(rows) + len(bad)), len(bad)))
            merged, bi, ri = [], 0, 0
            for pos in range(len(rows) + len(bad)):
                if bi < len(bad) and positions[bi] == pos:
                    c, _, r = bad[bi]
                    self._bad("projects", fname, pos + 2, c)
                    merged.append(r)
                    bi += 1
                else:
                    merged.append(rows[ri])
                    ri += 1
            out_rows[fname] = merged
        write_rows(self.out / "projects" / f1[0], PROJECT_COLUMNS, out_rows[f1[0]])
        write_rows(self.out / "projects" / f2[0], PROJECT_COLUMNS, out_rows[f2[0]], bom=True)
        write_rows(self.out / "projects" / f3[0], PROJECT_COLUMNS, out_rows[f3[0]])
        for fname, _ in files:
            self._register("projects", fname, len(out_rows[fname]))
        # a supplement with an extra, unknown column (`notes`): unchanged re-deliveries of a few projects
        sup = rng.sample(in3, min(len(in3), max(3, self.sc(25))))
        notes = ("re-sent after register clean-up", None, "checked by regional office", None, "budget line confirmed")
        rows = [
            p.row("2010-06-02T09:15:00Z") + [notes[i % len(notes)]]
            for i, p in enumerate(sorted(sup, key=lambda q: q.code))
        ]
        write_rows(self.out / "projects" / "projects_supplement_2010-06-02.csv", PROJECT_COLUMNS + ["notes"], rows)
        self._register("projects", "projects_supplement_2010-06-02.csv", len(rows))
        # a bad file: a field office upload without the required start_date column
        name = "projects_field_office_upload_2010-06-01.csv"
        cols = [c for c in PROJECT_COLUMNS if c != "start_date"]
        sub = rng.sample(in3, min(len(in3), max(3, self.sc(30))))
        rows = [[v for c, v in zip(PROJECT_COLUMNS, p.row("2010-06-01T11:00:00Z")) if c != "start_date"] for p in sub]
        write_rows(self.out / "projects" / name, cols, rows)
        self._register("projects", name, len(rows))
        self.report.bad_files.append(("projects", name))

    def _idx_of(self, code: str) -> int:
        if not hasattr(self, "_code_idx"):
            self._code_idx = {p.code: p.idx for p in self.projects}
        return self._code_idx[code]

    def _bad_project(self, check: str, variant: int, ts: str) -> list:
        rng = self.rng
        act = rng.choice(("capacity_building", "migration_law", "research_data", "dialogue", "other"))
        pt = ACTIVITY_POINT[act] or 3
        ext_day = d2i(date.fromisoformat(ts[:10]))
        start = rng.randint(ext_day - 900, ext_day - 200)
        v = dict(
            project_code=self.fresh_code(act),
            title=f"{rng.choice(TITLES[act])} (pending)",
            country_iso3=rng.choice(ISO3[:170]),
            activity_type=act,
            strategy_points=str(pt),
            primary_point=str(pt),
            start_date=iso(start),
            end_date=iso(start + rng.randint(200, 900)),
            budget_usd=f"{rng.randint(200, 5000) * 100}.00",
            extracted_at=ts,
        )
        if check == "field_count":
            row = [v[c] for c in PROJECT_COLUMNS]
            if variant % 2 == 0:  # an unquoted comma split the title: one field too many
                return [row[0], "Return assistance", " phase II"] + row[2:]
            return row[:7] + row[8:]  # end_date column left out: one field too few
        if check == "required":
            v[("title", "budget_usd", "country_iso3")[variant % 3]] = None
        elif check == "project_code_format":
            code = v["project_code"]
            v["project_code"] = (code.replace(".", "-"), code.lower(), code + "7")[variant % 3]
        elif check == "iso3166_alpha3":
            v["country_iso3"] = ("GER", "SWI", "RSA")[variant % 3]
        elif check == "accepted_values":
            v["activity_type"] = ("emergency_response", "training", "AVRR")[variant % 3]
        elif check == "strategy_points_format":
            v["strategy_points"], v["primary_point"] = (("3;13", "3"), ("9;9", "9"), ("3,9", "3"))[variant % 3]
        elif check == "primary_point_in_strategy_points":
            v["strategy_points"], v["primary_point"] = (("3;9", "5"), ("2", "12"), ("4;6", "13"))[variant % 3]
        elif check == "date_format":
            if variant % 2 == 0:
                v["end_date"] = f"{i2d(start).year + 1}-06-31"
            else:
                v["start_date"] = i2d(start).strftime("%d/%m/%Y")
        elif check == "timestamp_format":
            v["extracted_at"] = date.fromisoformat(ts[:10]).strftime("%d/%m/%Y") + " 06:00:00"
        elif check == "not_after_extracted_at":
            v["start_date"], v["end_date"] = iso(ext_day + rng.randint(10, 60)), None
        elif check == "end_not_before_start":
            v["end_date"] = iso(start - rng.randint(30, 300))
        elif check == "decimal_format":
            v["budget_usd"] = ("1,250,000", "USD 250000", "250 000")[variant % 3]
        elif check == "non_negative":
            v["budget_usd"] = f"-{rng.randint(10, 500) * 100}.00"
        elif check == "integer_format":
            v["primary_point"] = (f"{pt}.0", "three", f"{pt}a")[variant % 3]
        return [v[c] for c in PROJECT_COLUMNS]

    # ---------------------------------------------------------------------------------------------
    # expenditures
    # ---------------------------------------------------------------------------------------------
    def write_expenditures(self) -> None:
        rng, P = self.rng, self.projects
        final: dict[int, list[tuple[int, int]]] = {}  # year -> [(project idx, cents)]
        for y in YEARS:
            y0, y1 = d2i(date(y, 1, 1)), d2i(min(date(y, 12, 31), CUTOFF))
            raw = []
            for p in P:
                if not p.active_in(y) or p.start > y1:
                    continue
                end = p.end if p.end is not None else max(p.start + 5 * 365, d2i(CUTOFF) + 365)
                dur = max(30, end - p.start + 1)
                overlap = min(end, y1) - max(p.start, y0) + 1
                v = p.budget * max(overlap, 15) / dur * (0.75 + 0.35 * rng.random())
                if rng.random() < 0.005:
                    v = -p.budget * (0.001 + 0.02 * rng.random())  # refunds / adjustments
                raw.append((p.idx, v))
            target = int(round(EXPENDITURE_USD[y] * self.scale * 100))
            tot = sum(v for _, v in raw) or 1.0
            cents = [(i, int(round(v * target / tot))) for i, v in raw]
            if cents:
                resid = target - sum(c for _, c in cents)
                j = max(range(len(cents)), key=lambda k: (cents[k][1], -k))
                cents[j] = (cents[j][0], cents[j][1] + resid)
            final[y] = sorted(cents, key=lambda x: P[x[0]].code)
        ts = {
            2005: "2006-02-15T07:00:00Z",
            2006: "2007-02-15T07:05:00Z",
            2007: "2008-02-15T07:00:00Z",
            2008: "2009-02-16T07:10:00Z",
            2009: "2010-02-15T07:00:00Z",
            2010: "2010-06-01T07:30:00Z",
        }
        names = {y: f"expenditures_FY{y}.csv" for y in range(2005, 2010)}
        names[2010] = "expenditures_2010_interim.csv"
        # corrections: audited 2007 figures revised in a later delivery (earlier values differ)
        revised = [r for r in final[2007] if rng.random() < 0.04]
        revised_set = {i for i, _ in revised}
        resend = [r for r in final[2009] if rng.random() < 0.03]
        checks = [
            "field_count",
            "required",
            "project_code_format",
            "integer_format",
            "year_range",
            "decimal_format",
            "timestamp_format",
        ]
        n_rows = sum(len(v) for v in final.values())
        n_bad = max(2 * len(checks), int(0.003 * n_rows + 0.5))
        bad_plan: dict[int, list[tuple[str, int]]] = {y: [] for y in YEARS}
        for i in range(n_bad):
            bad_plan[(2006, 2007, 2008, 2009, 2010)[i % 5]].append((checks[i % len(checks)], i // len(checks)))
        orphans = {2008: max(1, self.sc(2)), 2009: max(1, self.sc(3)), 2010: max(1, self.sc(1))}
        used_keys = {(P[i].code, y) for y in YEARS for i, _ in final[y]}
        for y in YEARS:
            name, t = names[y], ts[y]
            rows = []
            for i, c in final[y]:
                if y == 2007 and i in revised_set:
                    c = int(c * (0.85 + 0.3 * rng.random())) or c + 100_00
                rows.append([P[i].code, str(y), money(c), t])
            specials = []  # (row, kind) kind: 'bad:<check>' or 'held'
            for check, variant in bad_plan[y]:
                specials.append((self._bad_expenditure(check, variant, y, t, used_keys), "bad:" + check))
            for _ in range(orphans.get(y, 0)):
                code = self.fresh_code(rng.choice(("emergency", "post_crisis", "capacity_building")))
                specials.append(([code, str(y), money(rng.randint(5_000_00, 400_000_00)), t], "held"))
            positions = sorted(rng.sample(range(len(rows) + len(specials)), len(specials)))
            merged, si, ri = [], 0, 0
            for pos in range(len(rows) + len(specials)):
                if si < len(specials) and positions[si] == pos:
                    r, what = specials[si]
                    if what == "held":
                        self.report.held_rows.append(("expenditures", name, pos + 2))
                    else:
                        self._bad("expenditures", name, pos + 2, what[4:])
                    merged.append(r)
                    si += 1
                else:
                    merged.append(rows[ri])
                    ri += 1
            if y == 2008:  # column order is free: this delivery puts year first
                order = ["year", "project_code", "extracted_at", "expenditure_usd"]
                perm = [EXPENDITURE_COLUMNS.index(c) for c in order]
                merged = [[r[k] for k in perm] if len(r) == 4 else r for r in merged]
                write_rows(self.out / "expenditures" / name, order, merged)
            else:
                write_rows(self.out / "expenditures" / name, EXPENDITURE_COLUMNS, merged, crlf=(y == 2006))
            self._register("expenditures", name, len(merged))
        name = "expenditures_FY2007_revised.csv"
        rows = [[P[i].code, "2007", money(c), "2008-09-30T12:00:00Z"] for i, c in revised]
        write_rows(self.out / "expenditures" / name, EXPENDITURE_COLUMNS, rows)
        self._register("expenditures", name, len(rows))
        name = "expenditures_FY2009_resend.csv"
        rows = [[P[i].code, "2009", money(c), "2010-04-12T07:00:00Z"] for i, c in resend]
        write_rows(self.out / "expenditures" / name, EXPENDITURE_COLUMNS, rows)
        self._register("expenditures", name, len(rows))
        name = "expenditures_2010_adjustments.csv"  # header only: valid, contributes nothing
        write_rows(self.out / "expenditures" / name, EXPENDITURE_COLUMNS, [])
        self._register("expenditures", name, 0)
        # a bad file: a country-office export without the required extracted_at column
        name = "expenditures_FY2009_country_office.csv"
        sub = final[2009][: max(2, self.sc(20))]
        rows = [[P[i].code, "2009", money(int(c * 1.1))] for i, c in sub]
        write_rows(self.out / "expenditures" / name, ["project_code", "year", "expenditure_usd"], rows)
        self._register("expenditures", name, len(rows))
        self.report.bad_files.append(("expenditures", name))

    def _bad_expenditure(self, check: str, variant: int, y: int, ts: str, used_keys: set) -> list:
        rng, P = self.rng, self.projects
        while True:  # a real project and a year it has no expenditure row for: the row has its own key
            p = P[int(rng.random() * len(P))]
            yy = rng.choice((1998, 1999, 2000, 2001, 2002, 2003, 2004)) if i2d(p.start).year > 2004 else 2011
            if (p.code, yy) not in used_keys:
                used_keys.add((p.code, yy))
                break
        row = [p.code, str(yy), money(rng.randint(1_000_00, 900_000_00)), ts]
        if check == "field_count":
            return row + ["USD"] if variant % 2 == 0 else row[:3]
        if check == "required":
            row[(2, 1, 0)[variant % 3]] = None
        elif check == "project_code_format":
            row[0] = (p.code.lower(), p.code.replace(".", ""), p.code[:2] + "." + p.code[3:5])[variant % 3]
        elif check == "integer_format":
            row[1] = (f"FY{yy}", f"{yy}.0", f"{yy}/{yy + 1 - 2000:02d}")[variant % 3]
        elif check == "year_range":
            row[1] = ("2208", "1899", "207")[variant % 3]
        elif check == "decimal_format":
            row[2] = ("1.234.567,00", "n/a", "12 500.00")[variant % 3]
        elif check == "timestamp_format":
            row[3] = date.fromisoformat(ts[:10]).strftime("%d.%m.%Y") + " 07:00"
        return row

    # ---------------------------------------------------------------------------------------------
    # beneficiaries
    # ---------------------------------------------------------------------------------------------
    def _bene_strings(self, df: pl.DataFrame, extracted_at: str) -> pl.DataFrame:
        """Planned integer records -> contract columns as strings."""
        codes = {i: c for i, c in enumerate(ISO3)}
        proj = {p.idx: p.code for p in self.projects}
        date_str_of = lambda e: e.cast(pl.Date).dt.strftime("%Y-%m-%d")  # noqa: E731
        date_str = lambda c: date_str_of(pl.col(c))  # noqa: E731
        cats = dict(enumerate(CASE_CATEGORIES))
        return df.select(
            pl.concat_str(
                [pl.lit("SV"), pl.col("y").cast(pl.String), pl.lit("-"), pl.col("seq").cast(pl.String).str.zfill(7)]
            ).alias("service_id"),
            *personal_exprs(self.seed),
            date_str_of(pl.when(pl.col("dob") != Persons.NO_DOB).then(pl.col("dob"))).alias("date_of_birth"),
            pl.col("sex").replace_strict(dict(enumerate(SEXES)), return_dtype=pl.String).alias("sex"),
            pl.col("t").replace_strict(dict(enumerate(SERVICE_TYPES)), return_dtype=pl.String).alias("service_type"),
            date_str("d").alias("service_date"),
            pl.col("cos").replace_strict(codes, return_dtype=pl.String).alias("country_of_service"),
            pl.col("dest").replace_strict(codes, default=None, return_dtype=pl.String).alias("destination_country"),
            pl.col("cat").replace_strict(cats, default=None, return_dtype=pl.String).alias("case_category"),
            pl.col("proj").replace_strict(proj, default=None, return_dtype=pl.String).alias("project_code"),
            pl.lit(extracted_at).alias("extracted_at"),
        )

    def write_beneficiaries(self) -> None:
        rng = self.rng
        planner = BeneficiaryPlanner(rng, self.scale, self.projects)
        self.planner = planner
        ts = {
            2005: "2006-01-18T07:10:00Z",
            2006: "2007-01-17T07:10:00Z",
            2007: "2008-01-16T07:10:00Z",
            2008: "2009-01-21T07:10:00Z",
            2009: "2010-01-20T06:00:00Z",
            2010: "2010-06-01T05:45:00Z",
        }
        corr_ts = "2010-03-15T10:20:00Z"
        resend_ts = "2009-03-02T08:00:00Z"
        checks = [
            "field_count",
            "required",
            "project_code_format",
            "iso3166_alpha3",
            "accepted_values",
            "date_format",
            "timestamp_format",
            "service_date_range",
            "required_for_service_type",
            "not_after_service_date",
        ]
        self._bene_check_i = 0
        pending: list[pl.DataFrame] = []  # earlier versions (moved records) for the next year's delivery
        corrections: list[pl.DataFrame] = []  # planned versions delivered in the corrections file
        for y in YEARS:
            stale_prev, pending = pending, []
            plan = planner.plan_year(y)  # integer columns, sorted by service date, with `seq`
            n = plan.height
            ext_day = d2i(date.fromisoformat(ts[y][:10]))
            moved: list[int] = []
            corr: list[int] = []
            if y in (2007, 2008):  # records first delivered dated early next year, corrected back into y
                late = plan.filter(pl.col("d") >= d2i(date(y, 12, 10)))["seq"].to_list()
                moved = sorted(rng.sample(late, min(len(late), max(1, self.sc(12)))))
            if y in (2008, 2009):  # same-year corrections of one value
                ms = set(moved)
                corr = sorted(s for s in rng.sample(range(1, n + 1), min(n, max(3, self.sc(700)))) if s not in ms)
            is_mb = pl.col("seq").is_in(moved)
            if moved or corr:  # the planned versions travel with the corrections
                sel = plan.filter(is_mb | pl.col("seq").is_in(corr))
                corrections.append(self._bene_strings(sel, corr_ts))
            if moved:  # their earlier version: dated early next year, in next year's delivery
                mv = self._bene_strings(plan.filter(is_mb), ts[y + 1])
                new_dates = [iso(d2i(date(y + 1, 1, 1)) + rng.randint(0, 9)) for _ in range(mv.height)]
                pending.append(mv.with_columns(pl.Series("service_date", new_dates, dtype=pl.String)))
            if y in (2008, 2009):  # unchanged re-deliveries: part of 2008 later on, some 2009 rows with the corrections
                excl = set(moved) | set(corr)
                k = max(1, n // 100) if y == 2008 else min(n, max(1, self.sc(400)))
                pick = [s for s in rng.sample(range(1, n + 1), min(n, k + len(excl))) if s not in excl][:k]
                rs = self._bene_strings(
                    plan.filter(pl.col("seq").is_in(sorted(pick))), resend_ts if y == 2008 else corr_ts
                )
                if y == 2008:
                    self._write_bene_file("beneficiaries_2008_resend.csv", rs, resend_ts, checks, bad_share=0)
                else:
                    corrections.append(rs)
            body = plan.filter(~is_mb)
            del plan
            body = self._plant_anomalies(y, body)
            stale = pl.concat(stale_prev).with_columns(pl.lit(ts[y]).alias("extracted_at")) if stale_prev else None
            self._write_year(y, body, ts[y], checks, set(corr), ext_day, stale)
            del body
        # corrections delivery; one record is in it twice: an earlier version first, then the planned one
        corr_df = pl.concat(corrections)
        j = corr_df.height // 2
        stale = corr_df.slice(j, 1)
        stale = stale.with_columns(pl.lit("U" if stale["sex"][0] != "U" else "F").alias("sex"))
        corr_df = pl.concat([corr_df.slice(0, j), stale, corr_df.slice(j)])
        self._write_bene_file("beneficiaries_2010-03_corrections.csv", corr_df, corr_ts, checks, bad_share=0.002)
        # header-only delivery: valid, contributes nothing
        name = "beneficiaries_2010_late_upload.csv"
        with open(self.out / "beneficiaries" / name, "w", encoding="utf-8", newline="") as f:
            f.write(",".join(BENEFICIARY_COLUMNS) + "\n")
        self._register("beneficiaries", name, 0)
        self._write_latin1()

    def _plant_anomalies(self, y: int, body: pl.DataFrame) -> pl.DataFrame:
        """The plausibility anomalies of year y (SILENT_OFFICE, REKEYED_OFFICE, SPIKE): valid rows that a
        row check cannot see. Uses no random draw: the plan around them is unchanged."""
        if y == SILENT_OFFICE[1]:
            body = body.filter(pl.col("cos") != CIDX[SILENT_OFFICE[0]])
            self.report.anomalies.append(f"office {SILENT_OFFICE[0]} silent in {y}")
        if y == SPIKE[1]:
            base = body.filter((pl.col("cos") == CIDX[SPIKE[0]]) & (pl.col("t") == HA))
            # the batch loaded again and again, each time as other case numbers (person numbers beyond any
            # the planner gives): the same days, no service that repeats another of the same person
            copies = [
                base.with_columns(
                    (pl.col("p") + k * 100_000_000).alias("p"), (8_000_000 + k * 100_000 + pl.col("seq")).alias("seq")
                )
                for k in range(1, SPIKE[2])
            ]
            body = pl.concat([body, *copies])
            self.report.anomalies.append(
                f"health assessments of {SPIKE[0]} in {y} loaded {SPIKE[2]} times ({base.height:,} rows -> "
                f"{base.height + sum(c.height for c in copies):,})"
            )
        if y == REKEYED_OFFICE[1]:
            again = self._bene_strings(body.filter(pl.col("cos") == CIDX[REKEYED_OFFICE[0]]), REKEYED_TS)
            again = again.with_columns(
                pl.concat_str(
                    [pl.lit(f"SV{y}-R"), pl.int_range(1, again.height + 1).cast(pl.String).str.zfill(6)]
                ).alias("service_id")
            )
            write_frame(self.out / "beneficiaries" / REKEYED_FILE, again, [])
            self._register("beneficiaries", REKEYED_FILE, again.height)
            self.report.anomalies.append(
                f"{again.height:,} services of {REKEYED_OFFICE[0]} in {y} re-sent under new ids ({REKEYED_FILE})"
            )
        return body

    def _stale_versions(self, body: pl.DataFrame, plan: pl.DataFrame, corr: set[int], ext_day: int) -> pl.DataFrame:
        """Replace the planned values of corrected records by an earlier, different (valid) version."""
        rng = self.rng
        pos = [i for i, s in enumerate(plan["seq"].to_list()) if s in corr]
        if not pos:
            return body
        rows = body[pos].to_dicts()
        plan_rows = plan[pos].select("d", "y", "dob").to_dicts()
        for r, pr in zip(rows, plan_rows):
            choice = rng.random()
            if choice < 0.25:  # service date typo within the year
                d = pr["d"] + rng.choice((-9, -5, -3, 3, 5, 9))
                y = pr["y"]
                in_year = d2i(date(y, 1, 1)) <= d <= min(ext_day, d2i(date(y, 12, 31)))
                if in_year and (pr["dob"] == Persons.NO_DOB or d >= pr["dob"]):
                    r["service_date"] = iso(d)
                    continue
            if choice < 0.5:  # sex recorded as unknown at first
                r["sex"] = "U" if r["sex"] != "U" else "F"
            elif choice < 0.7 and r["project_code"] is not None:  # project attached later
                r["project_code"] = None
            elif choice < 0.85:  # country of service corrected
                r["country_of_service"] = "USA" if r["country_of_service"] != "USA" else "CAN"
            else:  # case category added later (or corrected)
                r["case_category"] = None if r["case_category"] else "other"
        repl = pl.DataFrame(rows, schema=body.schema).with_columns(pl.Series("_i", pos, dtype=pl.UInt32))
        out = body.with_row_index("_i")
        return out.filter(~pl.col("_i").is_in(pos)).vstack(repl.select(out.columns)).sort("_i").drop("_i")

    def _write_year(
        self, y: int, body: pl.DataFrame, ts: str, checks, corr: set[int], ext_day: int, stale: pl.DataFrame | None
    ) -> None:
        """Year y's delivery, converted and written part by part (bounded memory at large scales)."""
        parts = max(1, -(-body.height // BENEFICIARY_PART_ROWS))
        size = -(-body.height // parts)
        tie = None
        if parts > 1:  # a tie across files: same extracted_at; an earlier version in part 1, the planned one in part 2
            tie = self._bene_strings(body.slice(size, 1), ts)
            tie = tie.with_columns(pl.lit("U" if tie["sex"][0] != "U" else "F").alias("sex"))
        for i in range(parts):
            chunk = body.slice(i * size, size)
            frame = self._bene_strings(chunk, ts)
            if corr:
                frame = self._stale_versions(frame, chunk, corr, ext_day)
            if (
                i == 0 and stale is not None
            ):  # earlier versions of records later moved back a year (dated early January)
                frame = pl.concat([frame, stale]).sort("service_date", maintain_order=True)
            if i == 0 and tie is not None:
                frame = pl.concat([frame.slice(0, frame.height // 3), tie, frame.slice(frame.height // 3)])
            name = f"beneficiaries_{y}.csv" if parts == 1 else f"beneficiaries_{y}_part{i + 1:02d}.csv"
            self._write_bene_file(name, frame, ts, checks, bad_share=0.002, reorder=(y == 2006))
            del frame, chunk

    def _write_bene_file(
        self, name: str, df: pl.DataFrame, ts: str, checks, bad_share: float, reorder: bool = False
    ) -> None:
        rng = self.rng
        n_bad = 0 if bad_share == 0 else max(len(checks), int(bad_share * df.height + 0.5))
        inserts = []
        total = df.height + n_bad
        positions = sorted(rng.sample(range(total), n_bad)) if n_bad else []
        for pos in positions:
            check = checks[self._bene_check_i % len(checks)]
            variant = self._bene_check_i // len(checks)
            self._bene_check_i += 1
            inserts.append((pos, self._bad_beneficiary(check, variant, ts)))
            self._bad("beneficiaries", name, pos + 2, check)
        if reorder:  # column order is free: this delivery lists the service columns first
            order = [
                "service_id",
                "service_type",
                "service_date",
                "country_of_service",
                "destination_country",
                "case_category",
                "project_code",
                "beneficiary_id",
                "full_name",
                "document_no",
                "date_of_birth",
                "sex",
                "extracted_at",
            ]
            perm = [BENEFICIARY_COLUMNS.index(c) for c in order]
            df = df.select(order)
            inserts = [(p, [r[k] for k in perm] if len(r) == len(BENEFICIARY_COLUMNS) else r) for p, r in inserts]
        write_frame(self.out / "beneficiaries" / name, df, inserts)
        self._register("beneficiaries", name, total)

    def _bad_person(self) -> int:
        return self.planner.new_person("immigrant", 2009)

    def _bad_beneficiary(self, check: str, variant: int, ts: str) -> list:
        rng = self.rng
        ext = date.fromisoformat(ts[:10])
        y = ext.year - 1 if ext.month < 3 else ext.year
        y = min(max(y, 2005), 2010)
        a, ndays = day_range(y)
        sday = min(a + int(rng.random() * ndays), d2i(ext))
        p = self._bad_person()
        self._bad_seq = getattr(self, "_bad_seq", 0) + 1
        t = rng.choice((PC, MT, HA, RM, AV, LD))
        if check == "required_for_service_type":
            t = NEEDS_DESTINATION[variant % 3]
        dest = {RM: "USA", AV: "IRQ", LD: "CAN"}.get(t, rng.choice((None, "CAN", "GBR")))
        v = dict(
            service_id=f"SV{y}-9{self._bad_seq:07d}",
            beneficiary_id=py_bid(p, self.seed),
            full_name=py_name(p, self.seed),
            document_no=py_doc(p, self.seed),
            date_of_birth=iso(sday - rng.randint(20 * 365, 50 * 365)),
            sex=rng.choice((SEXES[F], SEXES[M])),
            service_type=SERVICE_TYPES[t],
            service_date=iso(sday),
            country_of_service=rng.choice(("PHL", "NPL", "THA", "KEN", "JOR", "DEU")),
            destination_country=dest,
            case_category=rng.choice(("family_reunification", "labour", "other", None)),
            project_code=None,
            extracted_at=ts,
        )
        if check == "field_count":
            row = [v[c] for c in BENEFICIARY_COLUMNS]
            if variant % 2 == 0:
                return row[:-1]  # extracted_at missing: one field too few
            return (
                row[:2] + [(v["full_name"] or "Kalo Mira").split(" ")[0], "Mirasu"] + row[3:]
            )  # unquoted comma in name
        if check == "required":
            v[("beneficiary_id", "sex", "service_date", "country_of_service")[variant % 4]] = None
        elif check == "project_code_format":
            v["project_code"] = ("PC-0412", "rs.1234", "MH.12345", "PC0412")[variant % 4]
        elif check == "iso3166_alpha3":
            if variant % 2 == 0:
                v["country_of_service"] = ("GER", "UK", "SWI", "RSA")[(variant // 2) % 4]
            else:
                v["service_type"], v["destination_country"] = (
                    SERVICE_TYPES[RM],
                    ("KOS", "US", "UKR1")[(variant // 2) % 3],
                )
        elif check == "accepted_values":
            col = ("sex", "service_type", "case_category")[variant % 3]
            v[col] = {"sex": "X", "service_type": "medical_check", "case_category": "refugee"}[col]
        elif check == "date_format":
            if variant % 2 == 0:
                v["service_date"] = (f"{y}-02-30", i2d(sday).strftime("%d/%m/%Y"))[(variant // 2) % 2]
            else:
                v["date_of_birth"] = "1978-13-02"
        elif check == "timestamp_format":
            v["extracted_at"] = ext.strftime("%d/%m/%Y") + " 06:00"
        elif check == "service_date_range":
            if variant % 2 == 0:
                v["service_date"] = iso(d2i(ext) + rng.randint(20, 400))  # after the extraction date
            else:
                v["service_date"], v["date_of_birth"] = "1909-05-04", None  # typo for 2009, before 1990
        elif check == "required_for_service_type":
            v["destination_country"] = None
        elif check == "not_after_service_date":
            v["date_of_birth"] = iso(sday + rng.randint(1, 400))
        return [v[c] for c in BENEFICIARY_COLUMNS]

    def _write_latin1(self) -> None:
        """A bad file: a mission upload saved as Latin-1 (not UTF-8), with accented names. None of it counts."""
        rng = self.rng
        name = "beneficiaries_2009_mission_upload.csv"
        ts = "2010-02-03T09:00:00Z"
        rows = []
        for i in range(max(5, self.sc(150))):
            p = self._bad_person()
            nm = f"{rng.choice(('José', 'Renée', 'Müller', 'Zoë', 'Ñuka'))} {py_name(p, self.seed) or 'Kalo Mira'}"
            day = rand_day(rng, 2009)
            rows.append(
                [
                    f"SV2009-8{i:07d}",
                    py_bid(p, self.seed),
                    nm,
                    py_doc(p, self.seed),
                    iso(day - rng.randint(7000, 18000)),
                    rng.choice(("F", "M")),
                    "resettlement_movement",
                    iso(day),
                    "NPL",
                    "USA",
                    "resettlement",
                    None,
                    ts,
                ]
            )
        write_rows(self.out / "beneficiaries" / name, BENEFICIARY_COLUMNS, rows, encoding="latin-1")
        self._register("beneficiaries", name, len(rows))
        self.report.bad_files.append(("beneficiaries", name))
