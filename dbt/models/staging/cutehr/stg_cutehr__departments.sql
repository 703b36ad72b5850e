{% set src = source('cutehr', 'departments') %}
{% set cols = hr_columns(src) %}
select
    {{ hr_field(cols, 'id', hr_bigint(), 'department_id') }},
    {{ hr_field(cols, 'name', hr_text()) }},
    {{ hr_field(cols, 'head_id', hr_bigint()) }},
    _dlt_load_id
from {{ src }}
where {{ hr_live(cols) }}
