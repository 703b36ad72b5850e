{#- ByteHR employees as hr_employees rows: title from the position, department name from the
    department, and every custom-field column of stg_bytehr__employees after the shared columns
    (the union gives the other vendors NULLs there). -#}
{% set employees_model = ref('stg_bytehr__employees') %}
{% set custom_columns = hr_columns(employees_model, 'custom_fields__') %}
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
    {%- for name in custom_columns %},
    employees.{{ adapter.quote(name) }}
    {%- endfor %}
from {{ employees_model }} as employees
left join {{ ref('stg_bytehr__positions') }} as positions
    on positions.position_id = employees.position_id
left join {{ ref('stg_bytehr__departments') }} as departments
    on departments.department_id = employees.department_id
