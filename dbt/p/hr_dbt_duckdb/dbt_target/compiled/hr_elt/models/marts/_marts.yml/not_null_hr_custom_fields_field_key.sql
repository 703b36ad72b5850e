
    
    



select field_key
from "w"."hr_unified"."hr_custom_fields"
where field_key is null


