
select conformed.n as conformed_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified_staging"."bytehr__hr_employees") as conformed
cross join (select count(*) as n from "w"."hr_unified_staging"."stg_bytehr__employees") as staged
where conformed.n <> staged.n
