
    
    



select employee_id
from "w"."hr_unified"."hr_custom_field_history"
where employee_id is null


