{% set src = source('cutehr', 'employees') %}
{% set cols = hr_columns(src) %}
select
    {{ hr_field(cols, 'id', hr_bigint(), 'employee_id') }},
    {{ hr_field(cols, 'emp_code', hr_text()) }},
    {{ hr_field(cols, 'name', hr_text()) }},
    {{ hr_field(cols, 'email', hr_text()) }},
    {{ hr_field(cols, 'phone', hr_text()) }},
    {{ hr_field(cols, 'department_id', hr_bigint()) }},
    {{ hr_field(cols, 'designation', hr_text()) }},
    {{ hr_field(cols, 'reporting_manager_id', hr_bigint()) }},
    {{ hr_field(cols, 'date_of_joining', hr_date()) }},
    {{ hr_field(cols, 'date_of_exit', hr_date()) }},
    {{ hr_field(cols, 'status', hr_text()) }},
    {{ hr_field(cols, 'modified_at', hr_timestamp()) }},
    _dlt_load_id
from {{ src }}
where {{ hr_live(cols) }}
