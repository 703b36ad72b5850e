
    
    



select id
from "w"."bytehr"."departments"
where id is null


