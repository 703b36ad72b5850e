{#- HollyHR people on two timelines. HollyHR dates every employment: the employment history (past
    employments, start_date..end_date) and the current employment (from its start_date to the person's
    end_date) are the effective timeline, as the vendor says it now: a correction of an earlier entry
    rewrites it. An entry overlapping the next one ends the day before it; entries outside the person's
    start_date..end_date are cut to it. The observed timeline is the people's versions as loaded. -#}
{% set versions = ref('stg_hollyhr__employee_versions') %}
with observed as (
    {{ hr_observed_intervals(versions) }}
),
people as (
    select person_id, start_date, end_date, job_title, department
    from {{ ref('stg_hollyhr__people') }}
),
entries as (
    select history.person_id, history.start_date, history.end_date, history.job_title, history.department,
           cast({{ hr_load_time('history._dlt_load_id') }} as {{ hr_timestamp() }}) as observed_at
    from {{ ref('stg_hollyhr__employment_history') }} as history
    union all
    select employments.person_id, employments.start_date, people.end_date, employments.job_title,
           employments.department,
           cast({{ hr_load_time('employments._dlt_load_id') }} as {{ hr_timestamp() }}) as observed_at
    from {{ ref('stg_hollyhr__employments') }} as employments
    join people on people.person_id = employments.person_id
    union all
    select people.person_id, people.start_date, people.end_date, people.job_title, people.department,
           cast(null as {{ hr_timestamp() }}) as observed_at
    from people
    where not exists (select 1 from {{ ref('stg_hollyhr__employments') }} as e where e.person_id = people.person_id)
      and not exists (select 1 from {{ ref('stg_hollyhr__employment_history') }} as h where h.person_id = people.person_id)
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
        cast('hollyhr' as {{ hr_text() }}) as provider,
        {{ hr_tenant() }} as tenant,
        person_id as employee_id,
        case when hired is not null and start_date < hired then hired else start_date end as valid_from,
        case
            when next_start is not null and (end_date is null or end_date >= next_start)
                 and (left_on is null or {{ hr_add_days('next_start', -1) }} <= left_on)
                then {{ hr_add_days('next_start', -1) }}
            when left_on is not null and (end_date is null or end_date > left_on) then left_on
            else end_date
        end as valid_to,
        job_title, department,
        cast('active' as {{ hr_text() }}) as employment_status,
        cast('effective' as {{ hr_text() }}) as timeline,
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
{{ hr_interval_tail('kept') }}
