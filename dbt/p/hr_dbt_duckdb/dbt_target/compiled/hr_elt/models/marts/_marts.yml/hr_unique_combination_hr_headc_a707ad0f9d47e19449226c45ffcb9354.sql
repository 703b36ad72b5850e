
select vendor, tenant, department, month, count(*) as n
from "w"."hr_unified"."hr_headcount_monthly"
group by vendor, tenant, department, month
having count(*) > 1
