
    
    



select employment_history_id
from "w"."hr_unified_staging"."stg_hollyhr__employment_history"
where employment_history_id is null


