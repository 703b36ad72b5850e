with versions as (
    
  select
      cast("id" as bigint) as "employee_id",
      cast("department_id" as bigint) as "department_id",
      cast("designation" as TEXT) as "designation",
      cast("status" as TEXT) as "status",
      cast("date_of_joining" as date) as "date_of_joining",
      cast("date_of_exit" as date) as "date_of_exit",
      cast(rows._hr_observed_at as timestamp with time zone) as observed_at,
      rows._deleted_at is not null as is_deleted,
      rows._dlt_load_id
  from "w"."cutehr"."employees_versions" as rows
  union all
  select
      cast("id" as bigint) as "employee_id",
      cast("department_id" as bigint) as "department_id",
      cast("designation" as TEXT) as "designation",
      cast("status" as TEXT) as "status",
      cast("date_of_joining" as date) as "date_of_joining",
      cast("date_of_exit" as date) as "date_of_exit",
      cast(to_timestamp(cast(rows._dlt_load_id as double precision)) as timestamp with time zone) as observed_at,
      rows._deleted_at is not null as is_deleted,
      rows._dlt_load_id
  from "w"."cutehr"."employees" as rows
  where not exists (
      select 1 from "w"."cutehr"."employees_versions" as logged
      where logged."id" = rows."id" and logged._dlt_load_id = rows._dlt_load_id
  )
  
)

select
    cast('cutehr' as TEXT) as provider,
    cast(null as TEXT) as tenant,
    cast(versions.employee_id as TEXT) as employee_id,
    versions.observed_at,
    versions.designation as job_title,
    coalesce(departments.name, cast(versions.department_id as TEXT)) as department,
    case
    when lower(trim(versions.status)) = 'exited' then 'terminated'
    when lower(trim(versions.status)) in ('active', 'employed') then 'active'
    when lower(trim(versions.status)) in ('on_leave', 'on leave', 'leave') then 'on_leave'
    when lower(trim(versions.status)) in ('notice_period', 'notice', 'leaving') then 'notice_period'
    when lower(trim(versions.status)) in ('terminated', 'inactive', 'former') then 'terminated'
    else lower(trim(versions.status))
  end as employment_status,
    versions.date_of_joining as hire_date,
    versions.date_of_exit as termination_date,
    versions.is_deleted,
    versions._dlt_load_id
from versions
left join "w"."hr_unified_staging"."stg_cutehr__departments" as departments
    on departments.department_id = versions.department_id