
    
    



select employment_status
from "w"."hr_unified"."hr_employees"
where employment_status is null


