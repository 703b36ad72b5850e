
    
    



select attendance_id
from "w"."hr_unified_staging"."stg_cutehr__attendance"
where attendance_id is null


