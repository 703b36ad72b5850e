
    
    



select provider
from "w"."hr_unified"."hr_employees"
where provider is null


