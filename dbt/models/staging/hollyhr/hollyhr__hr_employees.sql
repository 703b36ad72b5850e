{#- HollyHR people as hr_employees rows: the current employment's title, department, type and hours
    win over the person's copies. -#}
select
    {{ hr_key('hollyhr', 'people.person_id') }} as person_key,
    cast('hollyhr' as {{ hr_text() }}) as provider,
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
    {{ hr_employment_status('people.status', {'ended': 'terminated'}) }} as employment_status,
    people.status as source_status,
    {{ hr_employment_type('coalesce(employments.employment_type, people.employment_type)') }} as employment_type,
    people.start_date as hire_date,
    people.end_date as termination_date,
    employments.weekly_hours,
    people.updated_at as source_updated_at,
    people._dlt_load_id
from {{ ref('stg_hollyhr__people') }} as people
left join {{ ref('stg_hollyhr__employments') }} as employments
    on employments.person_id = people.person_id
