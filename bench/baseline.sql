-- The limit of the stack: one hand-written DuckDB script computing the core indicators (every indicator
-- of the catalogue, for every year of the spine and the 2007-2009 window) straight from the raw CSVs.
--
-- It does what the contract requires for the figures, and nothing more: the row checks of extracts.md
-- (a row failing any check counts nowhere), the file checks that matter for the figures (a file that
-- is not UTF-8 counts nowhere; a file without a required column fails `required` on every row), the
-- re-delivery rule (latest extracted_at, then the file name sorting last, then the later row), held
-- expenditures of unknown projects. It does NOT: pseudonymise, record rejects/audit rows, write
-- Parquet, break indicators down, reconcile, or publish atomically.
--
-- `${RAW}` and `${SEEDS}` are replaced by bench/run.py (the raw drop zone and dbt_project/seeds).
-- Result: table `indicator_values(indicator_code, period, value, numerator, denominator)`.

-- --- reference data ----------------------------------------------------------------------------------
create table iso3 as select iso3 from read_csv('${SEEDS}/iso3166_alpha3.csv', all_varchar = true);
create table catalogue as select * from read_csv('${SEEDS}/indicator_catalogue.csv', header = true, auto_detect = true);

create macro s(x) as nullif(trim(x), '');
create macro is_date(x) as x is null or (regexp_full_match(x, '\d{4}-\d{2}-\d{2}') and try_strptime(x, '%Y-%m-%d') is not null);
create macro as_date(x) as cast(try_strptime(x, '%Y-%m-%d') as date);
-- Amounts are exact: DECIMAL(28, 6), never a double (a float sum depends on the order of addition). A
-- well-formed decimal that needs more than 6 decimal places (trailing zeros aside) or does not fit 28
-- digits is no valid amount (check decimal_precision, schemas/_checks.py).
create macro decimal_parts(x) as regexp_extract(x, '^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$', ['i', 'f', 'e']);
create macro decimal_places(p) as
    case when ltrim(p.i || p.f, '0') = '' then 0
         when rtrim(p.f, '0') <> '' then length(rtrim(p.f, '0')) - coalesce(try_cast(nullif(p.e, '') as bigint), 0)
         else -(coalesce(try_cast(nullif(p.e, '') as bigint), 0) + length(p.i) - length(rtrim(p.i, '0'))) end;
create macro money(x) as
    case when regexp_full_match(x, '[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?') and decimal_places(decimal_parts(x)) <= 6
         then try_cast(x as decimal(28, 6)) end;
create macro is_decimal(x) as x is null or money(x) is not null;
create macro is_integer(x) as x is null or regexp_full_match(x, '[+-]?\d+');
create macro ts_re() as '^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$';
-- ISO 8601 -> naive UTC timestamp, NULL when not a valid timestamp. The common form (...T..:..:..Z)
-- takes a fast path; every other form the contract allows goes through the full pattern.
create macro tz_minutes(tz) as
    (case when starts_with(tz, '-') then -1 else 1 end)
    * (coalesce(try_cast(nullif(left(regexp_replace(tz, '[^0-9]', '', 'g'), 2), '') as int), 0) * 60
       + coalesce(try_cast(nullif(substr(regexp_replace(tz, '[^0-9]', '', 'g'), 3, 2), '') as int), 0));
create macro ts_from_parts(g) as
    case when try_strptime(struct_extract(g, 'd'), '%Y-%m-%d') is not null
          and coalesce(try_cast(nullif(struct_extract(g, 'hh'), '') as int), 0) < 24
          and coalesce(try_cast(nullif(struct_extract(g, 'mi'), '') as int), 0) < 60
          and coalesce(try_cast(nullif(struct_extract(g, 'ss'), '') as int), 0) < 60
          and abs(tz_minutes(struct_extract(g, 'tz'))) < 1440
    then cast(strptime(struct_extract(g, 'd'), '%Y-%m-%d') as timestamp)
         + to_hours(coalesce(try_cast(nullif(struct_extract(g, 'hh'), '') as int), 0))
         + to_minutes(coalesce(try_cast(nullif(struct_extract(g, 'mi'), '') as int), 0))
         + to_seconds(coalesce(try_cast(nullif(struct_extract(g, 'ss'), '') as int), 0))
         + to_microseconds(coalesce(try_cast(nullif(left(rpad(struct_extract(g, 'fr'), 6, '0'), 6), '') as bigint), 0))
         - to_minutes(tz_minutes(struct_extract(g, 'tz')))
    end;
create macro as_ts(x) as
    case when regexp_full_match(x, '\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z')
         then try_strptime(x, '%Y-%m-%dT%H:%M:%SZ')
         else ts_from_parts(regexp_extract(x, ts_re(), ['d', 'hh', 'mi', 'ss', 'fr', 'tz']))
    end;

-- Files that are not UTF-8 count nowhere (the CSV reader would otherwise substitute bad bytes).
create table bad_files as
select filename from read_blob('${RAW}/*/*.csv') where try(decode(content)) is null;

-- --- projects ----------------------------------------------------------------------------------------
-- ignore_errors: a record with more or fewer fields than the header is a bad row (field_count).
create table projects_raw as
select filename, ordinality as ord,
       s(project_code) as project_code, s(title) as title, s(country_iso3) as country_iso3,
       s(activity_type) as activity_type, s(strategy_points) as strategy_points,
       s(primary_point) as primary_point, s(start_date) as start_date, s(end_date) as end_date,
       s(budget_usd) as budget_usd, s(extracted_at) as extracted_at
from read_csv('${RAW}/projects/*.csv', all_varchar = true, header = true, union_by_name = true,
              filename = true, ignore_errors = true, auto_detect = true, delim = ',', quote = '"', escape = '"')
     with ordinality
where filename not in (select filename from bad_files);

create table projects as
with typed as (
    select *,
        as_ts(extracted_at) as ts,
        list_transform(string_split(strategy_points, ';'), lambda x: try_cast(trim(x) as int)) as pts,
        try_cast(primary_point as int) as pp
    from projects_raw
),
valid as (
    select * from typed
    where project_code is not null and regexp_full_match(project_code, '[A-Z]{2}\.\d{4}')
      and title is not null
      and country_iso3 is not null and (country_iso3 = 'GLB' or country_iso3 in (select iso3 from iso3))
      and activity_type in ('pre_consular', 'migrant_training', 'migration_health', 'resettlement',
          'migration_law', 'capacity_building', 'migration_development', 'irregular_migration',
          'research_data', 'dialogue', 'integration', 'emergency', 'post_crisis', 'avrr', 'ct_prevention',
          'ct_capacity', 'ct_assistance', 'labour_migration', 'other')
      and strategy_points is not null and regexp_full_match(strategy_points, '\s*\d+\s*(;\s*\d+\s*)*')
      and list_bool_and(list_transform(pts, lambda x: x between 1 and 12)) and len(list_distinct(pts)) = len(pts)
      and primary_point is not null and is_integer(primary_point) and pp between 1 and 12 and list_contains(pts, pp)
      and start_date is not null and is_date(start_date)
      and as_date(start_date) <= as_date(left(extracted_at, 10))
      and is_date(end_date) and (end_date is null or as_date(end_date) >= as_date(start_date))
      and budget_usd is not null and is_decimal(budget_usd) and money(budget_usd) >= 0
      and ts is not null
)
select project_code, activity_type, list_distinct(pts) as pts, as_date(start_date) as start_date,
       as_date(end_date) as end_date, money(budget_usd) as budget_usd
from valid
qualify row_number() over (partition by project_code order by ts desc, filename desc, ord desc) = 1;

-- --- expenditures ------------------------------------------------------------------------------------
create table expenditures as
with raw as (
    select filename, ordinality as ord, s(project_code) as project_code, s("year") as yr,
           s(expenditure_usd) as expenditure_usd, s(extracted_at) as extracted_at
    from read_csv('${RAW}/expenditures/*.csv', all_varchar = true, header = true, union_by_name = true,
                  filename = true, ignore_errors = true, auto_detect = true, delim = ',', quote = '"', escape = '"')
         with ordinality
    where filename not in (select filename from bad_files)
),
valid as (
    select *, as_ts(extracted_at) as ts from raw
    where project_code is not null and regexp_full_match(project_code, '[A-Z]{2}\.\d{4}')
      and yr is not null and is_integer(yr) and try_cast(yr as bigint) between 1990 and 2100
      and expenditure_usd is not null and is_decimal(expenditure_usd)
      and as_ts(extracted_at) is not null
)
select project_code, cast(yr as int) as year, money(expenditure_usd) as expenditure_usd
from valid
-- unknown projects are held back
where project_code in (select project_code from projects)
qualify row_number() over (partition by project_code, cast(yr as int) order by ts desc, filename desc, ord desc) = 1;

-- --- beneficiaries -----------------------------------------------------------------------------------
create table services as
with raw as (
    select filename, ordinality as ord, s(service_id) as service_id, s(beneficiary_id) as beneficiary_id,
           s(date_of_birth) as date_of_birth, s(sex) as sex, s(service_type) as service_type,
           s(service_date) as service_date, s(country_of_service) as country_of_service,
           s(destination_country) as destination_country, s(case_category) as case_category,
           s(project_code) as project_code, s(extracted_at) as extracted_at
    from read_csv('${RAW}/beneficiaries/*.csv', all_varchar = true, header = true, union_by_name = true,
                  filename = true, ignore_errors = true, auto_detect = true, delim = ',', quote = '"', escape = '"')
         with ordinality
    where filename not in (select filename from bad_files)
),
valid as (
    select *, as_ts(extracted_at) as ts from raw
    where service_id is not null and beneficiary_id is not null
      and is_date(date_of_birth)
      and (date_of_birth is null or not is_date(service_date) or as_date(date_of_birth) <= as_date(service_date))
      and sex in ('F', 'M', 'U')
      and service_type in ('pre_consular', 'migrant_training', 'health_assessment', 'resettlement_movement',
          'official_training', 'dialogue_participation', 'avrr_return', 'trafficking_assistance', 'labour_deployment')
      and service_date is not null and is_date(service_date)
      and as_date(service_date) >= date '1990-01-01' and as_date(service_date) <= as_date(left(extracted_at, 10))
      and country_of_service in (select iso3 from iso3)
      and (destination_country is null or destination_country in (select iso3 from iso3))
      and (destination_country is not null or service_type not in ('resettlement_movement', 'avrr_return', 'labour_deployment'))
      and (case_category is null or case_category in ('resettlement', 'family_reunification', 'labour', 'humanitarian', 'other'))
      and (project_code is null or regexp_full_match(project_code, '[A-Z]{2}\.\d{4}'))
      and as_ts(extracted_at) is not null
)
select service_id, beneficiary_id, sex, service_type, as_date(service_date) as service_date,
       cast(year(as_date(service_date)) as int) as year, country_of_service, destination_country,
       case_category, project_code
from valid
qualify row_number() over (partition by service_id order by ts desc, filename desc, ord desc) = 1;

-- --- periods -----------------------------------------------------------------------------------------
create table periods as
with spine as (
    select unnest(range(min(y), max(y) + 1)) as y from (
        select year as y from services
        union all select year from expenditures
        union all select year(start_date) from projects
    )
),
years as (select y from spine union select unnest(range(2007, 2010)))
select cast(y as varchar) as period, y as p_start, y as p_end, y in (select y from spine) as in_spine from years
union all select '2007-2009', 2007, 2009, false;

-- --- indicators --------------------------------------------------------------------------------------
create table project_members as
select c.indicator_code, c.measure, p.*
from catalogue as c
join projects as p on (c.activity_type is null or p.activity_type = c.activity_type)
                  and (c.project_point is null or list_contains(p.pts, c.project_point))
where c.measure in ('projects_active', 'projects_started', 'budget_started', 'expenditure');

-- services counted by each service-based indicator
create view service_members as
with c as (
    select * from catalogue
    where measure in ('persons', 'records', 'countries_of_service', 'destination_countries', 'person_share')
),
tagged as (select project_code, unnest(pts) as point from projects)
select c.indicator_code, s.* from c join services as s on s.service_type = c.service_type
where c.reached_point is null
union all
select c.indicator_code, s.* from c cross join services as s where c.reached_point is null and c.service_type is null
union all
select c.indicator_code, s.* from c
join tagged as t on t.point = c.reached_point
join services as s on s.project_code = t.project_code and (c.service_type is null or s.service_type = c.service_type);

-- per indicator, year and person: records, and the attributes of the latest record in the year, empty
-- or not (arg_max_null: arg_max would skip a latest record without a value)
create table person_years as
select indicator_code, year, beneficiary_id, count(*) as n,
       max(struct_pack(d := service_date, id := service_id)) as latest,
       arg_max_null(sex, struct_pack(d := service_date, id := service_id)) as sex,
       arg_max_null(case_category, struct_pack(d := service_date, id := service_id)) as case_category
from service_members group by all;

create table person_values as
with per_period as (
    select indicator_code, cast(year as varchar) as period, beneficiary_id, n, sex, case_category from person_years
    union all
    select indicator_code, '2007-2009', beneficiary_id, sum(n), arg_max_null(sex, latest), arg_max_null(case_category, latest)
    from person_years where year between 2007 and 2009 group by all
)
select p.indicator_code, p.period,
       cast(case max(c.measure) when 'records' then sum(n) else count(*) end as decimal(38, 6)) as raw_value,
       count(*) filter (where (c.share_attribute = 'sex' and p.sex = c.share_value)
                           or (c.share_attribute = 'case_category' and p.case_category = c.share_value)) as numerator,
       count(*) as denominator
from per_period as p join catalogue as c using (indicator_code)
where c.measure in ('persons', 'records', 'person_share')
group by p.indicator_code, p.period;

create table country_values as
with c as (select * from catalogue where measure in ('countries_of_service', 'destination_countries')),
per_year as (
    select m.indicator_code, m.year, case c.measure when 'countries_of_service' then m.country_of_service else m.destination_country end as country
    from service_members as m join c using (indicator_code)
    group by all
)
select indicator_code, cast(year as varchar) as period, cast(count(country) as decimal(38, 6)) as raw_value from per_year group by all
union all
select indicator_code, '2007-2009', cast(count(distinct country) as decimal(38, 6)) from per_year where year between 2007 and 2009 group by all;

create table project_values as
select m.indicator_code, p.period,
       case max(m.measure)
           when 'projects_active' then cast(count(distinct m.project_code) filter (
               where year(m.start_date) <= p.p_end and (m.end_date is null or year(m.end_date) >= p.p_start)) as decimal(38, 6))
           when 'projects_started' then cast(count(distinct m.project_code) filter (where year(m.start_date) between p.p_start and p.p_end) as decimal(38, 6))
           when 'budget_started' then cast(sum(m.budget_usd) filter (where year(m.start_date) between p.p_start and p.p_end) as decimal(38, 6))
       end as raw_value
from project_members as m cross join periods as p
where m.measure <> 'expenditure'
group by m.indicator_code, p.period
union all
select m.indicator_code, p.period, cast(sum(e.expenditure_usd) as decimal(38, 6))
from project_members as m
join expenditures as e on e.project_code = m.project_code
join periods as p on e.year between p.p_start and p.p_end
where m.measure = 'expenditure'
group by m.indicator_code, p.period;

create table indicator_values as
with computed as (
    select indicator_code, period, raw_value, null::double as numerator, null::double as denominator from project_values
    union all select indicator_code, period, raw_value, numerator, denominator from person_values
    union all select indicator_code, period, raw_value, null, null from country_values
)
select c.indicator_code, p.period,
       cast(case when c.unit = 'percent' then
                 case when coalesce(v.denominator, 0) > 0 then 100.0 * v.numerator / v.denominator end
            else cast(cast(coalesce(v.raw_value, 0) as varchar) as double) end as double) as value,
       cast(case when c.unit = 'percent' then coalesce(v.numerator, 0) end as double) as numerator,
       cast(case when c.unit = 'percent' then coalesce(v.denominator, 0) end as double) as denominator
from catalogue as c
cross join (select * from periods where in_spine or period = '2007-2009') as p
left join computed as v on v.indicator_code = c.indicator_code and v.period = p.period;
