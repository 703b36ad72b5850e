
select conformed.n as conformed_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified_staging"."hollyhr__hr_time_off") as conformed
cross join (select count(*) as n from "w"."hr_unified_staging"."stg_hollyhr__time_off") as staged
where conformed.n <> staged.n
