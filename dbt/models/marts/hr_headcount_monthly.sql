{#-
  Per vendor, tenant, department and month (hr_headcount_daily): the headcount at the month's end
  (today for the current month), hires and leavers in the month, the average daily headcount, and
  the attrition rate (leavers / average headcount; null when nobody was employed).
-#}
{{ config(enabled=(hr_vendors_providing('hr_employment_history') | length > 0)) }}

with daily as (
    select *, cast({{ dbt.date_trunc('month', adapter.quote('date')) }} as date) as month
    from {{ ref('hr_headcount_daily') }}
),
months as (
    select
        vendor, tenant, department, month,
        max({{ adapter.quote('date') }}) as month_end,
        sum(hires) as hires,
        sum(leavers) as leavers,
        avg(cast(headcount as {{ hr_double() }})) as avg_headcount
    from daily
    group by vendor, tenant, department, month
)
select
    months.vendor,
    months.tenant,
    months.month,
    months.month_end,
    months.department,
    daily.headcount as month_end_headcount,
    cast(months.hires as {{ hr_bigint() }}) as hires,
    cast(months.leavers as {{ hr_bigint() }}) as leavers,
    months.avg_headcount,
    case when months.avg_headcount > 0 then months.leavers / months.avg_headcount end as attrition_rate
from months
join daily
    on daily.vendor = months.vendor and coalesce(daily.tenant, '') = coalesce(months.tenant, '')
    and daily.department is not distinct from months.department
    and daily.{{ adapter.quote('date') }} = months.month_end
