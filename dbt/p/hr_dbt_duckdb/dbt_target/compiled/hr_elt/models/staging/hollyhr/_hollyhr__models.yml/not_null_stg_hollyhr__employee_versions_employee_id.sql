
    
    



select employee_id
from "w"."hr_unified_staging"."stg_hollyhr__employee_versions"
where employee_id is null


