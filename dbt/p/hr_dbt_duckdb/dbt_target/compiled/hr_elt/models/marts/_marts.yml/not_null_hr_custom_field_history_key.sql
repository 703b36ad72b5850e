
    
    



select key
from "w"."hr_unified"."hr_custom_field_history"
where key is null


