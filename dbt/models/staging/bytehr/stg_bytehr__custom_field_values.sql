{#-
  Each employee's current custom-field values as ByteHR last sent them: the rows of
  `custom_field_values` with `_dlt_valid_to is null` (dlt scd2; sources/bytehr/values.py). A field
  ByteHR stopped sending (archived, deleted at ByteHR) keeps its last values here; a retyped field's
  older values are retired versions (not selected here) and its current ones are typed as sent.

  `value` is the value as text, exactly as sent (a multi-select list as JSON text); the typed
  columns hold it in its own type. A dataset loaded before the table existed gives no rows.
-#}
{% set src = source('bytehr', 'custom_field_values') %}
{% set found = adapter.get_relation(src.database, src.schema, src.identifier) if execute else src %}
{% set cols = hr_columns(src) if found is not none else [] %}
select
    {{ hr_field(cols, 'value_id', hr_text()) }},
    {{ hr_field(cols, 'employee_id', hr_bigint()) }},
    {{ hr_field(cols, 'key', hr_text(), 'field_key') }},
    {{ hr_field(cols, 'column_name', hr_text()) }},
    {{ hr_field(cols, 'type', hr_text(), 'value_type') }},
    {{ hr_field(cols, 'value', hr_text()) }},
    {{ hr_field(cols, 'value_number', hr_double()) }},
    {{ hr_field(cols, 'value_date', hr_date()) }},
    {{ hr_field(cols, 'value_boolean', hr_bool()) }},
    {{ hr_field(cols, 'value_list', hr_text()) }},
    {{ hr_field(cols, '_dlt_valid_from', hr_timestamp(), 'valid_from') }},
{%- if found is none %}
    cast(null as {{ hr_text() }}) as _dlt_load_id
where 1 = 0
{%- else %}
    _dlt_load_id
from {{ src }}
where _dlt_valid_to is null
{%- endif %}
