{#- custom-field columns come from the loaded schema (macros/custom_fields.sql), not from this file -#}
{% set src = source('bytehr', 'employees') %}
{% set cols = hr_columns(src) %}
{% set custom_fields = bytehr_custom_fields() %}
select
    {{ hr_field(cols, 'id', hr_bigint(), 'employee_id') }},
    {{ hr_field(cols, 'employee_code', hr_text()) }},
    {{ hr_field(cols, 'first_name', hr_text()) }},
    {{ hr_field(cols, 'last_name', hr_text()) }},
    {{ hr_field(cols, 'email', hr_text()) }},
    {{ hr_field(cols, 'department_id', hr_bigint()) }},
    {{ hr_field(cols, 'position_id', hr_bigint()) }},
    {{ hr_field(cols, 'manager_id', hr_bigint()) }},
    {{ hr_field(cols, 'employment_status', hr_text()) }},
    {{ hr_field(cols, 'employment_type', hr_text()) }},
    {{ hr_field(cols, 'hire_date', hr_date()) }},
    {{ hr_field(cols, 'termination_date', hr_date()) }},
    {{ hr_field(cols, 'updated_at', hr_timestamp()) }},
    employees._dlt_load_id
    {{ bytehr_custom_field_select(custom_fields, 'employees') }}
from {{ src }} as employees
where {{ hr_live(cols) }}
