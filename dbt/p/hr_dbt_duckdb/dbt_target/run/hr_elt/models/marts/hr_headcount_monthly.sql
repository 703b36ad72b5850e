
    

    create  table
      "w"."hr_unified"."hr_headcount_monthly__dbt_tmp"
  
    
    as (
      

with daily as (
    select *, cast(date_trunc('month', "date") as date) as month
    from "w"."hr_unified"."hr_headcount_daily"
),
months as (
    select
        vendor, tenant, department, month,
        max("date") as month_end,
        sum(hires) as hires,
        sum(leavers) as leavers,
        avg(cast(headcount as double precision)) as avg_headcount
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
    cast(months.hires as bigint) as hires,
    cast(months.leavers as bigint) as leavers,
    months.avg_headcount,
    case when months.avg_headcount > 0 then months.leavers / months.avg_headcount end as attrition_rate
from months
join daily
    on daily.vendor = months.vendor and coalesce(daily.tenant, '') = coalesce(months.tenant, '')
    and daily.department is not distinct from months.department
    and daily."date" = months.month_end
    );
    
  