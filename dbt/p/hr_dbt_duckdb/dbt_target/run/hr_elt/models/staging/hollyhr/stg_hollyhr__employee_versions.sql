
  
  create view "w"."hr_unified_staging"."stg_hollyhr__employee_versions__dbt_tmp" as (
    with versions as (
    
  select
      cast("id" as TEXT) as "person_id",
      cast("job_title" as TEXT) as "job_title",
      cast("department" as TEXT) as "department",
      cast("status" as TEXT) as "status",
      cast("start_date" as date) as "start_date",
      cast("end_date" as date) as "end_date",
      cast(rows._hr_observed_at as timestamp with time zone) as observed_at,
      false as is_deleted,
      rows._dlt_load_id
  from "w"."hollyhr"."people_versions" as rows
  union all
  select
      cast("id" as TEXT) as "person_id",
      cast("job_title" as TEXT) as "job_title",
      cast("department" as TEXT) as "department",
      cast("status" as TEXT) as "status",
      cast("start_date" as date) as "start_date",
      cast("end_date" as date) as "end_date",
      cast(to_timestamp(cast(rows._dlt_load_id as double precision)) as timestamp with time zone) as observed_at,
      false as is_deleted,
      rows._dlt_load_id
  from "w"."hollyhr"."people" as rows
  where not exists (
      select 1 from "w"."hollyhr"."people_versions" as logged
      where logged."id" = rows."id" and logged._dlt_load_id = rows._dlt_load_id
  )
  
)

select
    cast('hollyhr' as TEXT) as provider,
    cast(null as TEXT) as tenant,
    versions.person_id as employee_id,
    versions.observed_at,
    versions.job_title,
    versions.department,
    case
    when lower(trim(versions.status)) = 'ended' then 'terminated'
    when lower(trim(versions.status)) in ('active', 'employed') then 'active'
    when lower(trim(versions.status)) in ('on_leave', 'on leave', 'leave') then 'on_leave'
    when lower(trim(versions.status)) in ('notice_period', 'notice', 'leaving') then 'notice_period'
    when lower(trim(versions.status)) in ('terminated', 'inactive', 'former') then 'terminated'
    else lower(trim(versions.status))
  end as employment_status,
    versions.start_date as hire_date,
    versions.end_date as termination_date,
    versions.is_deleted,
    versions._dlt_load_id
from versions
  );
