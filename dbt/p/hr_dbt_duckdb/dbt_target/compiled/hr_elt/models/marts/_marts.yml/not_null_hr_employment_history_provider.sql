
    
    



select provider
from "w"."hr_unified"."hr_employment_history"
where provider is null


