{% set src = source('cutehr', 'leaves') %}
{% set cols = hr_columns(src) %}
select
    {{ hr_field(cols, 'id', hr_bigint(), 'leave_id') }},
    {{ hr_field(cols, 'employee_id', hr_bigint()) }},
    {{ hr_field(cols, 'leave_type', hr_text()) }},
    {{ hr_field(cols, 'from_date', hr_date()) }},
    {{ hr_field(cols, 'to_date', hr_date()) }},
    {{ hr_field(cols, 'days', hr_double()) }},
    {{ hr_field(cols, 'status', hr_text()) }},
    {{ hr_field(cols, 'applied_at', hr_timestamp()) }},
    {{ hr_field(cols, 'modified_at', hr_timestamp()) }},
    _dlt_load_id
from {{ src }}
where {{ hr_live(cols) }}
