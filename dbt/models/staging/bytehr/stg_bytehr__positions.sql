{% set src = source('bytehr', 'positions') %}
{% set cols = hr_columns(src) %}
select
    {{ hr_field(cols, 'id', hr_bigint(), 'position_id') }},
    {{ hr_field(cols, 'title', hr_text()) }},
    {{ hr_field(cols, 'level', hr_bigint()) }},
    {{ hr_field(cols, 'department_id', hr_bigint()) }},
    {{ hr_field(cols, 'updated_at', hr_timestamp()) }},
    _dlt_load_id
from {{ src }}
where {{ hr_live(cols) }}
