
    
    



select provider
from "w"."hr_unified"."hr_custom_fields"
where provider is null


