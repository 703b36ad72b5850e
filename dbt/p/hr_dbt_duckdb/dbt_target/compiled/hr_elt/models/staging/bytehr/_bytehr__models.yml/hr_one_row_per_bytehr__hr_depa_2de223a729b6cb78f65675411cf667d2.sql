
select conformed.n as conformed_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified_staging"."bytehr__hr_departments") as conformed
cross join (select count(*) as n from "w"."hr_unified_staging"."stg_bytehr__departments") as staged
where conformed.n <> staged.n
