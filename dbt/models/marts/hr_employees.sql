{#-
  One row per employee of every loaded vendor. `person_key` ('<provider>:<vendor id>') is stable
  across loads; statuses, employment types and dates use one vocabulary. ByteHR custom fields are
  columns `custom_fields__<key>` (NULL for the other vendors), generated from the loaded schema by
  bytehr_custom_fields(): a new field needs a load and a `dbt build`, no SQL edit.
-#}
{% set vendors = var('hr_vendors') %}
{% set custom_fields = bytehr_custom_fields() %}
{% set branches = [] %}

with
{% if 'hollyhr' in vendors %}
{% do branches.append('hollyhr') %}
hollyhr as (
    select
        {{ hr_key('hollyhr', 'people.person_id') }} as person_key,
        'hollyhr' as provider,
        {{ hr_tenant() }} as tenant,
        cast(people.person_id as {{ hr_text() }}) as source_id,
        cast(null as {{ hr_text() }}) as employee_code,
        people.first_name,
        people.last_name,
        trim({{ dbt.concat(["coalesce(people.first_name, '')", "' '", "coalesce(people.last_name, '')"]) }}) as full_name,
        people.preferred_name,
        lower(people.work_email) as email,
        coalesce(employments.job_title, people.job_title) as job_title,
        case when coalesce(employments.department, people.department) is not null
            then {{ hr_key('hollyhr', 'coalesce(employments.department, people.department)') }} end as department_key,
        coalesce(employments.department, people.department) as department_name,
        case when people.manager_id is not null then {{ hr_key('hollyhr', 'people.manager_id') }} end as manager_key,
        people.location,
        {{ hr_employment_status('hollyhr', 'people.status') }} as employment_status,
        people.status as source_status,
        {{ hr_employment_type('coalesce(employments.employment_type, people.employment_type)') }} as employment_type,
        people.start_date as hire_date,
        people.end_date as termination_date,
        employments.weekly_hours,
        people.updated_at as source_updated_at,
        people._dlt_load_id
        {{ bytehr_custom_field_columns(custom_fields, 'hollyhr') }}
    from {{ ref('stg_hollyhr__people') }} as people
    left join {{ ref('stg_hollyhr__employments') }} as employments
        on employments.person_id = people.person_id
),
{% endif %}
{% if 'bytehr' in vendors %}
{% do branches.append('bytehr') %}
bytehr as (
    select
        {{ hr_key('bytehr', 'employees.employee_id') }} as person_key,
        'bytehr' as provider,
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
        {{ hr_employment_status('bytehr', 'employees.employment_status') }} as employment_status,
        employees.employment_status as source_status,
        {{ hr_employment_type('employees.employment_type') }} as employment_type,
        employees.hire_date,
        employees.termination_date,
        cast(null as {{ hr_double() }}) as weekly_hours,
        employees.updated_at as source_updated_at,
        employees._dlt_load_id
        {{ bytehr_custom_field_columns(custom_fields, 'bytehr') }}
    from {{ ref('stg_bytehr__employees') }} as employees
    left join {{ ref('stg_bytehr__positions') }} as positions
        on positions.position_id = employees.position_id
    left join {{ ref('stg_bytehr__departments') }} as departments
        on departments.department_id = employees.department_id
),
{% endif %}
{% if 'cutehr' in vendors %}
{% do branches.append('cutehr') %}
cutehr as (
    select
        {{ hr_key('cutehr', 'employees.employee_id') }} as person_key,
        'cutehr' as provider,
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
        {{ hr_employment_status('cutehr', 'employees.status') }} as employment_status,
        employees.status as source_status,
        {{ hr_employment_type('cast(null as ' ~ hr_text() ~ ')') }} as employment_type,
        employees.date_of_joining as hire_date,
        employees.date_of_exit as termination_date,
        cast(null as {{ hr_double() }}) as weekly_hours,
        employees.modified_at as source_updated_at,
        employees._dlt_load_id
        {{ bytehr_custom_field_columns(custom_fields, 'cutehr') }}
    from {{ ref('stg_cutehr__employees') }} as employees
    left join {{ ref('stg_cutehr__departments') }} as departments
        on departments.department_id = employees.department_id
),
{% endif %}
unioned as (
    {% for branch in branches %}
    select * from {{ branch }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    *,
    employment_status in ('active', 'on_leave', 'notice_period') as is_employed
from unioned
