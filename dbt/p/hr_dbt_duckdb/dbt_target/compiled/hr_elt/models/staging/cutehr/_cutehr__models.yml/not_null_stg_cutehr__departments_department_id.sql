
    
    



select department_id
from "w"."hr_unified_staging"."stg_cutehr__departments"
where department_id is null


