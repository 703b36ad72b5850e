
  
  create view "w"."hr_unified_staging"."stg_bytehr__employee_versions__dbt_tmp" as (
    with versions as (
    
  select
      cast("id" as bigint) as "employee_id",
      cast("department_id" as bigint) as "department_id",
      cast("position_id" as bigint) as "position_id",
      cast("employment_status" as TEXT) as "employment_status",
      cast("hire_date" as date) as "hire_date",
      cast("termination_date" as date) as "termination_date",
      cast(rows._hr_observed_at as timestamp with time zone) as observed_at,
      false as is_deleted,
      rows._dlt_load_id
  from "w"."bytehr"."employees_versions" as rows
  union all
  select
      cast("id" as bigint) as "employee_id",
      cast("department_id" as bigint) as "department_id",
      cast("position_id" as bigint) as "position_id",
      cast("employment_status" as TEXT) as "employment_status",
      cast("hire_date" as date) as "hire_date",
      cast("termination_date" as date) as "termination_date",
      cast(to_timestamp(cast(rows._dlt_load_id as double precision)) as timestamp with time zone) as observed_at,
      rows._deleted_at is not null as is_deleted,
      rows._dlt_load_id
  from "w"."bytehr"."employees" as rows
  where not exists (
      select 1 from "w"."bytehr"."employees_versions" as logged
      where logged."id" = rows."id" and logged._dlt_load_id = rows._dlt_load_id
  )
  
)

select
    cast('bytehr' as TEXT) as provider,
    cast(null as TEXT) as tenant,
    cast(versions.employee_id as TEXT) as employee_id,
    versions.observed_at,
    positions.title as job_title,
    coalesce(departments.name, cast(versions.department_id as TEXT)) as department,
    case
    when lower(trim(versions.employment_status)) in ('active', 'employed') then 'active'
    when lower(trim(versions.employment_status)) in ('on_leave', 'on leave', 'leave') then 'on_leave'
    when lower(trim(versions.employment_status)) in ('notice_period', 'notice', 'leaving') then 'notice_period'
    when lower(trim(versions.employment_status)) in ('terminated', 'inactive', 'former') then 'terminated'
    else lower(trim(versions.employment_status))
  end as employment_status,
    versions.hire_date,
    versions.termination_date,
    versions.is_deleted,
    versions._dlt_load_id
from versions
left join "w"."hr_unified_staging"."stg_bytehr__positions" as positions
    on positions.position_id = versions.position_id
left join "w"."hr_unified_staging"."stg_bytehr__departments" as departments
    on departments.department_id = versions.department_id
  );
