"""Beneficiaries: persons and the planned (winning) version of every service record, year by year."""

from __future__ import annotations

import random
from array import array
from datetime import date

import polars as pl

from pipelines.demo_data.common import Weighted, d2i, day_range
from pipelines.demo_data.geography import (
    AV_HOSTS,
    AV_MAIN_ORIGINS,
    AV_NOT_ORIGIN,
    CIDX,
    DP_COS,
    HA_COS,
    HA_DEST,
    ISO3,
    LDC_COS,
    LDO_ROUTES,
    MT_COS,
    PC_COS,
    PC_DEST,
    RESETTLEMENT_DEST,
    RM_COS,
    TA_COS,
)
from pipelines.demo_data.projects import Project
from pipelines.demo_data.targets import (
    AV_DESTINATIONS_WINDOW,
    CONTINUE,
    HA_COUNTRIES_2009,
    HA_RECORDS,
    MT_RESETTLEMENT_SHARE,
    MT_WOMEN_SHARE,
    PERSONS,
    RECORDS_PER_PERSON,
    UNION_TARGET,
    WINDOW,
    YEARS,
)
from pipelines.demo_data.vocabulary import (
    AV,
    DP,
    FAM,
    HA,
    HUM,
    LAB,
    LD,
    MT,
    NO_CAT,
    OT,
    OTH,
    PC,
    RES,
    RM,
    SERVICE_ACTIVITY,
    SERVICE_TYPES,
    TA,
    F,
    M,
    U,
)


class Persons:
    """Person attributes by person number: sex, date of birth (day number, or NO_DOB) and case category."""

    NO_DOB = -(10**7)

    def __init__(self):
        self.sex = bytearray()
        self.dob = array("i")
        self.cat = bytearray()

    def __len__(self) -> int:
        return len(self.sex)

    def add(self, sex: int, dob: int, cat: int) -> int:
        self.sex.append(sex)
        self.dob.append(dob)
        self.cat.append(cat)
        return len(self.sex) - 1


# profiles: (sex weights F/M/U, age groups (child, adult, senior) weights, categories, missing dob share)
PROFILES = {
    "refugee": ((49, 50, 1), (32, 60, 8), ((RES, 90), (FAM, 8), (HUM, 2)), 0.03),
    "immigrant": ((52, 47, 1), (20, 72, 8), ((FAM, 40), (LAB, 30), (OTH, 25), (HUM, 5)), 0.03),
    "applicant": ((52, 47, 1), (18, 76, 6), ((FAM, 35), (LAB, 35), (OTH, 30)), 0.02),
    "trainee": ((46, 52, 2), (25, 68, 7), ((RES, 75), (FAM, 8), (LAB, 12), (OTH, 5)), 0.02),
    "returnee": ((30, 68, 2), (12, 85, 3), ((OTH, 70), (HUM, 30)), 0.04),
    "victim": ((76, 21, 3), (22, 78, 0), ((HUM, 85), (OTH, 15)), 0.05),
    "official": ((40, 60, 0), (0, 100, 0), ((NO_CAT, 1),), 0.10),
    "worker": ((20, 80, 0), (0, 100, 0), ((LAB, 1),), 0.0),
}


class BeneficiaryPlanner:
    """Plans the winning version of every service record, year by year, with exact quotas."""

    def __init__(self, rng: random.Random, scale: float, projects: list[Project]):
        self.rng, self.scale = rng, scale
        self.persons = Persons()
        self.prev: dict[str, list[int]] = {}
        self.union_flags: dict[str, bytearray] = {k: bytearray() for k in UNION_TARGET}
        self.union_flags["MT"] = bytearray()
        self.union_n: dict[str, int] = {k: 0 for k in self.union_flags}
        self.mt_union_f = 0
        self.mt_union_res = 0
        self.profiles = {
            k: (Weighted(tuple(zip((F, M, U), v[0]))), Weighted(tuple(zip((0, 1, 2), v[1]))), Weighted(v[2]), v[3])
            for k, v in PROFILES.items()
        }
        self.k_dist = {t: Weighted(v) for t, v in RECORDS_PER_PERSON.items()}
        # project candidates per (service type, year): projects of the delivering activity active that year
        self.proj_cands: dict[tuple[int, int], list[int]] = {}
        for t in range(len(SERVICE_TYPES)):
            for y in YEARS:
                c = [p.idx for p in projects if p.activity == SERVICE_ACTIVITY[t] and p.active_in(y)]
                self.proj_cands[(t, y)] = c
        self.dist = {
            "PC_COS": Weighted(PC_COS),
            "PC_DEST": Weighted(PC_DEST),
            "MT_COS": Weighted(MT_COS),
            "RS_DEST": Weighted(RESETTLEMENT_DEST),
            "RM_COS": Weighted(RM_COS),
            "HA_DEST": Weighted(HA_DEST),
            "AV_HOSTS": Weighted(AV_HOSTS),
            "TA_COS": Weighted(TA_COS),
            "DP_COS": Weighted(DP_COS),
            "LDC_COS": Weighted(LDC_COS),
            "LDO": Weighted(LDO_ROUTES),
            "OT_COS": Weighted(tuple((c, 1) for c in ISO3[:170])),
        }
        ha = list(HA_COS)
        self.ha_lists = {
            2005: ha[:40],
            2006: ha[:40],
            2007: ha[:48],
            2008: ha[:48],
            2009: ha[:HA_COUNTRIES_2009],
            2010: ha,
        }
        origins = list(AV_MAIN_ORIGINS) + [c for c in ISO3 if c not in AV_MAIN_ORIGINS and c not in AV_NOT_ORIGIN]
        self.av_window_dest = origins[:AV_DESTINATIONS_WINDOW]
        self.av_all_dest = origins
        w = lambda i: 40.0 / (1 + i) + 0.3  # noqa: E731 - steeply decreasing weights
        self.av_dest_window_w = Weighted(tuple((c, w(i)) for i, c in enumerate(self.av_window_dest)))
        self.av_dest_all_w = Weighted(tuple((c, w(i)) for i, c in enumerate(self.av_all_dest)))
        self._anchors: dict[int, tuple[int, int]] = {}
        self._reset_records()

    def sc(self, n: float) -> int:
        return int(n * self.scale + 0.5)

    # --- persons -------------------------------------------------------------------------------------
    def new_person(self, profile: str, y: int, sex: int | None = None, cat: int | None = None) -> int:
        rng = self.rng
        sex_w, age_w, cat_w, no_dob = self.profiles[profile]
        if sex is None:
            sex = sex_w.draw(rng)
        if cat is None:
            cat = cat_w.draw(rng)
        if rng.random() < no_dob:
            dob = Persons.NO_DOB
        else:
            group = age_w.draw(rng)
            if profile == "official":
                age = 25 + 35 * rng.random()
            elif profile == "worker":
                age = 20 + 28 * rng.random()
            else:
                age = (1 + 16.5 * rng.random(), 18 + 41.5 * rng.random(), 60 + 25 * rng.random())[group]
            # born at the latest mid-way through the year before the person's first service
            mid, latest = self._dob_anchor(y)
            dob = min(mid - int(age * 365.25), latest)
        return self.persons.add(sex, dob, cat)

    def _dob_anchor(self, y: int) -> tuple[int, int]:
        a = self._anchors.get(y)
        if a is None:
            a = self._anchors[y] = (d2i(date(y, 7, 1)), d2i(date(y - 1, 6, 30)))
        return a

    def _union_add(self, key: str, plist: list[int]) -> None:
        flags = self.union_flags[key]
        need = len(self.persons) - len(flags)
        if need > 0:
            flags.extend(bytes(need))
        n = 0
        for p in plist:
            if not flags[p]:
                flags[p] = 1
                n += 1
                if key == "MT":
                    self.mt_union_f += self.persons.sex[p] == F
                    self.mt_union_res += self.persons.cat[p] == RES
        self.union_n[key] += n

    def _in_union(self, key: str, p: int) -> bool:
        flags = self.union_flags[key]
        return p < len(flags) and flags[p] == 1

    def year_list(self, key: str, y: int, profile: str, reuse: list[int] = ()) -> list[int]:
        """Distinct persons served in year y: continuing persons, reused persons, new persons."""
        rng = self.rng
        prev = self.prev.get(key, [])
        is_union = key in UNION_TARGET and y in WINDOW
        if key in UNION_TARGET and y == WINDOW[-1]:
            n_target = None
        else:
            n_target = self.sc(PERSONS[key][y])
        n_cont = int(CONTINUE[key] * len(prev) + 0.5)
        if n_target is not None:
            n_cont = min(n_cont, n_target)
        cont = rng.sample(prev, n_cont) if n_cont else []
        seen = set(cont)
        picks = list(cont)
        for p in reuse:
            if n_target is not None and len(picks) >= n_target:
                break
            if p not in seen:
                seen.add(p)
                picks.append(p)
        if n_target is None:  # last window year of a union-controlled stream
            self._union_add(key, picks)
            n_new = max(0, self.sc(UNION_TARGET[key]) - self.union_n[key])
        else:
            n_new = n_target - len(picks)
        if key == "MT" and y in WINDOW:
            self._union_add("MT", picks)
            after = self.union_n["MT"] + n_new
            f_need = min(n_new, max(0, int(MT_WOMEN_SHARE * after + 0.5) - self.mt_union_f))
            r_need = min(n_new, max(0, int(MT_RESETTLEMENT_SHARE * after + 0.5) - self.mt_union_res))
            sexes = [F] * f_need + [U if i % 40 == 0 else M for i in range(n_new - f_need)]
            cats = [RES] * r_need + [(FAM, LAB, OTH, LAB, FAM)[i % 5] for i in range(n_new - r_need)]
            rng.shuffle(sexes)
            rng.shuffle(cats)
            new = [self.new_person(profile, y, sexes[i], cats[i]) for i in range(n_new)]
            self._union_add("MT", new)
        else:
            new = [self.new_person(profile, y) for _ in range(n_new)]
            if is_union:
                self._union_add(key, picks if n_target is not None else [])
                self._union_add(key, new)
        out = picks + new
        self.prev[key] = out
        return out

    # --- records -------------------------------------------------------------------------------------
    def _reset_records(self) -> None:
        self.r_p = array("i")
        self.r_t = array("b")
        self.r_d = array("i")
        self.r_cos = array("h")
        self.r_dest = array("h")
        self.r_cat = array("h")
        self.r_proj = array("i")
        self.r_sex = array("b")
        self.r_dob = array("i")

    def project_for(self, t: int, y: int) -> int:
        c = self.proj_cands[(t, y)]
        if not c or self.rng.random() < 0.08:
            return -1
        return c[int(self.rng.random() * len(c))]

    def emit(
        self,
        t: int,
        y: int,
        plist: list[int],
        cos_fn,
        dest_fn,
        k_fixed: int | None = None,
        cat_missing: float = 0.0,
        season: bool = False,
        max_records: int | None = None,
    ) -> int:
        """Append the records of persons `plist` for type t in year y. Returns the number of records."""
        rng = self.rng
        first, ndays = day_range(y, season)
        kd = self.k_dist[t]
        sexes, dobs, cats = self.persons.sex, self.persons.dob, self.persons.cat
        r_p, r_t, r_d, r_cos, r_dest, r_cat, r_proj, r_sex, r_dob = (
            self.r_p,
            self.r_t,
            self.r_d,
            self.r_cos,
            self.r_dest,
            self.r_cat,
            self.r_proj,
            self.r_sex,
            self.r_dob,
        )
        total = 0
        for i, p in enumerate(plist):
            k = k_fixed or kd.draw(rng)
            if max_records is not None:
                k = min(k, max_records - total)
                if k <= 0:
                    break
            cos = cos_fn(i)
            dest = dest_fn(i, cos)
            proj = self.project_for(t, y)
            c = cats[p]
            cat = -1 if c == NO_CAT or (cat_missing and rng.random() < cat_missing) else c
            sx, db = sexes[p], dobs[p]
            for _ in range(k):
                r_p.append(p)
                r_t.append(t)
                r_d.append(first + int(rng.random() * ndays))
                r_cos.append(cos)
                r_dest.append(dest)
                r_cat.append(cat)
                r_proj.append(proj)
                r_sex.append(sx)
                r_dob.append(db)
            total += k
        return total

    def plan_year(self, y: int) -> pl.DataFrame:
        """All planned (winning) service records of year y, sorted by service date, with a sequence."""
        rng, d = self.rng, self.dist
        self._reset_records()
        ci = CIDX

        def w_cos(name):
            dist = d[name]
            return lambda i: ci[dist.draw(rng)]

        def w_dest(name, missing=0.0):
            dist = d[name]

            def f(i, cos):
                if missing and rng.random() < missing:
                    return -1
                x = ci[dist.draw(rng)]
                return x if x != cos else ci["USA"] if cos != ci["USA"] else ci["CAN"]

            return f

        none = lambda i, cos: -1  # noqa: E731

        # migrant training (women / resettlement shares planned over the window)
        mt = self.year_list("MT", y, "trainee")
        self.emit(MT, y, mt, w_cos("MT_COS"), w_dest("RS_DEST", 0.1))
        # resettlement movements: many trainees of resettlement category travel the same year
        res_trainees = [p for p in mt if self.persons.cat[p] == RES]
        reuse = rng.sample(res_trainees, int(0.55 * len(res_trainees)))
        rm = self.year_list("RM", y, "refugee", reuse)
        self.emit(RM, y, rm, w_cos("RM_COS"), w_dest("RS_DEST"))
        # pre-consular applicants
        pc = self.year_list("PC", y, "applicant")
        self.emit(PC, y, pc, w_cos("PC_COS"), w_dest("PC_DEST", 0.25), cat_missing=0.05)
        # health assessments: record count planned exactly; countries of service planned for 2009
        target = self.sc(HA_RECORDS[y])
        prev = self.prev.get("HA", [])
        cand = (
            rng.sample(prev, int(CONTINUE["HA"] * len(prev)))
            + rng.sample(rm, int(0.35 * len(rm)))
            + rng.sample(pc, int(0.2 * len(pc)))
        )
        seen, ha = set(), []
        for p in cand:
            if p not in seen:
                seen.add(p)
                ha.append(p)
        rng.shuffle(ha)
        # expected 1.24 records per person: keep enough reused persons, then new ones as needed
        ha = ha[: max(1, int(target / 1.24 * 0.6))]
        countries = [ci[c] for c in self.ha_lists[y]]

        def ha_cos(i):
            return countries[i] if i < len(countries) else countries[int(len(countries) * rng.random() ** 1.7)]

        n = self.emit(HA, y, ha, ha_cos, w_dest("HA_DEST", 0.1), cat_missing=0.05, max_records=target)
        plist = list(ha)
        while n < target:
            extra = [self.new_person("immigrant", y) for _ in range(max(1, int((target - n) / 1.24)))]
            n += self.emit_offset(HA, y, extra, len(plist), ha_cos, w_dest("HA_DEST", 0.1), target - n)
            plist.extend(extra)
        self.prev["HA"] = plist
        # trafficking assistance, then returns (some assisted victims return home)
        ta = self.year_list("TA", y, "victim")
        self.emit(TA, y, ta, w_cos("TA_COS"), w_dest("TA_COS", 0.8), cat_missing=0.05)
        av = self.year_list("AV", y, "returnee", rng.sample(ta, int(0.25 * len(ta))))
        window = y in WINDOW
        av_dest = [ci[c] for c in self.av_window_dest]
        dest_w = self.av_dest_window_w if window else self.av_dest_all_w

        def av_destination(i, cos):
            x = av_dest[i] if (window and i < len(av_dest)) else ci[dest_w.draw(rng)]
            while x == cos:
                x = ci[dest_w.draw(rng)]
            return x

        def av_host(i):
            h = ci[d["AV_HOSTS"].draw(rng)]
            while window and i < len(av_dest) and h == av_dest[i]:
                h = ci[d["AV_HOSTS"].draw(rng)]
            return h

        self.emit(AV, y, av, av_host, av_destination, cat_missing=0.1)
        # officials trained, dialogue participants
        ot = self.year_list("OT", y, "official")
        self.emit(OT, y, ot, w_cos("OT_COS"), none)
        dp = self.year_list("DP", y, "official", rng.sample(ot, int(0.1 * len(ot))))
        self.emit(DP, y, dp, w_cos("DP_COS"), none)
        # labour deployments: to Canada (planned union over the window) and elsewhere
        ldc = self.year_list("LDC", y, "worker")
        can = ci["CAN"]
        self.emit(LD, y, ldc, w_cos("LDC_COS"), lambda i, cos: can, season=True)
        ldo = self.year_list("LDO", y, "worker")
        routes = [d["LDO"].draw(rng) for _ in ldo]
        self.emit(LD, y, ldo, lambda i: ci[routes[i][0]], lambda i, cos: ci[routes[i][1]], season=True)

        df = pl.DataFrame(
            {
                "p": pl.Series(self.r_p, dtype=pl.Int64),
                "t": pl.Series(self.r_t, dtype=pl.Int8),
                "d": pl.Series(self.r_d, dtype=pl.Int32),
                "cos": pl.Series(self.r_cos, dtype=pl.Int16),
                "dest": pl.Series(self.r_dest, dtype=pl.Int16),
                "cat": pl.Series(self.r_cat, dtype=pl.Int16),
                "proj": pl.Series(self.r_proj, dtype=pl.Int32),
                "sex": pl.Series(self.r_sex, dtype=pl.Int8),
                "dob": pl.Series(self.r_dob, dtype=pl.Int32),
            }
        )
        self._reset_records()
        df = df.sort("d", maintain_order=True).with_row_index("seq", offset=1)
        return df.with_columns(pl.lit(y, dtype=pl.Int32).alias("y"), pl.col("seq").cast(pl.Int64))

    def emit_offset(self, t, y, plist, offset, cos_fn, dest_fn, max_records):
        return self.emit(t, y, plist, lambda i: cos_fn(i + offset), dest_fn, cat_missing=0.05, max_records=max_records)
