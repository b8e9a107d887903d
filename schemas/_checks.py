"""Building blocks shared by the three extract schemas.

Every extract is read as text (no type inference: a bad value must be reported, not coerced), so each
rule is a polars expression over string columns. A check passes on a missing value: whether a value is
required is the separate `required` check (pandera's nullable flag), so a row fails each rule once and for
one reason. The parse helpers are also what turns valid text into typed columns, so validation and
typing can never disagree.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "dbt_project" / "seeds"

PROJECT_CODE_RE = r"^[A-Z]{2}\.\d{4}$"
DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
DECIMAL_RE = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
INTEGER_RE = r"^[+-]?\d+$"
# ISO 8601 date-time: date, optional time (T or space), optional fraction, optional Z / offset.
TIMESTAMP_RE = (
    r"^(\d{4}-\d{2}-\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?$"
)


@lru_cache(maxsize=1)
def iso3_codes() -> tuple[str, ...]:
    """ISO 3166-1 alpha-3 codes, from the dbt seed (one list for validation and for the warehouse)."""
    with open(SEEDS / "iso3166_alpha3.csv", newline="", encoding="utf-8") as f:
        return tuple(sorted(row["iso3"] for row in csv.DictReader(f)))


@cache
def seed_rows(name: str) -> tuple[dict[str, str], ...]:
    """The rows of the dbt seed `dbt_project/seeds/<name>.csv` as text: the code lists and the measures have
    one source, read by ingest, the demo generator and the publication code alike (and by dbt). A seed with
    a `position` column is in that order, which must be 1..n (the dbt macros turn the value at position i
    into the integer code i); any other seed is in file order."""
    with open(SEEDS / f"{name}.csv", newline="", encoding="utf-8") as f:
        rows = tuple(csv.DictReader(f))
    if rows and "position" in rows[0]:
        rows = tuple(sorted(rows, key=lambda r: int(r["position"])))
        if [int(r["position"]) for r in rows] != list(range(1, len(rows) + 1)):
            raise ValueError(f"dbt_project/seeds/{name}.csv: the positions must be 1..{len(rows)}, each once")
    return rows


def seed_values(name: str, column: str) -> tuple[str, ...]:
    """One column of a seed, in its order (seed_rows): a code list."""
    return tuple(r[column] for r in seed_rows(name))


def parse_date(e: pl.Expr) -> pl.Expr:
    """`YYYY-MM-DD` that is a real calendar date, else null."""
    return pl.when(e.str.contains(DATE_RE)).then(e.str.strptime(pl.Date, "%Y-%m-%d", strict=False))


# Amounts (budget_usd, expenditure_usd) are exact decimals in the lake and the warehouse: DECIMAL(28, 6),
# i.e. up to 22 integer digits (below 10^22 USD) and 6 decimal places. 28 digits leave room for exact sums
# of up to 10^10 rows within DECIMAL(38, 6), the widest type of DuckDB and Spark. A value written with
# more decimal places (zeros aside) or too large does not fit exactly and is rejected (`decimal_precision`)
# rather than rounded: an amount is never altered silently.
MONEY_PRECISION, MONEY_SCALE = 28, 6
MONEY = pl.Decimal(MONEY_PRECISION, MONEY_SCALE)
_DECIMAL_PARTS_RE = r"^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$"


def _decimal_places(e: pl.Expr) -> pl.Expr:
    """The decimal places a decimal literal needs (trailing zeros aside; 0 for zero); null for an exponent
    beyond Int64 (a non-zero mantissa then never fits)."""
    g = e.str.extract_groups(_DECIMAL_PARTS_RE)
    whole, frac, exp_text = g.struct.field("1"), g.struct.field("2").fill_null(""), g.struct.field("3")
    exp = pl.when(exp_text.is_null()).then(0).otherwise(exp_text.cast(pl.Int64, strict=False))
    frac_digits = frac.str.strip_chars_end("0").str.len_chars().cast(pl.Int64)
    whole_zeros = (whole.str.len_chars() - whole.str.strip_chars_end("0").str.len_chars()).cast(pl.Int64)
    is_zero = (whole + frac).str.strip_chars("0") == ""
    places = pl.when(frac_digits > 0).then(frac_digits - exp).otherwise(-(exp + whole_zeros))
    return pl.when(is_zero).then(0).otherwise(places.clip(lower_bound=0))


def parse_decimal(e: pl.Expr) -> pl.Expr:
    """A decimal that fits the money type exactly, as DECIMAL(28, 6), else null. Never through a float:
    `0.1` is 0.1, and sums of amounts are exact."""
    fits = e.str.contains(DECIMAL_RE) & (_decimal_places(e) <= MONEY_SCALE)
    return pl.when(fits).then(e.cast(MONEY, strict=False))


def parse_integer(e: pl.Expr) -> pl.Expr:
    return pl.when(e.str.contains(INTEGER_RE)).then(e.cast(pl.Int64, strict=False))


def _on_distinct_values(fn: Callable[[pl.Expr], pl.Expr], dtype: pl.DataType) -> Callable[[pl.Expr], pl.Expr]:
    """`fn` (an element-wise parse) evaluated once per distinct value and mapped back: the same result,
    much cheaper for a column with few distinct values (a delivery has one or a few `extracted_at`)."""

    def apply(s: pl.Series) -> pl.Series:
        distinct = s.unique()
        if distinct.len() * 8 > s.len():  # mostly distinct: parsing everything directly is cheaper
            return s.to_frame("v").select(fn(pl.col("v")).cast(dtype)).to_series()
        parsed = distinct.to_frame("v").with_columns(fn(pl.col("v")).cast(dtype).alias("p"))
        return s.to_frame("v").join(parsed, on="v", how="left", maintain_order="left")["p"]

    return lambda e: e.map_batches(apply, return_dtype=dtype, is_elementwise=True)


def parse_timestamp(e: pl.Expr) -> pl.Expr:
    """ISO 8601 timestamp -> naive UTC datetime (µs), else null. A date alone means midnight UTC."""
    return _parse_timestamp_distinct(e)


def _parse_timestamp(e: pl.Expr) -> pl.Expr:
    g = e.str.extract_groups(TIMESTAMP_RE)
    day = g.struct.field("1").str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    hh = g.struct.field("2").cast(pl.Int64, strict=False).fill_null(0)
    mi = g.struct.field("3").cast(pl.Int64, strict=False).fill_null(0)
    ss = g.struct.field("4").cast(pl.Int64, strict=False).fill_null(0)
    frac = g.struct.field("5").fill_null("").str.pad_end(6, "0").str.slice(0, 6)
    us = pl.when(frac == "").then(0).otherwise(frac.cast(pl.Int64, strict=False))
    tz = g.struct.field("6")
    sign = pl.when(tz.str.starts_with("-")).then(-1).otherwise(1)
    tz_digits = tz.str.replace_all(r"[^0-9]", "")
    off_min = (
        tz_digits.str.slice(0, 2).cast(pl.Int64, strict=False).fill_null(0) * 60
        + tz_digits.str.slice(2, 2).cast(pl.Int64, strict=False).fill_null(0)
    ) * sign
    ok = day.is_not_null() & (hh < 24) & (mi < 60) & (ss < 60) & (off_min.abs() < 24 * 60)
    local = day.cast(pl.Datetime("us")) + pl.duration(hours=hh, minutes=mi, seconds=ss, microseconds=us)
    return pl.when(ok).then(local - pl.duration(minutes=off_min))


_parse_timestamp_distinct = _on_distinct_values(_parse_timestamp, pl.Datetime("us"))


def timestamp_local_date(e: pl.Expr) -> pl.Expr:
    """The calendar date written in an ISO timestamp (`the date of extracted_at`), as written."""
    return pl.when(parse_timestamp(e).is_not_null()).then(
        e.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    )


def parse_point_list(e: pl.Expr) -> pl.Expr:
    """`3;9` -> [3, 9] (list of Int64); null elements where an item is not an integer."""
    return e.str.split(";").list.eval(pl.element().str.strip_chars().cast(pl.Int64, strict=False))


def normalise_point_list(e: pl.Expr) -> pl.Expr:
    """`9; 3` -> `3;9`: a valid point list as the lake stores it (sorted, no spaces, ';'-joined)."""
    return parse_point_list(e).list.sort().cast(pl.List(pl.String)).list.join(";")


# --- the check vocabulary (check_name values in audit.rejected_rows) ------------------------------------


@dataclass(frozen=True)
class Rule:
    """One named rule on one column: `passes(col)` is a polars expression, true where the value is fine."""

    name: str
    passes: Callable[[str], pl.Expr]
    # False: a missing value passes (whether a value is required is the `required` check).
    # True: the rule is about missingness itself (e.g. required for some service types).
    judges_missing: bool = False


def matches(name: str, pattern: str) -> Rule:
    return Rule(name, lambda c: pl.col(c).str.contains(pattern))


def one_of(values: tuple[str, ...] | Callable[[], tuple[str, ...]], name: str = "accepted_values") -> Rule:
    def passes(c: str) -> pl.Expr:
        vals = values() if callable(values) else values
        return pl.col(c).is_in(list(vals))

    return Rule(name, passes)


def iso3(extra: tuple[str, ...] = ()) -> Rule:
    return Rule("iso3166_alpha3", lambda c: pl.col(c).is_in(list(iso3_codes()) + list(extra)))


DATE = Rule("date_format", lambda c: parse_date(pl.col(c)).is_not_null())
DECIMAL = Rule("decimal_format", lambda c: pl.col(c).str.contains(DECIMAL_RE))
# A well-formed decimal that DECIMAL(28, 6) cannot hold exactly (a malformed one is `decimal_format` only).
DECIMAL_FITS = Rule(
    "decimal_precision", lambda c: ~pl.col(c).str.contains(DECIMAL_RE) | parse_decimal(pl.col(c)).is_not_null()
)
INTEGER = Rule("integer_format", lambda c: parse_integer(pl.col(c)).is_not_null())
TIMESTAMP = Rule("timestamp_format", lambda c: parse_timestamp(pl.col(c)).is_not_null())


# --- the lake: what a valid row is stored as ------------------------------------------------------------


@dataclass(frozen=True)
class Lake:
    """One column of the lake made from a contract column: its name and polars type in the lake, and the
    parse from the valid, trimmed text (`parse(pl.col(<contract column>))`; None: the text as it is). The
    parse may read other contract columns (the age band reads service_date). `after`: the lake column it
    follows, when not its contract column's place. `pseudonymised`: stored as the keyed HMAC of the value
    (pipelines/pseudonymise.py), never the value."""

    name: str
    dtype: pl.DataType = pl.String
    parse: Callable[[pl.Expr], pl.Expr] | None = None
    after: str | None = None
    pseudonymised: bool = False


# Every lake row also carries its delivery (the manifest's cache_key) and its record number in the file.
LAKE_ROW_COLUMNS: dict[str, pl.DataType] = {"cache_key": pl.String, "row_number": pl.Int64}

# polars type in the lake -> the SQL type dbt reads (the generated columns of the dbt lake sources)
_SQL_TYPES: tuple[tuple[pl.DataType, str], ...] = (
    (pl.String, "varchar"),
    (pl.Int64, "bigint"),
    (pl.Int32, "integer"),
    (pl.Date, "date"),
    (pl.Datetime("us"), "timestamp"),
    (MONEY, f"decimal({MONEY_PRECISION}, {MONEY_SCALE})"),
)


def sql_type(dtype: pl.DataType) -> str:
    """The SQL name of a lake column's polars type (ValueError for a type the lake does not use)."""
    for t, name in _SQL_TYPES:
        if dtype == t:
            return name
    raise ValueError(f"no SQL type for the lake type {dtype}")


_AS_TEXT = object()  # Col's default: stored under its own name, as text


@dataclass(frozen=True)
class Col:
    """A contract column (one row of a kind's column table): required or not, personal data or not, its
    rules in order, and what the lake stores of it (`lake`: one Lake, several, or None for nothing;
    default: the text under the same name)."""

    name: str
    required: bool
    rules: tuple[Rule, ...] = ()
    personal: bool = False
    lake: Lake | tuple[Lake, ...] | None = field(default=_AS_TEXT)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        lake = self.lake
        if lake is _AS_TEXT:
            lake = (Lake(self.name),)
        elif lake is None:
            lake = ()
        elif isinstance(lake, Lake):
            lake = (lake,)
        object.__setattr__(self, "lake", tuple(lake))


@dataclass(frozen=True)
class ExtractContract:
    kind: str
    columns: tuple[Col, ...]
    key: tuple[str, ...]
    schema: pa.DataFrameSchema = field(repr=False, compare=False, default=None)  # type: ignore[assignment]

    @property
    def lake_columns(self) -> list[tuple[str, Lake]]:
        """(contract column, Lake) of each stored column, in lake order: contract order, each Lake after
        its own column or after the lake column named by its `after`."""
        out: list[tuple[str, Lake]] = []
        placed_after = [(c.name, lk) for c in self.columns for lk in c.lake if lk.after is not None]
        for c in self.columns:
            for lk in c.lake:
                if lk.after is not None:
                    continue
                out.append((c.name, lk))
                out.extend((src, x) for src, x in placed_after if x.after == lk.name)
        if len(out) != sum(len(c.lake) for c in self.columns):
            raise ValueError(f"{self.kind}: a Lake's `after` names no lake column")
        return out

    @property
    def lake_schema(self) -> dict[str, pl.DataType]:
        """The typed columns of a valid row in the lake, in order (what dbt's lake sources read)."""
        return {**LAKE_ROW_COLUMNS, **{lk.name: lk.dtype for _, lk in self.lake_columns}}

    def lake_column(self, name: str) -> tuple[str, Lake]:
        """(contract column, Lake) of the lake column `name`."""
        return next((src, lk) for src, lk in self.lake_columns if lk.name == name)

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def personal_columns(self) -> set[str]:
        return {c.name for c in self.columns if c.personal}


def _as_check(rule: Rule, column: str) -> pa.Check:
    def fn(data: PolarsData) -> pl.LazyFrame:
        ok = rule.passes(data.key)
        if not rule.judges_missing:
            ok = pl.col(data.key).is_null() | ok
        # A rule that cannot be judged (it needs another column that is itself missing or bad) passes:
        # that other column's own failure is the reason recorded.
        return data.lazyframe.select(ok.fill_null(True).alias(data.key))

    return pa.Check(fn, name=rule.name)


def contract(kind: str, columns: tuple[Col, ...], key: tuple[str, ...]) -> ExtractContract:
    """The pandera schema factory: one DataFrameSchema per extract kind from its column table."""
    schema = pa.DataFrameSchema(
        {
            c.name: pa.Column(pl.String, nullable=not c.required, checks=[_as_check(r, c.name) for r in c.rules])
            for c in columns
        },
        name=kind,
        strict=False,
        coerce=False,
    )
    return ExtractContract(kind=kind, columns=columns, key=key, schema=schema)


# pandera names its null check "not_nullable"; the contract's vocabulary calls it "required".
PANDERA_CHECK_NAMES = {"not_nullable": "required"}
