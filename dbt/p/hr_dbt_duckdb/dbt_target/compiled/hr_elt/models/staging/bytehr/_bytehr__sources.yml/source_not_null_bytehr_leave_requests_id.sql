
    
    



select id
from "w"."bytehr"."leave_requests"
where id is null


