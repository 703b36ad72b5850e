select
    'cutehr:' || cast(employees.employee_id as TEXT) as person_key,
    cast('cutehr' as TEXT) as provider,
    cast(null as TEXT) as tenant,
    cast(employees.employee_id as TEXT) as source_id,
    employees.emp_code as employee_code,
    
    string_split(trim(employees.name), ' ')[ 1 ]
 as first_name,
    case when 

    position(
        ' ' in trim(employees.name)
    ) > 0
        then trim(substr(trim(employees.name), 

    position(
        ' ' in trim(employees.name)
    ) + 1)) end as last_name,
    trim(employees.name) as full_name,
    cast(null as TEXT) as preferred_name,
    lower(employees.email) as email,
    employees.designation as job_title,
    case when employees.department_id is not null
        then 'cutehr:' || cast(employees.department_id as TEXT) end as department_key,
    departments.name as department_name,
    case when employees.reporting_manager_id is not null
        then 'cutehr:' || cast(employees.reporting_manager_id as TEXT) end as manager_key,
    cast(null as TEXT) as location,
    case
    when lower(trim(employees.status)) = 'exited' then 'terminated'
    when lower(trim(employees.status)) in ('active', 'employed') then 'active'
    when lower(trim(employees.status)) in ('on_leave', 'on leave', 'leave') then 'on_leave'
    when lower(trim(employees.status)) in ('notice_period', 'notice', 'leaving') then 'notice_period'
    when lower(trim(employees.status)) in ('terminated', 'inactive', 'former') then 'terminated'
    else lower(trim(employees.status))
  end as employment_status,
    employees.status as source_status,
    case
    when cast(null as TEXT) is null then 'unknown'
    when replace(replace(lower(trim(cast(null as TEXT))), '-', '_'), ' ', '_') in ('full_time', 'fulltime', 'permanent') then 'full_time'
    when replace(replace(lower(trim(cast(null as TEXT))), '-', '_'), ' ', '_') in ('part_time', 'parttime') then 'part_time'
    when replace(replace(lower(trim(cast(null as TEXT))), '-', '_'), ' ', '_') in ('contractor', 'contract', 'freelance', 'freelancer') then 'contractor'
    when replace(replace(lower(trim(cast(null as TEXT))), '-', '_'), ' ', '_') in ('intern', 'internship', 'trainee', 'apprentice') then 'intern'
    when replace(replace(lower(trim(cast(null as TEXT))), '-', '_'), ' ', '_') in ('temporary', 'temp', 'fixed_term', 'seasonal') then 'temporary'
    else replace(replace(lower(trim(cast(null as TEXT))), '-', '_'), ' ', '_')
  end as employment_type,
    employees.date_of_joining as hire_date,
    employees.date_of_exit as termination_date,
    cast(null as double precision) as weekly_hours,
    employees.modified_at as source_updated_at,
    employees._dlt_load_id
from "w"."hr_unified_staging"."stg_cutehr__employees" as employees
left join "w"."hr_unified_staging"."stg_cutehr__departments" as departments
    on departments.department_id = employees.department_id