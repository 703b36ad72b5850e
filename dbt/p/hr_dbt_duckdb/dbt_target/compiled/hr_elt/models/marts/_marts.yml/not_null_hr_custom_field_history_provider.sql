
    
    



select provider
from "w"."hr_unified"."hr_custom_field_history"
where provider is null


