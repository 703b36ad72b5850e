
    
    



select leave_request_id
from "w"."hr_unified_staging"."stg_bytehr__leave_requests"
where leave_request_id is null


