{#- The ByteHR custom fields: key, label and type from ByteHR, and the hr_employees column that
    holds each one (NULL while no value has arrived, so no column exists yet). -#}
{{ config(enabled=('bytehr' in var('hr_vendors'))) }}
{% set columns = [] %}
{% for field in bytehr_custom_fields() %}{% do columns.append(field.name) %}{% endfor %}

select
    {{ hr_key('bytehr', 'field_key') }} as custom_field_key,
    'bytehr' as provider,
    {{ hr_tenant() }} as tenant,
    field_key,
    label,
    field_type,
    entity,
    coalesce(archived, false) as archived,
    created_at,
    column_name as source_column,
    table_name as source_table,
    {% if columns %}
    case
        {% for name in columns %}
        when lower(column_name) = '{{ name }}' then '{{ name }}'
        {% endfor %}
        {% for name in columns if name.endswith('__list') %}
        when lower(column_name) = '{{ name[:-6] }}' then '{{ name }}'
        {% endfor %}
        else cast(null as {{ hr_text() }})
    end
    {% else %}
    cast(null as {{ hr_text() }})
    {% endif %} as hr_employees_column
from {{ ref('stg_bytehr__custom_field_definitions') }}
