
    
    



select employee_id
from "w"."hr_unified"."hr_employment_history"
where employee_id is null


