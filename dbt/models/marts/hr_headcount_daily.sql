{#-
  Headcount per vendor, tenant, department and day, from the earliest effective start to today (the
  tenant's, macros/history.sql): `headcount` counts the people employed that day (an effective
  interval with status active, on_leave or notice_period covers it), `hires` the people whose
  employment starts that day, `leavers` those whose employment ends that day (their last day:
  counted in that day's headcount, gone the next).

  Built from the intervals' start and end events and a running sum over a calendar, so a full build
  costs the intervals plus days x departments: it is rebuilt whole every time (a correction of an
  old effective date changes every day after it, which an incremental build would miss).
-#}
{{ config(enabled=(hr_vendors_providing('hr_employment_history') | length > 0)) }}

with employed as (
    select provider, tenant, employee_id, department, valid_from, valid_to
    from {{ ref('hr_employment_history') }}
    where timeline = 'effective' and employment_status in ('active', 'on_leave', 'notice_period')
),
bounds as (
    select provider, tenant, min(valid_from) as first_day, {{ hr_today() }} as last_day
    from employed
    group by provider, tenant
),
calendar as (
    {{ hr_date_spine('(select min(first_day) from bounds)', hr_today()) }}
),
spells as (
    {#- one employment spell per person: consecutive employed intervals, for hires and leavers -#}
    select provider, tenant, employee_id, min(valid_from) as hired_on
    from employed
    group by provider, tenant, employee_id
),
events as (
    select provider, tenant, department, valid_from as day, 1 as delta, 0 as hires, 0 as leavers
    from employed
    union all
    select provider, tenant, department, {{ hr_add_days('valid_to', 1) }} as day, -1 as delta, 0, 0
    from employed
    where valid_to is not null
    union all
    select e.provider, e.tenant, e.department, e.valid_from, 0, 1, 0
    from employed as e
    join spells as s
        on s.provider = e.provider and s.employee_id = e.employee_id
        and coalesce(s.tenant, '') = coalesce(e.tenant, '') and s.hired_on = e.valid_from
    union all
    select e.provider, e.tenant, e.department, e.valid_to, 0, 0, 1
    from employed as e
    join {{ ref('hr_employment_history') }} as tail
        on tail.provider = e.provider and tail.employee_id = e.employee_id
        and coalesce(tail.tenant, '') = coalesce(e.tenant, '')
        and tail.timeline = 'effective' and tail.employment_status = 'terminated'
        and tail.valid_from = {{ hr_add_days('e.valid_to', 1) }}
),
per_day as (
    select provider, tenant, department, day, sum(delta) as delta, sum(hires) as hires, sum(leavers) as leavers
    from events
    group by provider, tenant, department, day
),
grid as (
    select departments.provider, departments.tenant, departments.department, calendar.day
    from (select distinct provider, tenant, department from employed) as departments
    join bounds
        on bounds.provider = departments.provider and coalesce(bounds.tenant, '') = coalesce(departments.tenant, '')
    join calendar
        on calendar.day between bounds.first_day and bounds.last_day
)
select
    grid.provider as vendor,
    grid.tenant,
    grid.day as {{ adapter.quote('date') }},
    grid.department,
    cast(sum(coalesce(per_day.delta, 0)) over (
        partition by grid.provider, grid.tenant, grid.department order by grid.day
        rows between unbounded preceding and current row
    ) as {{ hr_bigint() }}) as headcount,
    cast(coalesce(per_day.hires, 0) as {{ hr_bigint() }}) as hires,
    cast(coalesce(per_day.leavers, 0) as {{ hr_bigint() }}) as leavers
from grid
left join per_day
    on per_day.provider = grid.provider and coalesce(per_day.tenant, '') = coalesce(grid.tenant, '')
    and per_day.department is not distinct from grid.department and per_day.day = grid.day
