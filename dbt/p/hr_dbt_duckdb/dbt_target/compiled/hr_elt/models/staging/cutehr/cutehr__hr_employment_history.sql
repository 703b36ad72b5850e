
with observed as (
    select
      provider, tenant, employee_id,
      valid_from,
      cast(

    (lead(valid_from) over (partition by provider, tenant, employee_id order by valid_from) + cast(-1 as bigint) * interval 1 day) as date) as valid_to,
      job_title, department, employment_status,
      cast('observed' as TEXT) as timeline,
      observed_at,
      is_deleted
  from (
      select *
      from (
          select
              *,
              lag(state_key) over (partition by provider, tenant, employee_id order by valid_from) as previous_state
          from (
              select
                  provider, tenant, employee_id, job_title, department, employment_status, is_deleted,
                  observed_at,
                  cast((observed_at) at time zone 'UTC' as date) as valid_from,
                  coalesce(cast(job_title as TEXT), '~') || '|' || coalesce(cast(department as TEXT), '~') || '|' || coalesce(cast(employment_status as TEXT), '~') || '|' || coalesce(cast(is_deleted as TEXT), '~') as state_key,
                  row_number() over (
                      partition by provider, tenant, employee_id, cast((observed_at) at time zone 'UTC' as date)
                      order by observed_at desc
                  ) as latest_of_day
              from "w"."hr_unified_staging"."stg_cutehr__employee_versions"
          ) as days
          where latest_of_day = 1
      ) as states
      where previous_state is null or previous_state <> state_key
  ) as changes
),
effective as (
    select provider, tenant, employee_id, valid_from, valid_to, job_title, department, employment_status,
         cast('effective' as TEXT) as timeline, observed_at
  from (
      select
          o.provider, o.tenant, o.employee_id,
          case when o.state_number = 1 or o.valid_from < s.hire_date then coalesce(s.hire_date, o.valid_from)
               else o.valid_from end as valid_from,
          case when s.termination_date is null then o.valid_to
               when o.valid_to is null or o.valid_to > s.termination_date then s.termination_date
               else o.valid_to end as valid_to,
          o.job_title, o.department,
          case when o.employment_status in ('on_leave', 'notice_period') then o.employment_status else 'active' end as employment_status,
          o.observed_at
      from (
          select *, row_number() over (partition by provider, tenant, employee_id order by valid_from) as state_number
          from observed
          where not is_deleted
      ) as o
      join (
          select provider, tenant, employee_id, hire_date, termination_date
          from (
              select *, row_number() over (partition by provider, tenant, employee_id order by observed_at desc) as newest
              from "w"."hr_unified_staging"."stg_cutehr__employee_versions"
              where not is_deleted
          ) as v
          where newest = 1
      ) as s
          on s.provider = o.provider and s.employee_id = o.employee_id
          and coalesce(s.tenant, '') = coalesce(o.tenant, '')
  ) as spans
  where valid_to is null or valid_to >= valid_from
)
select provider, tenant, employee_id, valid_from, valid_to, job_title, department, employment_status,
       timeline, observed_at
from observed where not is_deleted
union all
select * from effective
union all
select provider, tenant, employee_id,
         cast(

    (valid_to + cast(1 as bigint) * interval 1 day) as date) as valid_from,
         cast(null as date) as valid_to,
         job_title, department,
         cast('terminated' as TEXT) as employment_status,
         timeline, observed_at
  from (
      select *, row_number() over (partition by provider, tenant, employee_id order by valid_from desc) as latest
      from effective
  ) as last_intervals
  where latest = 1 and valid_to is not null