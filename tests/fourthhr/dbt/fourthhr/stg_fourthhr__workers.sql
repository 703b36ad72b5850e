{% set src = source('fourthhr', 'workers') %}
{% set cols = hr_columns(src) %}
select
    {{ hr_field(cols, 'id', hr_text(), 'worker_id') }},
    {{ hr_field(cols, 'name', hr_text()) }},
    {{ hr_field(cols, 'email', hr_text()) }},
    {{ hr_field(cols, 'team', hr_text()) }},
    {{ hr_field(cols, 'started_on', hr_date()) }},
    {{ hr_field(cols, 'deleted_at', hr_timestamp()) }},
    {{ hr_field(cols, 'updated_at', hr_timestamp()) }},
    _dlt_load_id
from {{ src }}
