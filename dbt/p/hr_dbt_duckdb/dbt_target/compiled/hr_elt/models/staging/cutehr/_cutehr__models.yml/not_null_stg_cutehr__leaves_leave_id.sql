
    
    



select leave_id
from "w"."hr_unified_staging"."stg_cutehr__leaves"
where leave_id is null


