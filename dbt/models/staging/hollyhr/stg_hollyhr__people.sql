{% set src = source('hollyhr', 'people') %}
{% set cols = hr_columns(src) %}
select
    {{ hr_field(cols, 'id', hr_text(), 'person_id') }},
    {{ hr_field(cols, 'first_name', hr_text()) }},
    {{ hr_field(cols, 'last_name', hr_text()) }},
    {{ hr_field(cols, 'preferred_name', hr_text()) }},
    {{ hr_field(cols, 'work_email', hr_text()) }},
    {{ hr_field(cols, 'job_title', hr_text()) }},
    {{ hr_field(cols, 'department', hr_text()) }},
    {{ hr_field(cols, 'manager_id', hr_text()) }},
    {{ hr_field(cols, 'location', hr_text()) }},
    {{ hr_field(cols, 'employment_type', hr_text()) }},
    {{ hr_field(cols, 'status', hr_text()) }},
    {{ hr_field(cols, 'start_date', hr_date()) }},
    {{ hr_field(cols, 'end_date', hr_date()) }},
    {{ hr_field(cols, 'created_at', hr_timestamp()) }},
    {{ hr_field(cols, 'updated_at', hr_timestamp()) }},
    _dlt_load_id
from {{ src }}
where {{ hr_live(cols) }}
