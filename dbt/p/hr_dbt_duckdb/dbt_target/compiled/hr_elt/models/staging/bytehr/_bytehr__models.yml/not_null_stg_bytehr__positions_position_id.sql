
    
    



select position_id
from "w"."hr_unified_staging"."stg_bytehr__positions"
where position_id is null


