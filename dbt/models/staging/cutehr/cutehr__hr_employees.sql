{#- CuteHR employees as hr_employees rows: one `name` split at the first space, `exited` for
    terminated, no employment type (always 'unknown'). -#}
select
    {{ hr_key('cutehr', 'employees.employee_id') }} as person_key,
    cast('cutehr' as {{ hr_text() }}) as provider,
    {{ hr_tenant() }} as tenant,
    cast(employees.employee_id as {{ hr_text() }}) as source_id,
    employees.emp_code as employee_code,
    {{ dbt.split_part('trim(employees.name)', "' '", 1) }} as first_name,
    case when {{ dbt.position("' '", 'trim(employees.name)') }} > 0
        then trim(substr(trim(employees.name), {{ dbt.position("' '", 'trim(employees.name)') }} + 1)) end as last_name,
    trim(employees.name) as full_name,
    cast(null as {{ hr_text() }}) as preferred_name,
    lower(employees.email) as email,
    employees.designation as job_title,
    case when employees.department_id is not null
        then {{ hr_key('cutehr', 'employees.department_id') }} end as department_key,
    departments.name as department_name,
    case when employees.reporting_manager_id is not null
        then {{ hr_key('cutehr', 'employees.reporting_manager_id') }} end as manager_key,
    cast(null as {{ hr_text() }}) as location,
    {{ hr_employment_status('employees.status', {'exited': 'terminated'}) }} as employment_status,
    employees.status as source_status,
    {{ hr_employment_type('cast(null as ' ~ hr_text() ~ ')') }} as employment_type,
    employees.date_of_joining as hire_date,
    employees.date_of_exit as termination_date,
    cast(null as {{ hr_double() }}) as weekly_hours,
    employees.modified_at as source_updated_at,
    employees._dlt_load_id
from {{ ref('stg_cutehr__employees') }} as employees
left join {{ ref('stg_cutehr__departments') }} as departments
    on departments.department_id = employees.department_id
