
    
    



select timeline
from "w"."hr_unified"."hr_employment_history"
where timeline is null


