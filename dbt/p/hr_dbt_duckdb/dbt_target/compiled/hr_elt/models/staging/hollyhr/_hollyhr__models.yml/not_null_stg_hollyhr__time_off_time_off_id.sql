
    
    



select time_off_id
from "w"."hr_unified_staging"."stg_hollyhr__time_off"
where time_off_id is null


