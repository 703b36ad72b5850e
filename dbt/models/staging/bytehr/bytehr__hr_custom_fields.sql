{#- ByteHR custom field definitions as hr_custom_fields rows, with the hr_employees column that
    holds each key (NULL while no value has arrived, so no column exists yet). -#}
{% set columns = hr_columns(ref('stg_bytehr__employees'), 'custom_fields__') %}
select
    {{ hr_key('bytehr', 'field_key') }} as custom_field_key,
    cast('bytehr' as {{ hr_text() }}) as provider,
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
