

select
    'bytehr:' || cast(employees.employee_id as TEXT) as person_key,
    cast('bytehr' as TEXT) as provider,
    cast(null as TEXT) as tenant,
    cast(employees.employee_id as TEXT) as source_id,
    employees.employee_code,
    employees.first_name,
    employees.last_name,
    trim(coalesce(employees.first_name, '') || ' ' || coalesce(employees.last_name, '')) as full_name,
    cast(null as TEXT) as preferred_name,
    lower(employees.email) as email,
    positions.title as job_title,
    case when employees.department_id is not null
        then 'bytehr:' || cast(employees.department_id as TEXT) end as department_key,
    departments.name as department_name,
    case when employees.manager_id is not null then 'bytehr:' || cast(employees.manager_id as TEXT) end as manager_key,
    cast(null as TEXT) as location,
    case
    when lower(trim(employees.employment_status)) in ('active', 'employed') then 'active'
    when lower(trim(employees.employment_status)) in ('on_leave', 'on leave', 'leave') then 'on_leave'
    when lower(trim(employees.employment_status)) in ('notice_period', 'notice', 'leaving') then 'notice_period'
    when lower(trim(employees.employment_status)) in ('terminated', 'inactive', 'former') then 'terminated'
    else lower(trim(employees.employment_status))
  end as employment_status,
    employees.employment_status as source_status,
    case
    when employees.employment_type is null then 'unknown'
    when replace(replace(lower(trim(employees.employment_type)), '-', '_'), ' ', '_') in ('full_time', 'fulltime', 'permanent') then 'full_time'
    when replace(replace(lower(trim(employees.employment_type)), '-', '_'), ' ', '_') in ('part_time', 'parttime') then 'part_time'
    when replace(replace(lower(trim(employees.employment_type)), '-', '_'), ' ', '_') in ('contractor', 'contract', 'freelance', 'freelancer') then 'contractor'
    when replace(replace(lower(trim(employees.employment_type)), '-', '_'), ' ', '_') in ('intern', 'internship', 'trainee', 'apprentice') then 'intern'
    when replace(replace(lower(trim(employees.employment_type)), '-', '_'), ' ', '_') in ('temporary', 'temp', 'fixed_term', 'seasonal') then 'temporary'
    else replace(replace(lower(trim(employees.employment_type)), '-', '_'), ' ', '_')
  end as employment_type,
    employees.hire_date,
    employees.termination_date,
    cast(null as double precision) as weekly_hours,
    employees.updated_at as source_updated_at,
    employees._dlt_load_id,
    employees."custom_fields__tshirt_size",
    employees."custom_fields__badge_number",
    employees."custom_fields__remote_eligible",
    employees."custom_fields__shoe_size",
    employees."custom_fields__groesse",
    employees."custom_fields__team_name",
    employees."custom_fields__cf_850d589d",
    employees."custom_fields__visa_expiry",
    employees."custom_fields__certifications"
from "w"."hr_unified_staging"."stg_bytehr__employees" as employees
left join "w"."hr_unified_staging"."stg_bytehr__positions" as positions
    on positions.position_id = employees.position_id
left join "w"."hr_unified_staging"."stg_bytehr__departments" as departments
    on departments.department_id = employees.department_id