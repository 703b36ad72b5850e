
    
    



select employee_id
from "w"."hr_unified_staging"."stg_bytehr__employees"
where employee_id is null


