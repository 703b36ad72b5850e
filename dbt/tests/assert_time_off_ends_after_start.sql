-- A time-off request never ends before it starts.
{{ config(severity='warn') }}
select time_off_key, start_date, end_date
from {{ ref('hr_time_off') }}
where end_date < start_date
