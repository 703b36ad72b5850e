
    
    



select field_key
from "w"."hr_unified_staging"."stg_bytehr__custom_field_definitions"
where field_key is null


