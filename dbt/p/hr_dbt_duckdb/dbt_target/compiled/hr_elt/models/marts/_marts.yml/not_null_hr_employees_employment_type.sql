
    
    



select employment_type
from "w"."hr_unified"."hr_employees"
where employment_type is null


