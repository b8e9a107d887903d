{{ config(materialized='table') }}
-- The reviewers' acknowledgements of plausibility flags ($REVIEW_ACKNOWLEDGEMENTS, default
-- data/acknowledgements.csv: flag_key, acknowledged_by, acknowledged_at, reason), as of this build: one row
-- per flag key, the latest acknowledgement (by acknowledged_at, ISO 8601 text) winning. A line without a
-- flag key, a name or a reason acknowledges nothing. Kept as a table: the build freezes what it read.
with lines as (
    select
        trim(flag_key) as flag_key,
        nullif(trim(acknowledged_by), '') as acknowledged_by,
        nullif(trim(acknowledged_at), '') as acknowledged_at,
        nullif(trim(reason), '') as reason
    from {{ plausibility_acknowledgements_file() }}
),
ranked as (
    select l.*,
           row_number() over (partition by flag_key order by acknowledged_at desc, acknowledged_by desc, reason desc) as r
    from lines as l
    where flag_key <> '' and acknowledged_by is not null and reason is not null
)
select flag_key, acknowledged_by, acknowledged_at, reason
from ranked
where r = 1
