{% set src = source('hollyhr', 'employment_history') %}
{% set cols = hr_columns(src) %}
select
    {{ hr_field(cols, 'id', hr_text(), 'employment_history_id') }},
    {{ hr_field(cols, 'person_id', hr_text()) }},
    {{ hr_field(cols, 'job_title', hr_text()) }},
    {{ hr_field(cols, 'department', hr_text()) }},
    {{ hr_field(cols, 'start_date', hr_date()) }},
    {{ hr_field(cols, 'end_date', hr_date()) }},
    {{ hr_field(cols, 'created_at', hr_timestamp()) }},
    _dlt_load_id
from {{ src }}
where {{ hr_live(cols) }}
