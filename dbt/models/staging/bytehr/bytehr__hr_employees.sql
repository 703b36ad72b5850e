{#-
  ByteHR employees as hr_employees rows: title from the position, department name from the
  department, then one column per custom field after the shared columns (the union gives the other
  vendors NULLs there), holding the employee's current value of that field:

  - the value in `employees` (its column `custom_fields__<name>`, or the column dlt added when the
    field's type changed, `custom_fields__<name>__v_<type>`, or a multi-select field's child table),
  - else the value kept in custom_field_values (stg_bytehr__custom_field_values): a field ByteHR
    stopped sending (archived) shows its last values.

  A field that has had one type keeps its column's type. A field whose values have had more than one
  type (a variant column exists) is text: each employee's current value as ByteHR sent it (from
  custom_field_values), else the value of whichever typed column holds it, so neither the new
  values nor the older ones of the old type are lost. custom_field_values keeps every typed version.
-#}
{% set employees_model = ref('stg_bytehr__employees') %}
{% set kept_model = ref('stg_bytehr__custom_field_values') %}
{#- the employees columns of each field: [{'name', 'columns': [column], 'type'}] in column order -#}
{% set fields = [] %}
{% set by_name = {} %}
{% set types = {} %}
{% if execute %}
  {% for column in adapter.get_columns_in_relation(employees_model) if (column.name | lower).startswith('custom_fields__') %}
    {% do types.update({column.name | lower: column.data_type}) %}
  {% endfor %}
  {% set kept_query %}
    select distinct lower(column_name) as name from {{ kept_model }} where column_name is not null order by 1
  {% endset %}
  {% set kept_names = run_query(kept_query).columns[0].values() | list %}
{% else %}
  {% set kept_names = [] %}
{% endif %}
{% for name in types %}
  {#- a variant: `<field column>__v_<type>` (dlt's type change), `<field column>__list` (a multi-select
      child table beside a scalar column; stg_bytehr__employees) -#}
  {% set parts = modules.re.match('^(custom_fields__.+?)(__v_[a-z0-9]+|__list)$', name) %}
  {% set base = parts.group(1) if parts and (parts.group(1) in types or parts.group(1) in kept_names) else name %}
  {% if base not in by_name %}
    {% do by_name.update({base: {'name': base, 'columns': [], 'type': types.get(base, hr_text())}}) %}
    {% do fields.append(by_name[base]) %}
  {% endif %}
  {% do by_name[base]['columns'].append(name) %}
{% endfor %}
{% for name in kept_names if name not in by_name %}
  {#- a field with kept values only (no employees column): text, as kept -#}
  {% do by_name.update({name: {'name': name, 'columns': [], 'type': hr_text()}}) %}
  {% do fields.append(by_name[name]) %}
{% endfor %}
{% if fields %}
with kept_values as (
    select
        employee_id,
        lower(column_name) as column_name,
        case when value_list is not null then {{ hr_json_list_text('value_list') }} else value end as shown
    from {{ kept_model }}
),

kept as (
    select
        employee_id
        {%- for field in fields %},
        max(case when column_name = '{{ field.name }}' then 1 end) as {{ adapter.quote('kept_' ~ loop.index) }},
        max(case when column_name = '{{ field.name }}' then shown end) as {{ adapter.quote('value_' ~ loop.index) }}
        {%- endfor %}
    from kept_values
    group by employee_id
)

{% endif -%}
select
    {{ hr_key('bytehr', 'employees.employee_id') }} as person_key,
    cast('bytehr' as {{ hr_text() }}) as provider,
    {{ hr_tenant() }} as tenant,
    cast(employees.employee_id as {{ hr_text() }}) as source_id,
    employees.employee_code,
    employees.first_name,
    employees.last_name,
    trim({{ dbt.concat(["coalesce(employees.first_name, '')", "' '", "coalesce(employees.last_name, '')"]) }}) as full_name,
    cast(null as {{ hr_text() }}) as preferred_name,
    lower(employees.email) as email,
    positions.title as job_title,
    case when employees.department_id is not null
        then {{ hr_key('bytehr', 'employees.department_id') }} end as department_key,
    departments.name as department_name,
    case when employees.manager_id is not null then {{ hr_key('bytehr', 'employees.manager_id') }} end as manager_key,
    cast(null as {{ hr_text() }}) as location,
    {{ hr_employment_status('employees.employment_status') }} as employment_status,
    employees.employment_status as source_status,
    {{ hr_employment_type('employees.employment_type') }} as employment_type,
    employees.hire_date,
    employees.termination_date,
    cast(null as {{ hr_double() }}) as weekly_hours,
    employees.updated_at as source_updated_at,
    employees._dlt_load_id
    {%- for field in fields %},
    {%- set kept_flag = 'kept.' ~ adapter.quote('kept_' ~ loop.index) %}
    {%- set kept_value = 'kept.' ~ adapter.quote('value_' ~ loop.index) %}
    {%- if field.columns | length == 1 %}
    coalesce(employees.{{ adapter.quote(field.columns[0]) }}, {{ dbt.safe_cast(kept_value, field.type) }})
    {%- elif field.columns | length == 0 %}
    {{ kept_value }}
    {%- else %}
    case when {{ kept_flag }} = 1 then {{ kept_value }} else coalesce(
        {%- for column in field.columns | reverse %}
        cast(employees.{{ adapter.quote(column) }} as {{ hr_text() }}){% if not loop.last %},{% endif %}
        {%- endfor %}
    ) end
    {%- endif %} as {{ adapter.quote(field.name) }}
    {%- endfor %}
from {{ employees_model }} as employees
left join {{ ref('stg_bytehr__positions') }} as positions
    on positions.position_id = employees.position_id
left join {{ ref('stg_bytehr__departments') }} as departments
    on departments.department_id = employees.department_id
{%- if fields %}
left join kept
    on kept.employee_id = employees.employee_id
{%- endif %}
