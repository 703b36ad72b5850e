
    
    



select valid_from
from "w"."hr_unified"."hr_employment_history"
where valid_from is null


