{#- ByteHR custom field definitions as hr_custom_fields rows, with the hr_employees column that
    holds each key's current value (bytehr__hr_employees: one column per field, whatever typed or
    variant column its values landed in, archived fields' kept values included; NULL while no value
    has arrived) and that column's type. -#}
{% set employees_model = ref('bytehr__hr_employees') %}
{% set columns = {} %}
{% if execute %}
  {% for column in adapter.get_columns_in_relation(employees_model) if (column.name | lower).startswith('custom_fields__') %}
    {% do columns.update({column.name | lower: column.dtype}) %}
  {% endfor %}
{% endif %}
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
        else cast(null as {{ hr_text() }})
    end
    {% else %}
    cast(null as {{ hr_text() }})
    {% endif %} as hr_employees_column,
    {% if columns %}
    case
        {% for name, type in columns.items() %}
        when lower(column_name) = '{{ name }}' then '{{ type | lower }}'
        {% endfor %}
        else cast(null as {{ hr_text() }})
    end
    {% else %}
    cast(null as {{ hr_text() }})
    {% endif %} as hr_employees_column_type
from {{ ref('stg_bytehr__custom_field_definitions') }}
