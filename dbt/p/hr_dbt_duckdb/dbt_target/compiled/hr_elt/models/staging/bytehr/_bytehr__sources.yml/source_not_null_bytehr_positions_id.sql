
    
    



select id
from "w"."bytehr"."positions"
where id is null


