
    
    



select document_id
from "w"."hr_unified_staging"."stg_hollyhr__documents"
where document_id is null


