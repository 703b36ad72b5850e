
    
    



select observed_at
from "w"."hr_unified_staging"."stg_hollyhr__employee_versions"
where observed_at is null


