
select vendor, tenant, department, date, count(*) as n
from "w"."hr_unified"."hr_headcount_daily"
group by vendor, tenant, department, date
having count(*) > 1
