
  
  create view "w"."hr_unified_staging"."hollyhr__hr_employees__dbt_tmp" as (
    select
    'hollyhr:' || cast(people.person_id as TEXT) as person_key,
    cast('hollyhr' as TEXT) as provider,
    cast(null as TEXT) as tenant,
    cast(people.person_id as TEXT) as source_id,
    cast(null as TEXT) as employee_code,
    people.first_name,
    people.last_name,
    trim(coalesce(people.first_name, '') || ' ' || coalesce(people.last_name, '')) as full_name,
    people.preferred_name,
    lower(people.work_email) as email,
    coalesce(employments.job_title, people.job_title) as job_title,
    case when coalesce(employments.department, people.department) is not null
        then 'hollyhr:' || cast(coalesce(employments.department, people.department) as TEXT) end as department_key,
    coalesce(employments.department, people.department) as department_name,
    case when people.manager_id is not null then 'hollyhr:' || cast(people.manager_id as TEXT) end as manager_key,
    people.location,
    case
    when lower(trim(people.status)) = 'ended' then 'terminated'
    when lower(trim(people.status)) in ('active', 'employed') then 'active'
    when lower(trim(people.status)) in ('on_leave', 'on leave', 'leave') then 'on_leave'
    when lower(trim(people.status)) in ('notice_period', 'notice', 'leaving') then 'notice_period'
    when lower(trim(people.status)) in ('terminated', 'inactive', 'former') then 'terminated'
    else lower(trim(people.status))
  end as employment_status,
    people.status as source_status,
    case
    when coalesce(employments.employment_type, people.employment_type) is null then 'unknown'
    when replace(replace(lower(trim(coalesce(employments.employment_type, people.employment_type))), '-', '_'), ' ', '_') in ('full_time', 'fulltime', 'permanent') then 'full_time'
    when replace(replace(lower(trim(coalesce(employments.employment_type, people.employment_type))), '-', '_'), ' ', '_') in ('part_time', 'parttime') then 'part_time'
    when replace(replace(lower(trim(coalesce(employments.employment_type, people.employment_type))), '-', '_'), ' ', '_') in ('contractor', 'contract', 'freelance', 'freelancer') then 'contractor'
    when replace(replace(lower(trim(coalesce(employments.employment_type, people.employment_type))), '-', '_'), ' ', '_') in ('intern', 'internship', 'trainee', 'apprentice') then 'intern'
    when replace(replace(lower(trim(coalesce(employments.employment_type, people.employment_type))), '-', '_'), ' ', '_') in ('temporary', 'temp', 'fixed_term', 'seasonal') then 'temporary'
    else replace(replace(lower(trim(coalesce(employments.employment_type, people.employment_type))), '-', '_'), ' ', '_')
  end as employment_type,
    people.start_date as hire_date,
    people.end_date as termination_date,
    employments.weekly_hours,
    people.updated_at as source_updated_at,
    people._dlt_load_id
from "w"."hr_unified_staging"."stg_hollyhr__people" as people
left join "w"."hr_unified_staging"."stg_hollyhr__employments" as employments
    on employments.person_id = people.person_id
  );
