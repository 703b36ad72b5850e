
  
  create view "w"."hr_unified_staging"."hollyhr__hr_employment_history__dbt_tmp" as (
    
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
              from "w"."hr_unified_staging"."stg_hollyhr__employee_versions"
          ) as days
          where latest_of_day = 1
      ) as states
      where previous_state is null or previous_state <> state_key
  ) as changes
),
people as (
    select person_id, start_date, end_date, job_title, department
    from "w"."hr_unified_staging"."stg_hollyhr__people"
),
entries as (
    select history.person_id, history.start_date, history.end_date, history.job_title, history.department,
           cast(to_timestamp(cast(history._dlt_load_id as double precision)) as timestamp with time zone) as observed_at
    from "w"."hr_unified_staging"."stg_hollyhr__employment_history" as history
    union all
    select employments.person_id, employments.start_date, people.end_date, employments.job_title,
           employments.department,
           cast(to_timestamp(cast(employments._dlt_load_id as double precision)) as timestamp with time zone) as observed_at
    from "w"."hr_unified_staging"."stg_hollyhr__employments" as employments
    join people on people.person_id = employments.person_id
    union all
    select people.person_id, people.start_date, people.end_date, people.job_title, people.department,
           cast(null as timestamp with time zone) as observed_at
    from people
    where not exists (select 1 from "w"."hr_unified_staging"."stg_hollyhr__employments" as e where e.person_id = people.person_id)
      and not exists (select 1 from "w"."hr_unified_staging"."stg_hollyhr__employment_history" as h where h.person_id = people.person_id)
),
ordered as (
    select entries.*,
           lead(entries.start_date) over (partition by entries.person_id
                                          order by entries.start_date, entries.end_date) as next_start,
           people.start_date as hired, people.end_date as left_on
    from entries
    join people on people.person_id = entries.person_id
    where entries.start_date is not null
),
effective as (
    select
        cast('hollyhr' as TEXT) as provider,
        cast(null as TEXT) as tenant,
        person_id as employee_id,
        case when hired is not null and start_date < hired then hired else start_date end as valid_from,
        case
            when next_start is not null and (end_date is null or end_date >= next_start)
                 and (left_on is null or cast(

    (next_start + cast(-1 as bigint) * interval 1 day) as date) <= left_on)
                then cast(

    (next_start + cast(-1 as bigint) * interval 1 day) as date)
            when left_on is not null and (end_date is null or end_date > left_on) then left_on
            else end_date
        end as valid_to,
        job_title, department,
        cast('active' as TEXT) as employment_status,
        cast('effective' as TEXT) as timeline,
        observed_at
    from ordered
),
kept as (
    select * from effective where valid_to is null or valid_to >= valid_from
)
select provider, tenant, employee_id, valid_from, valid_to, job_title, department, employment_status,
       timeline, observed_at
from observed where not is_deleted
union all
select * from kept
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
      from kept
  ) as last_intervals
  where latest = 1 and valid_to is not null
  );
