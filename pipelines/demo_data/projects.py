"""The projects register: the planned (winning) version of every project, with exact quotas."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from pipelines.demo_data.common import Weighted, add_months, d2i, i2d, iso, rand_day, split
from pipelines.demo_data.geography import ISO3, PROJECT_COUNTRIES
from pipelines.demo_data.names import TITLES
from pipelines.demo_data.targets import (
    ACTIVE_2007,
    ACTIVE_2009,
    AVRR_ACTIVE_2009,
    AVRR_OTHER,
    P05_BUDGET,
    START_COUNTS,
    TAG8_ACTIVE_2009,
    TAG8_OTHER,
    WINDOW,
    WINDOW_GROUPS,
)
from pipelines.demo_data.vocabulary import ACTIVITY_POINT, ACTIVITY_PREFIX, PROJECT_COLUMNS


@dataclass
class Project:
    idx: int
    code: str
    title: str
    country: str
    activity: str
    points: tuple[int, ...]
    primary: int
    start: int
    end: int | None
    budget: int  # whole USD
    group: str

    def active_in(self, y: int) -> bool:
        return self.start <= d2i(date(y, 12, 31)) and (self.end is None or self.end >= d2i(date(y, 1, 1)))

    def row(self, extracted_at: str, **override) -> list[str | None]:
        v = dict(
            project_code=self.code,
            title=self.title,
            country_iso3=self.country,
            activity_type=self.activity,
            strategy_points=";".join(str(x) for x in sorted(self.points)),
            primary_point=str(self.primary),
            start_date=iso(self.start),
            end_date=iso(self.end),
            budget_usd=f"{self.budget}.00",
            extracted_at=extracted_at,
        )
        v.update(override)
        return [v[c] for c in PROJECT_COLUMNS]


class CodeMaker:
    """Project codes `AA.9999`: a two-letter prefix per activity type and a shuffled serial number."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.pools: dict[str, list[int]] = {}
        self.prefix_n: dict[str, int] = {}

    def new(self, activity: str) -> str:
        base = ACTIVITY_PREFIX[activity]
        k = self.prefix_n.setdefault(base, 0)
        while True:
            prefix = base if k == 0 else base[0] + chr(ord("A") + (ord(base[1]) - ord("A") + 7 * k) % 26)
            pool = self.pools.get(prefix)
            if pool is None:
                pool = list(range(1, 10000))
                self.rng.shuffle(pool)
                self.pools[prefix] = pool
            if pool:
                return f"{prefix}.{pool.pop():04d}"
            k += 1
            self.prefix_n[base] = k


class ProjectPlanner:
    def __init__(self, rng: random.Random, scale: float):
        self.rng, self.scale = rng, scale
        self.codes = CodeMaker(rng)
        self.projects: list[Project] = []

    def sc(self, n: float) -> int:
        return int(n * self.scale + 0.5)

    def country(self, activity: str) -> str:
        if self.rng.random() < 0.08:
            return "GLB"
        pairs = PROJECT_COUNTRIES.get(activity)
        if pairs:
            return Weighted(pairs).draw(self.rng)
        return ISO3[int(self.rng.random() * 170)]

    def title(self, activity: str, country: str) -> str:
        t = self.rng.choice(TITLES[activity])
        where = "global" if country == "GLB" else country
        phase = self.rng.random()
        suffix = " - phase II" if phase < 0.12 else (" - phase III" if phase < 0.16 else "")
        return f"{t} ({where}){suffix}"

    def add(self, group: str, activity: str, start: int, end: int | None, points=None, primary=None) -> Project:
        rng = self.rng
        if primary is None:
            primary = ACTIVITY_POINT[activity] or rng.choice((2, 3, 4, 6, 7))
        if points is None:
            points = (primary,)
            if rng.random() < 0.25:  # fillers: a second point, never 5, 8 or 9 (those are planned exactly)
                other = rng.choice(tuple(x for x in (1, 2, 3, 4, 6, 7, 11, 12) if x != primary))
                points = (primary, other)
        country = self.country(activity)
        budget = int(rng.lognormvariate(13.4, 1.0))
        if activity in ("emergency", "resettlement", "migration_health"):
            budget *= 2
        budget = max(20_000, min(budget, 60_000_000)) // 100 * 100
        p = Project(
            idx=len(self.projects),
            code=self.codes.new(activity),
            title=self.title(activity, country),
            country=country,
            activity=activity,
            points=tuple(points),
            primary=primary,
            start=start,
            end=end,
            budget=budget,
            group=group,
        )
        self.projects.append(p)
        return p

    def lifetime(self, start: int, kind: str = "filler") -> int | None:
        r = self.rng.random()
        if kind == "emergency":
            return add_months(start, 3 + 15 * self.rng.random())
        if kind == "filler" and r < 0.12 or kind == "long" and r < 0.05:
            return None
        months = Weighted(((12, 12), (24, 25), (36, 27), (48, 18), (72, 18))).draw(self.rng)
        return add_months(start, months * (0.75 + 0.5 * self.rng.random()))

    def plan(self) -> list[Project]:
        rng = self.rng
        starts = {y: self.sc(n) for y, n in START_COUNTS.items()}
        # window groups with exact counts per year
        spec = {
            "e9": ("emergency", lambda: (9,) if rng.random() < 0.75 else tuple(sorted((9, rng.choice((1, 3, 10)))))),
            "pc9": ("post_crisis", lambda: (9,) if rng.random() < 0.7 else tuple(sorted((9, rng.choice((3, 4, 12)))))),
            "ctp": ("ct_prevention", lambda: (11,) if rng.random() < 0.75 else tuple(sorted((11, rng.choice((2, 7)))))),
            "ctc": ("ct_capacity", lambda: (11,) if rng.random() < 0.75 else (3, 11)),
        }
        for group, (activity, pts) in spec.items():
            total, weights = WINDOW_GROUPS[group]
            for y, n in zip(WINDOW, split(self.sc(total), weights)):
                for _ in range(n):
                    s = rand_day(rng, y)
                    end = self.lifetime(s, "emergency" if group == "e9" else "long")
                    self.add(group, activity, s, end, pts(), 9 if group in ("e9", "pc9") else 11)
        total, weights = WINDOW_GROUPS["p05"]
        n05 = self.sc(total)
        n_irr = int(n05 * 30 / 37 + 0.5)
        others = ("migration_law", "research_data", "capacity_building", "dialogue")
        k = 0
        for y, n in zip(WINDOW, split(n05, weights)):
            for _ in range(n):
                s = rand_day(rng, y)
                if k < n_irr:
                    pts = rng.choice(((5,), (5,), (5,), (5, 11), (2, 5)))
                    self.add("p05", "irregular_migration", s, self.lifetime(s, "long"), pts, 5)
                else:
                    act = others[k % len(others)]
                    self.add(
                        "p05",
                        act,
                        s,
                        self.lifetime(s, "long"),
                        tuple(sorted((ACTIVITY_POINT[act], 5))),
                        ACTIVITY_POINT[act],
                    )
                k += 1
        # point 8 (P08.projects_active 2009) and avrr programmes (P10.avrr_programmes_active 2009)
        for group, n_active, n_other in (
            ("tag8", self.sc(TAG8_ACTIVE_2009), self.sc(TAG8_OTHER)),
            ("avrr", self.sc(AVRR_ACTIVE_2009), self.sc(AVRR_OTHER)),
        ):
            for i in range(n_active + n_other):
                if group == "tag8":
                    r = rng.random()
                    if r < 0.6:
                        act, pts = "integration", (8,)
                    elif r < 0.75:
                        act, pts = "integration", (4, 8)
                    elif r < 0.9:
                        act, pts = "migration_development", (4, 8)
                    else:
                        act, pts = "labour_migration", (8, 12)
                else:
                    r = rng.random()
                    act, pts = "avrr", ((10,) if r < 0.7 else ((10, 11) if r < 0.85 else (4, 10)))
                primary = ACTIVITY_POINT[act]
                if i < n_active:  # covers 2009
                    y = Weighted(
                        ((2003, 5), (2004, 7), (2005, 10), (2006, 13), (2007, 17), (2008, 22), (2009, 26))
                    ).draw(rng)
                    s = rand_day(rng, y)
                    e = (
                        None
                        if rng.random() < 0.15
                        else rng.randint(max(s + 180, d2i(date(2009, 1, 1))), d2i(date(2012, 12, 31)))
                    )
                elif rng.random() < 0.25:  # starts in 2010
                    s = rand_day(rng, 2010)
                    e = None if rng.random() < 0.3 else add_months(s, 12 + 24 * rng.random())
                else:  # ended before 2009
                    s = rng.randint(d2i(date(1999, 1, 1)), d2i(date(2008, 6, 30)))
                    e = min(add_months(s, 6 + 42 * rng.random()), d2i(date(2008, 12, 31)))
                self.add(group, act, s, e, pts, primary)
        # fillers complete the yearly starts
        used = {y: 0 for y in starts}
        for p in self.projects:
            used[i2d(p.start).year] = used.get(i2d(p.start).year, 0) + 1
        window_types = Weighted(
            (
                ("pre_consular", 6),
                ("migrant_training", 6),
                ("migration_health", 8),
                ("resettlement", 8),
                ("migration_law", 5),
                ("capacity_building", 12),
                ("migration_development", 8),
                ("research_data", 5),
                ("dialogue", 4),
                ("ct_assistance", 5),
                ("labour_migration", 7),
                ("other", 4),
            )
        )
        all_types = Weighted(
            tuple(zip(window_types.items, (6, 6, 8, 8, 5, 12, 8, 5, 4, 5, 7, 4)))
            + (
                ("irregular_migration", 5),
                ("emergency", 10),
                ("post_crisis", 10),
                ("ct_prevention", 4),
                ("ct_capacity", 5),
            )
        )
        for y in sorted(starts):
            for _ in range(max(0, starts[y] - used.get(y, 0))):
                act = (window_types if y in WINDOW else all_types).draw(rng)
                s = rand_day(rng, y)
                self.add("filler", act, s, self.lifetime(s, "emergency" if act == "emergency" else "filler"))
        self._fix_active()
        # P05 budgets sum exactly to the published value (whole hundreds of dollars)
        p05 = [p for p in self.projects if p.group == "p05"]
        if p05:
            target = self.sc(P05_BUDGET / 100) * 100
            raw = [p.budget for p in p05]
            parts = split(target // 100, raw)
            for p, b in zip(p05, parts):
                p.budget = b * 100
        return self.projects

    def _fix_active(self) -> None:
        """Adjust filler end dates until ORG.projects_active 2007 and 2009 hit their planned values."""
        rng = self.rng
        y06, y07, y08, y09, y10 = (d2i(date(y, 1, 1)) for y in (2006, 2007, 2008, 2009, 2010))
        fillers = [p for p in self.projects if p.group == "filler"]
        order = list(range(len(fillers)))
        rng.shuffle(order)
        fillers = [fillers[i] for i in order]

        def count(y):
            return sum(1 for p in self.projects if p.active_in(y))

        def ends_in(p, a, b):  # end year within [a, b)
            return p.end is not None and a <= p.end < b

        target07, target09 = self.sc(ACTIVE_2007), self.sc(ACTIVE_2009)
        diff = target07 - count(2007)
        for p in fillers:
            if diff > 0 and p.start < y07 and p.end is not None and p.end < y07 and p.end >= y06 - 365:
                p.end = rng.randint(y07, y09 - 1)  # now active in 2007 (and maybe 2008), not in 2009
                diff -= 1
            elif diff < 0 and p.start < y07 and ends_in(p, y07, y09):
                p.end = rng.randint(max(p.start, y06), y07 - 1)
                diff += 1
            if diff == 0:
                break
        diff = target09 - count(2009)
        for p in fillers:
            if diff > 0 and p.start < y09 and ends_in(p, y08, y09):
                p.end = rng.randint(y09, y10 + 364)
                diff -= 1
            elif diff < 0 and p.start < y09 and ends_in(p, y09, y10 + 3650) and p.start < y08 + 300:
                p.end = rng.randint(max(p.start, y08), y09 - 1)
                diff += 1
            if diff == 0:
                break
