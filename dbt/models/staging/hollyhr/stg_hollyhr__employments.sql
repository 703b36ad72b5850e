{% set src = source('hollyhr', 'employments') %}
{% set cols = hr_columns(src) %}
select
    {{ hr_field(cols, 'person_id', hr_text()) }},
    {{ hr_field(cols, 'job_title', hr_text()) }},
    {{ hr_field(cols, 'department', hr_text()) }},
    {{ hr_field(cols, 'start_date', hr_date()) }},
    {{ hr_field(cols, 'employment_type', hr_text()) }},
    {{ hr_field(cols, 'weekly_hours', hr_double()) }},
    {{ hr_field(cols, 'updated_at', hr_timestamp()) }},
    _dlt_load_id
from {{ src }}
where {{ hr_live(cols) }}
