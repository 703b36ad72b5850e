{% set src = source('bytehr', 'custom_field_definitions') %}
{% set cols = hr_columns(src) %}
select
    {{ hr_field(cols, 'key', hr_text(), 'field_key') }},
    {{ hr_field(cols, 'label', hr_text()) }},
    {{ hr_field(cols, 'type', hr_text(), 'field_type') }},
    {{ hr_field(cols, 'entity', hr_text()) }},
    {{ hr_field(cols, 'archived', hr_bool()) }},
    {{ hr_field(cols, 'created_at', hr_timestamp()) }},
    {{ hr_field(cols, 'column_name', hr_text()) }},
    {{ hr_field(cols, 'table_name', hr_text()) }},
    _dlt_load_id
from {{ src }}
where {{ hr_live(cols) }}
