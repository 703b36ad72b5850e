
    
    



select valid_from
from "w"."hr_unified"."hr_custom_field_history"
where valid_from is null


