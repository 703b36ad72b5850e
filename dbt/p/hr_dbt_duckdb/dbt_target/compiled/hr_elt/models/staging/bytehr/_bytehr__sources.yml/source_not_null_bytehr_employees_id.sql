
    
    



select id
from "w"."bytehr"."employees"
where id is null


