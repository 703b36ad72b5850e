
    
    



select hire_date
from "w"."hr_unified"."hr_employees"
where hire_date is null


