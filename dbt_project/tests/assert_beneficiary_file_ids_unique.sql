-- int_services identifies each winning service's file by a hash of its name (macros/cells.sql
-- beneficiary_file_id) and int_provenance_counted maps the ids back to names: two names with one id would
-- merge their provenance. Fails on any id two file names share.
select file_id, count(*) as file_names
from ({{ beneficiary_file_ids() }}) as f
group by file_id
having count(*) > 1
