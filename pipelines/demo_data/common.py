"""Small deterministic helpers: day numbers, money text, weighted draws, integer splits."""

from __future__ import annotations

import bisect
import random
from datetime import date

from pipelines.demo_data.targets import CUTOFF

EPOCH = date(1970, 1, 1).toordinal()


def d2i(d: date) -> int:
    return d.toordinal() - EPOCH


def i2d(i: int) -> date:
    return date.fromordinal(i + EPOCH)


def iso(i: int | None) -> str | None:
    return None if i is None else i2d(i).isoformat()


def money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    c = abs(cents)
    return f"{sign}{c // 100}.{c % 100:02d}"


class Weighted:
    """Weighted draw of items with a cumulative table (bisect): fast and deterministic."""

    def __init__(self, pairs):
        self.items = [p[0] for p in pairs]
        cum, acc = [], 0.0
        for _, w in pairs:
            acc += w
            cum.append(acc)
        self.cum, self.total = cum, acc

    def draw(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def split(total: int, weights) -> list[int]:
    """Split an integer total in proportion to weights (largest remainder, ties to the first)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def day_range(y: int, season: bool = False) -> tuple[int, int]:
    """First day and number of days of year y within the data (2010 ends at the cut-off)."""
    first = date(y, 2, 1) if season else date(y, 1, 1)
    last = min(date(y, 10, 31) if season else date(y, 12, 31), CUTOFF)
    return d2i(first), (last - first).days + 1


def rand_day(rng: random.Random, y: int) -> int:
    a, n = day_range(y)
    return a + int(rng.random() * n)


def add_months(d: int, months: float) -> int:
    return d + int(months * 30.44)
