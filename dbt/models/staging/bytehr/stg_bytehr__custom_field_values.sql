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
    {#- the column the field has in employees and hr_employees (for a multi-select field the values
        name its child table; its definition names the column) -#}
    {%- if found is not none %}
    cast(coalesce(definitions.column_name, kept.{{ adapter.quote('column_name') }}) as {{ hr_text() }}) as column_name,
    {%- else %}
    cast(null as {{ hr_text() }}) as column_name,
    {%- endif %}
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
    kept._dlt_load_id
from {{ src }} as kept
left join (
    select {{ adapter.quote('key') }} as field_key, max(column_name) as column_name
    from {{ source('bytehr', 'custom_field_definitions') }}
    group by {{ adapter.quote('key') }}
) as definitions
    on definitions.field_key = kept.{{ adapter.quote('key') }}
where kept._dlt_valid_to is null
{%- endif %}
