{% set src = source('acmehr', 'staff') %}
{% set cols = hr_columns(src) %}
select
    {{ hr_field(cols, 'id', hr_bigint(), 'staff_id') }},
    {{ hr_field(cols, 'given_name', hr_text()) }},
    {{ hr_field(cols, 'family_name', hr_text()) }},
    {{ hr_field(cols, 'email', hr_text()) }},
    {{ hr_field(cols, 'state', hr_text()) }},
    {{ hr_field(cols, 'joined', hr_date()) }},
    {{ hr_field(cols, 'changed_at', hr_timestamp()) }},
    _dlt_load_id
from {{ src }}
