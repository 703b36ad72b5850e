
    
    



select key
from "w"."bytehr"."custom_field_definitions"
where key is null


