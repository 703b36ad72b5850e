{% set src = source('cutehr', 'attendance') %}
{% set cols = hr_columns(src) %}
select
    {{ hr_field(cols, 'id', hr_bigint(), 'attendance_id') }},
    {{ hr_field(cols, 'employee_id', hr_bigint()) }},
    {{ hr_field(cols, 'date', hr_date(), 'work_date') }},
    {{ hr_field(cols, 'check_in', hr_timestamp()) }},
    {{ hr_field(cols, 'check_out', hr_timestamp()) }},
    {{ hr_field(cols, 'worked_hours', hr_double()) }},
    {{ hr_field(cols, 'status', hr_text()) }},
    _dlt_load_id
from {{ src }}
where {{ hr_live(cols) }}
