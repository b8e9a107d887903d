-- Reconciliation of the figures published in the review (seed published_figures)
-- with the warehouse's computed indicators. One row per published figure.
--
-- Where the computed value comes from:
--   dimension set                      -> fct_indicator_breakdown (same period text, dimension, dimension_value)
--   period 'YYYY', no dimension        -> fct_indicator_values (year)
--   period 'YYYY-YYYY', no dimension   -> fct_indicator_window (window_start, window_end)
-- No match (or any other period form) -> computed_value NULL, holds false.
--
-- `holds` is judged by the qualifier (indicators.md); c = computed, p = published:
--   exact                              : c rounded to the nearest `rounding` (half away from zero) equals p
--   more_than                          : p < c <= 1.10 p
--   nearly                             : 0.95 p <= c < p
--   approximately, about, around, some : 0.95 p <= c <= 1.05 p
--   anything else                      : false
-- All comparisons are done in DECIMAL(38,6) with integer factors only (no division, no
-- floating point), so that a boundary value such as c = 1.10 p is judged exactly.

with figures as (

    select
        indicator_code,
        trim(period)                    as period,
        nullif(trim(dimension), '')       as dimension,
        nullif(trim(dimension_value), '') as dimension_value,
        published_value,
        qualifier,
        rounding,
        paragraph,
        wording
    from {{ ref('published_figures') }}

),

classified as (

    select
        *,
        case
            when dimension is not null                          then 'breakdown'
            when {{ regexp_full_match('period', '[0-9]{4}') }}          then 'year'
            when {{ regexp_full_match('period', '[0-9]{4}-[0-9]{4}') }} then 'window'
            else 'unrecognised'
        end as period_kind,
        try_cast(substr(period, 1, 4) as integer) as period_start,
        try_cast(substr(period, 6, 4) as integer) as period_end
    from figures

),

yearly as (

    select indicator_code, year, value
    from {{ ref('fct_indicator_values') }}

),

windowed as (

    select indicator_code, window_start, window_end, value
    from {{ ref('fct_indicator_window') }}

),

breakdown as (

    select indicator_code, period, dimension, dimension_value, value
    from {{ ref('fct_indicator_breakdown') }}

),

matched as (

    select
        f.indicator_code,
        f.period,
        f.dimension,
        f.dimension_value,
        f.published_value,
        f.qualifier,
        f.rounding,
        f.paragraph,
        f.wording,
        cast(
            case f.period_kind
                when 'year'      then y.value
                when 'window'    then w.value
                when 'breakdown' then b.value
            end as double
        ) as computed_value
    from classified as f
    left join yearly as y
        on  f.period_kind = 'year'
        and y.indicator_code = f.indicator_code
        and y.year = f.period_start
    left join windowed as w
        on  f.period_kind = 'window'
        and w.indicator_code = f.indicator_code
        and w.window_start = f.period_start
        and w.window_end = f.period_end
    left join breakdown as b
        on  f.period_kind = 'breakdown'
        and b.indicator_code = f.indicator_code
        and b.period = f.period
        and b.dimension = f.dimension
        and b.dimension_value = f.dimension_value

),

judged as (

    select
        *,
        cast(computed_value  as decimal(38, 6)) as c,
        cast(published_value as decimal(38, 6)) as p,
        cast(rounding        as decimal(38, 6)) as r
    from matched

)

select
    indicator_code,
    period,
    dimension,
    dimension_value,
    published_value,
    qualifier,
    rounding,
    paragraph,
    wording,
    computed_value,
    coalesce(
        case
            when c is null or p is null then false
            -- round(c / r) * r = p, half away from zero, without dividing:
            -- p must be a multiple of r, and c must lie in p's rounding interval
            -- [p - r/2, p + r/2) for c >= 0, (p - r/2, p + r/2] for c < 0 (times 2).
            when qualifier = 'exact' then
                r is not null and r > 0
                and p % r = 0
                and case
                        when c >= 0 then 2 * c >= 2 * p - r and 2 * c < 2 * p + r
                        else             2 * c > 2 * p - r and 2 * c <= 2 * p + r
                    end
            when qualifier = 'more_than' then
                c > p and 100 * c <= 110 * p
            when qualifier = 'nearly' then
                100 * c >= 95 * p and c < p
            when qualifier in ('approximately', 'about', 'around', 'some') then
                100 * c >= 95 * p and 100 * c <= 105 * p
            else false
        end,
        false
    ) as holds
from judged
