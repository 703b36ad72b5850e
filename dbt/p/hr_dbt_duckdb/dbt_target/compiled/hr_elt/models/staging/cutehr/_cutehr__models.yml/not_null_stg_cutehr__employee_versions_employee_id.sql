
    
    



select employee_id
from "w"."hr_unified_staging"."stg_cutehr__employee_versions"
where employee_id is null


