
    
    



select department_key
from "w"."hr_unified"."hr_departments"
where department_key is null


