
    
    



select custom_field_key
from "w"."hr_unified"."hr_custom_fields"
where custom_field_key is null


