{% set src = source('hollyhr', 'time_off') %}
{% set cols = hr_columns(src) %}
select
    {{ hr_field(cols, 'id', hr_text(), 'time_off_id') }},
    {{ hr_field(cols, 'person_id', hr_text()) }},
    {{ hr_field(cols, 'policy', hr_text()) }},
    {{ hr_field(cols, 'start_date', hr_date()) }},
    {{ hr_field(cols, 'end_date', hr_date()) }},
    {{ hr_field(cols, 'duration_days', hr_double()) }},
    {{ hr_field(cols, 'status', hr_text()) }},
    {{ hr_field(cols, 'updated_at', hr_timestamp()) }},
    _dlt_load_id
from {{ src }}
where {{ hr_live(cols) }}
