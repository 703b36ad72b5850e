{% set src = source('bytehr', 'departments') %}
{% set cols = hr_columns(src) %}
select
    {{ hr_field(cols, 'id', hr_bigint(), 'department_id') }},
    {{ hr_field(cols, 'name', hr_text()) }},
    {{ hr_field(cols, 'parent_id', hr_bigint()) }},
    {{ hr_field(cols, 'cost_center', hr_text()) }},
    {{ hr_field(cols, 'updated_at', hr_timestamp()) }},
    _dlt_load_id
from {{ src }}
where {{ hr_live(cols) }}
