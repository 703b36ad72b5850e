{#-
  ByteHR employees still present, typed, with every custom field as a column.

  The ByteHR source lands every custom field of an employee as a column `custom_fields__<key>` of
  `employees` (keys normalised to snake_case), a field whose type changed as an extra variant column
  (`custom_fields__<key>__v_text`), and a multi-select field as a child table
  `employees__custom_fields__<key>` (`value`, `_dlt_parent_id`). `custom_field_definitions` names,
  for each key, the column (`column_name`) and the table (`table_name`) it landed in.

  Both are read at run time: every `custom_fields__*` column of the loaded employees table, plus
  every multi-select child table named by the definitions, aggregated into one comma-separated
  text column named after the definition's `column_name`. A field added by a ByteHR admin shows up
  after the next load and the next `dbt build`, with no edit here.
-#}
{% set src = source('bytehr', 'employees') %}
{% set cols = hr_columns(src) %}
{#- [{'name': column, 'child': child relation or none}] -#}
{% set custom_fields = [] %}
{% set names = [] %}
{% for name in cols if name.startswith('custom_fields__') %}
  {% do custom_fields.append({'name': name, 'child': none}) %}
  {% do names.append(name) %}
{% endfor %}
{% set definitions = source('bytehr', 'custom_field_definitions') %}
{% set definition_columns = hr_columns(definitions) %}
{% if 'table_name' in definition_columns and 'column_name' in definition_columns %}
  {% set query %}
    select distinct column_name, table_name from {{ definitions }}
    where table_name is not null and table_name <> 'employees' and column_name is not null
    order by 1, 2
  {% endset %}
  {% for row in run_query(query) %}
    {% set child = adapter.get_relation(database=src.database, schema=src.schema, identifier=row['table_name']) %}
    {% if child is not none %}
      {% set name = row['column_name'] | lower %}
      {% if name in names %}{% set name = name ~ '__list' %}{% endif %}
      {% if name not in names %}
        {% do custom_fields.append({'name': name, 'child': child}) %}
        {% do names.append(name) %}
      {% endif %}
    {% endif %}
  {% endfor %}
{% endif %}
select
    {{ hr_field(cols, 'id', hr_bigint(), 'employee_id') }},
    {{ hr_field(cols, 'employee_code', hr_text()) }},
    {{ hr_field(cols, 'first_name', hr_text()) }},
    {{ hr_field(cols, 'last_name', hr_text()) }},
    {{ hr_field(cols, 'email', hr_text()) }},
    {{ hr_field(cols, 'department_id', hr_bigint()) }},
    {{ hr_field(cols, 'position_id', hr_bigint()) }},
    {{ hr_field(cols, 'manager_id', hr_bigint()) }},
    {{ hr_field(cols, 'employment_status', hr_text()) }},
    {{ hr_field(cols, 'employment_type', hr_text()) }},
    {{ hr_field(cols, 'hire_date', hr_date()) }},
    {{ hr_field(cols, 'termination_date', hr_date()) }},
    {{ hr_field(cols, 'updated_at', hr_timestamp()) }},
    employees._dlt_load_id
    {%- for field in custom_fields %},
    {%- if field.child is none %} employees.{{ adapter.quote(field.name) }}
    {%- else %} (
        select {{ hr_list_text('item.value', 'item._dlt_list_idx') }}
        from {{ field.child }} as item
        where item._dlt_parent_id = employees._dlt_id
    )
    {%- endif %} as {{ adapter.quote(field.name) }}
    {%- endfor %}
from {{ src }} as employees
where {{ hr_live(cols) }}
